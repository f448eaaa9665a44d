"""The database handle: the async connection pool plus the named SQL queries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosql
import msgspec
import psycopg
import structlog
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout

logger = structlog.get_logger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0


def load_queries(sql_dir: Path) -> Any:
    """Read every named query under ``sql/`` once; sub-folders become namespaces."""
    return aiosql.from_path(sql_dir, "apsycopg")


@dataclass(frozen=True, slots=True)
class Readiness:
    """What the readiness probe found; ``reason`` is set when not ready."""

    ready: bool
    database: str
    migrations: str
    reason: str | None = None


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


def _loads(data: str | bytes) -> Any:
    """json and jsonb columns (the aggregated topics and tags of a content list, event
    props) decoded by msgspec, several times faster than the standard library; what it
    refuses and the standard library takes (a number beyond a float, ``1e400``) still
    decodes."""
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError:
        return json.loads(data)


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    set_json_loads(_loads, conn)


class Database:
    """Owns the pool for the life of the process; hands out connections and queries."""

    def __init__(self, pool: AsyncConnectionPool, queries: Any) -> None:
        self.pool = pool
        self.queries = queries

    @classmethod
    def create(
        cls, database_url: str, *, min_size: int, max_size: int, sql_dir: Path,
        timeout: float = 10,
    ) -> Database:  # fmt: skip
        pool = AsyncConnectionPool(
            database_url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,  # how long a request waits for a connection before a 503
            kwargs={"row_factory": dict_row},
            configure=_configure,
            open=False,
            name="app",
            # A connection the server dropped (restart, failover, pg_terminate_backend) is
            # found on checkout and replaced, so one outage costs no failed requests after it.
            check=AsyncConnectionPool.check_connection,
        )
        return cls(pool, load_queries(sql_dir))

    async def open(self) -> None:
        # Do not wait for connections: a process whose database is down still starts,
        # and /health/ready says why it is not ready.
        await self.pool.open(wait=False)
        logger.info(
            "database_pool_opened", min_size=self.pool.min_size, max_size=self.pool.max_size
        )

    async def close(self) -> None:
        await self.pool.close()
        logger.info("database_pool_closed")

    async def readiness(self, expected_migrations: tuple[str, ...]) -> Readiness:
        """Is the database reachable, and has it applied every migration file?"""
        try:
            async with self.pool.connection(timeout=READINESS_TIMEOUT_SECONDS) as conn:
                applied = await self._applied_migrations(conn)
        except (PoolTimeout, psycopg.OperationalError):
            return Readiness(
                ready=False,
                database="unreachable",
                migrations="unknown",
                reason="the database is unreachable",
            )
        pending = [m for m in expected_migrations if m not in applied]
        if pending:
            return Readiness(
                ready=False,
                database="ok",
                migrations=f"{len(pending)} pending",
                reason=f"{len(pending)} migration(s) pending, first {pending[0]}",
            )
        return Readiness(ready=True, database="ok", migrations="current")

    async def outbox_lag(self) -> float | None:
        """Seconds the oldest unhandled outbox event has waited (0 when none); None when
        it cannot be read."""
        try:
            async with self.pool.connection(timeout=READINESS_TIMEOUT_SECONDS) as conn:
                row = await self.queries.health.outbox_state(conn)
        except (PoolTimeout, psycopg.Error):
            return None
        return round(float(row["lag_seconds"]), 3) if row else 0.0

    async def reachable(self) -> bool:
        """Can this process get a connection and run a query within the probe's timeout?"""
        try:
            async with self.pool.connection(timeout=READINESS_TIMEOUT_SECONDS) as conn:
                await self.queries.health.ping(conn)
        except (PoolTimeout, psycopg.Error):
            return False
        return True

    async def queue_figures(self) -> QueueFigures:
        """What the worker's /metrics reports about the work queued in the database:
        counts only, one connection, four small queries (``sql/health/metrics.sql``)."""
        q = self.queries
        async with self.pool.connection(timeout=READINESS_TIMEOUT_SECONDS) as conn:
            outbox = await q.health.outbox_state(conn)
            deliveries = tuple(
                [Count((r["channel"], r["status"]), int(r["n"]))
                 async for r in q.health.deliveries_by_state(conn)]
            )  # fmt: skip
            notifications = tuple(
                [Count((r["provider"], r["outcome"]), int(r["n"]))
                 async for r in q.health.webhook_outcomes(conn)]
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

    async def _applied_migrations(self, conn: psycopg.AsyncConnection[Any]) -> set[str]:
        try:
            async with conn.transaction():
                rows = [r async for r in self.queries.health.applied_migration_ids(conn)]
        except psycopg.errors.UndefinedTable:
            return set()
        return {row["migration_id"] for row in rows}
