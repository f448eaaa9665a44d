"""Each process's internal listener (probes and metrics) built from its core: what the
API, the worker and the bot report, and on which port."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar

from app.adapters.http.health import (
    api_readiness,
    bot_liveness,
    bot_readiness,
    process_alive,
    worker_liveness,
    worker_readiness,
)
from app.adapters.http.internal import InternalEndpoints, InternalListener, build_internal_app
from app.adapters.observability.metrics import (
    CalendarSource,
    FlagSource,
    PoolSource,
    ProcessMetrics,
    QueueSource,
    Source,
    WorkerTelemetry,
)
from app.adapters.postgres.database import Database
from app.application.scheduler import Scheduler
from app.application.worker import POLL_SECONDS
from app.config import Settings

# A round normally ends within seconds (an idle worker looks every POLL_SECONDS); one
# that has not ended for two minutes is stuck, and liveness fails so it is restarted.
STUCK_AFTER_SECONDS = 24 * POLL_SECONDS
# Readiness wants a round without an error within the last 30 seconds.
FRESH_WITHIN_SECONDS = 6 * POLL_SECONDS


def _queue_source(database: Database, scheduler: Scheduler) -> QueueSource:
    return QueueSource(database, lambda: [(job.name, job.interval) for job in scheduler.jobs])


def api_internal_app(
    settings: Settings,
    database: Database,
    expected_migrations: tuple[str, ...],
    calendar_health: Callable[[], str],
    scheduler: Scheduler,
    telemetry: WorkerTelemetry,
) -> Litestar:
    """Per-process metrics only, unless the worker loop runs in this process (dev)."""
    sources: list[Source] = [PoolSource(database), CalendarSource(calendar_health)]
    registries = []
    if settings.worker_in_process:
        sources.append(_queue_source(database, scheduler))
        registries.append(telemetry.registry)
    adapters = {"payments": settings.payments_provider, "email": settings.email_backend}
    return build_internal_app(
        InternalEndpoints(
            live=process_alive,
            ready=api_readiness(database, expected_migrations, calendar_health, adapters),
            metrics=ProcessMetrics(sources, registries).render,
        )
    )


def worker_internal_app(
    database: Database,
    calendar_health: Callable[[], str],
    scheduler: Scheduler,
    telemetry: WorkerTelemetry,
) -> Litestar:
    sources: list[Source] = [PoolSource(database), CalendarSource(calendar_health)]
    return build_internal_app(
        InternalEndpoints(
            live=worker_liveness(telemetry, STUCK_AFTER_SECONDS),
            ready=worker_readiness(database, telemetry, FRESH_WITHIN_SECONDS),
            metrics=ProcessMetrics(
                [*sources, _queue_source(database, scheduler)], [telemetry.registry]
            ).render,
        )
    )


def bot_internal_app(database: Database, polling: Callable[[], bool]) -> Litestar:
    return build_internal_app(
        InternalEndpoints(
            live=bot_liveness(polling),
            ready=bot_readiness(database, polling),
            metrics=ProcessMetrics(
                [
                    PoolSource(database),
                    FlagSource("balance_bot_polling_up", "1 while long polling runs", polling),
                ]
            ).render,
        )
    )


def listener(
    settings: Settings, app: Litestar, port: int, variable: str
) -> InternalListener | None:
    """The listener on INTERNAL_HTTP_HOST:``port``; None when the port is 0 (off)."""
    if port == 0:
        return None
    return InternalListener(app, settings.internal_http_host, port, variable=variable)
