"""Prometheus metrics: requests by route template and status (Litestar's middleware),
and, refreshed at each scrape, the database pool, the outbox, notification deliveries,
provider notifications, the calendar adapter and each periodic job's last success.
Labels carry codes only, never P1/P2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.middleware.base import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest

from app.adapters.postgres.database import Database

logger = structlog.get_logger(__name__)

POOL = Gauge("balance_db_pool", "Database pool connections and waiting requests", ["state"])
OUTBOX = Gauge("balance_outbox_events", "Outbox events not yet handled", ["state"])
OUTBOX_LAG = Gauge("balance_outbox_lag_seconds", "Age of the oldest unhandled outbox event")
DELIVERIES = Gauge(
    "balance_notification_deliveries", "Messages pending or failed", ["channel", "status"]
)
WEBHOOKS = Gauge(
    "balance_provider_notifications", "Provider notifications by outcome",
    ["provider", "outcome"],
)  # fmt: skip
CALENDAR = Gauge("balance_calendar_up", "Google Calendar adapter: 1 ok, 0 failing, -1 off")
JOB_LAST_SUCCESS = Gauge(
    "balance_job_last_success_timestamp_seconds",
    "When each periodic job last finished without an error (Unix time)", ["job"],
)  # fmt: skip
SCRAPE_ERRORS = Gauge("balance_metrics_database_up", "Whether the last scrape read the database")


def request_metrics() -> DefineMiddleware:
    """Request count and latency by route template (never the raw path) and status."""
    config = PrometheusConfig(
        app_name="balance", prefix="balance", group_path=True, exclude=["/metrics"],
        exclude_unhandled_paths=True,
    )  # fmt: skip
    return config.middleware


async def refresh(database: Database, calendar_health: Callable[[], str]) -> None:
    stats = database.pool.get_stats()
    for state in ("pool_size", "pool_available", "requests_waiting"):
        POOL.labels(state).set(stats.get(state, 0))
    state = calendar_health()
    CALENDAR.set(-1 if state == "disabled" else 1 if state == "ok" else 0)
    try:
        async with database.pool.connection(timeout=2) as conn:
            q = database.queries.health
            outbox = await q.outbox_state(conn)
            OUTBOX.labels("backlog").set(outbox["backlog"] if outbox else 0)
            OUTBOX.labels("parked").set(outbox["parked"] if outbox else 0)
            OUTBOX_LAG.set(float(outbox["lag_seconds"]) if outbox else 0.0)
            DELIVERIES.clear()
            async for row in q.deliveries_by_state(conn):
                DELIVERIES.labels(row["channel"], row["status"]).set(row["n"])
            WEBHOOKS.clear()
            async for row in q.webhook_outcomes(conn):
                WEBHOOKS.labels(row["provider"], row["outcome"]).set(row["n"])
            JOB_LAST_SUCCESS.clear()
            async for row in database.queries.jobs.last_successes(conn):
                JOB_LAST_SUCCESS.labels(row["name"]).set(row["last_succeeded_at"].timestamp())
        SCRAPE_ERRORS.set(1)
    except Exception as exc:
        SCRAPE_ERRORS.set(0)
        logger.warning("metrics_database_unavailable", error_type=type(exc).__name__)


class MetricsController(Controller):
    """``GET /metrics`` in Prometheus' text format; keep it behind the proxy."""

    path = "/metrics"
    include_in_schema = False

    @get()
    async def metrics(
        self, database: NamedDependency[Database],
        calendar_health: NamedDependency[Callable[[], str]],
    ) -> Response[Any]:  # fmt: skip
        await refresh(database, calendar_health)
        return Response(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})
