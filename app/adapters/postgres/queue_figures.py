"""What the worker's /metrics reports about the work queued in the database: counts
only, read at each scrape with the queries in ``sql/health/metrics.sql``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.adapters.postgres.database import READINESS_TIMEOUT_SECONDS, Database


@dataclass(frozen=True, slots=True)
class Count:
    labels: tuple[str, ...]
    n: int


@dataclass(frozen=True, slots=True)
class QueueFigures:
    outbox_backlog: int
    outbox_parked: int
    outbox_lag_seconds: float
    # (channel, status) for pending and failed messages
    deliveries: tuple[Count, ...]
    # (provider, outcome) for stored provider notifications
    provider_notifications: tuple[Count, ...]
    # job name -> when it last finished without an error
    job_last_success: tuple[tuple[str, datetime], ...]


async def read_queue_figures(database: Database) -> QueueFigures:
    """One connection, four small queries (the outbox one is served by a partial index)."""
    q = database.queries
    async with database.pool.connection(timeout=READINESS_TIMEOUT_SECONDS) as conn:
        outbox = await q.health.outbox_state(conn)
        deliveries = tuple(
            [Count((r["channel"], r["status"]), int(r["n"])) async for r in
             q.health.deliveries_by_state(conn)]
        )  # fmt: skip
        notifications = tuple(
            [Count((r["provider"], r["outcome"]), int(r["n"])) async for r in
             q.health.webhook_outcomes(conn)]
        )  # fmt: skip
        jobs = tuple(
            [(r["name"], r["last_succeeded_at"]) async for r in q.jobs.last_successes(conn)]
        )
    return QueueFigures(
        outbox_backlog=int(outbox["backlog"]) if outbox else 0,
        outbox_parked=int(outbox["parked"]) if outbox else 0,
        outbox_lag_seconds=float(outbox["lag_seconds"]) if outbox else 0.0,
        deliveries=deliveries,
        provider_notifications=notifications,
        job_last_success=jobs,
    )


async def database_reachable(database: Database) -> bool:
    """Can this process get a connection and run a query within the probe's timeout?"""
    try:
        async with database.pool.connection(timeout=READINESS_TIMEOUT_SECONDS) as conn:
            await database.queries.health.ping(conn)
    except Exception:  # any failure means "not reachable" to a probe
        return False
    return True
