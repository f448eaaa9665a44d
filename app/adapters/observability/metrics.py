"""Prometheus metrics, served on each process's internal listener.

Per process: requests by route template and status (:class:`RequestMetrics`, API only),
the process's database pool, whether it reaches the database and, where it has one, the
Google Calendar adapter. The worker alone adds the database-wide gauges (the outbox,
notification deliveries, provider notifications, each periodic job's last success),
read at each scrape, and its own counters (rounds, failed rounds, outbox outcomes): an
API replica never repeats what every other copy would report too.

Names follow Prometheus' conventions: one meaning per name, counters end in
``_total``, units in the name, no magic values. Labels carry codes only, never P1/P2.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any, Protocol

import structlog
from litestar.middleware.base import DefineMiddleware
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.adapters.postgres.database import Database

logger = structlog.get_logger(__name__)

OUTBOX_OUTCOMES = ("processed", "retried", "parked")


APP_NAME = "balance"


class _RequestFamilies:
    """The request metrics, made once per process (tests build many apps in one)."""

    def __init__(self) -> None:
        labels = ("method", "path", "status_code", "app_name")
        self.count = Counter(f"{APP_NAME}_requests_total", "Total requests", labels)
        self.errors = Counter(
            f"{APP_NAME}_requests_error_total", "Total errors in requests", labels
        )
        self.duration = Histogram(
            f"{APP_NAME}_request_duration_seconds", "Request duration, in seconds", labels
        )
        self.in_progress = Gauge(
            f"{APP_NAME}_requests_in_progress", "Total requests currently in progress", labels,
            multiprocess_mode="livesum",
        )  # fmt: skip


_FAMILIES: list[_RequestFamilies] = []


def _families() -> _RequestFamilies:
    if not _FAMILIES:
        _FAMILIES.append(_RequestFamilies())
    return _FAMILIES[0]


class RequestMetrics:
    """Request count, errors, latency and requests in progress by method, route template
    (never the raw path) and status, with the names and labels Litestar's Prometheus
    middleware gave them. Leaner than it: the labelled series are looked up once per
    route and status and kept, and no ``Request`` or URL is built per request (that
    middleware was ~15 % of a cached article read under load, docs/performance.md)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._families = _families()
        self._series: dict[tuple[str, str, int], tuple[Any, Any, Any | None]] = {}
        self._running: dict[tuple[str, str], Any] = {}

    def _done(self, method: str, path: str, status: int) -> tuple[Any, Any, Any | None]:
        key = (method, path, status)
        found = self._series.get(key)
        if found is None:
            values = (method, path, str(status), APP_NAME)
            f = self._families
            found = (
                f.count.labels(*values), f.duration.labels(*values),
                f.errors.labels(*values) if status >= HTTP_500_INTERNAL_SERVER_ERROR else None,
            )  # fmt: skip
            self._series[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind: str = scope["type"]  # a plain string from the server
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", kind))
        path = scope.get("path_template") or scope["path"]
        running = self._running.get((method, path))
        if running is None:
            running = self._families.in_progress.labels(method, path, "200", APP_NAME)
            self._running[(method, path)] = running
        status = 200
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        running.inc()
        try:
            await self.app(scope, receive, send_status)
        finally:
            running.dec()
            count, duration, errors = self._done(method, path, status)
            count.inc()
            duration.observe(time.perf_counter() - started)
            if errors is not None:
                errors.inc()


def request_metrics() -> DefineMiddleware:
    """``balance_requests_total``, ``balance_request_duration_seconds``,
    ``balance_requests_in_progress`` and ``balance_requests_error_total``."""
    return DefineMiddleware(RequestMetrics)


class Source(Protocol):
    """Something that adds metric families at scrape time."""

    async def refresh(self) -> Iterable[GaugeMetricFamily]: ...


class _Latest(Collector):
    """Hands the registry the families the last refresh built (collectors are sync, the
    database is not)."""

    def __init__(self) -> None:
        self.families: list[GaugeMetricFamily] = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        return iter(self.families)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class PoolSource:
    """This process's database pool and whether it reaches the database."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def refresh(self) -> Iterable[GaugeMetricFamily]:
        stats = self._database.pool.get_stats()
        up = await self._database.reachable()
        return (
            _gauge("balance_db_pool_connections", "Connections the pool holds open",
                   stats.get("pool_size", 0)),
            _gauge("balance_db_pool_idle_connections", "Open connections not in use",
                   stats.get("pool_available", 0)),
            _gauge("balance_db_pool_max_connections", "The most connections the pool opens",
                   self._database.pool.max_size),
            _gauge("balance_db_pool_waiting_requests", "Requests waiting for a connection",
                   stats.get("requests_waiting", 0)),
            _gauge("balance_database_up", "1 when this process reached the database at the "
                   "scrape, else 0", 1 if up else 0),
        )  # fmt: skip


class CalendarSource:
    """The Google Calendar adapter as this process sees it: enabled or not, and, only
    when enabled, whether its last call worked."""

    def __init__(self, calendar_health: Callable[[], str]) -> None:
        self._health = calendar_health

    async def refresh(self) -> Iterable[GaugeMetricFamily]:
        state = self._health()
        enabled = state != "disabled"
        families = [
            _gauge("balance_calendar_enabled", "1 when Google Calendar is configured",
                   1 if enabled else 0)
        ]  # fmt: skip
        if enabled:
            families.append(
                _gauge("balance_calendar_up", "1 when the last Google Calendar call worked",
                       1 if state == "ok" else 0)
            )  # fmt: skip
        return families


class FlagSource:
    """A 0/1 gauge read from the process at scrape time (e.g. the bot's polling)."""

    def __init__(self, name: str, documentation: str, flag: Callable[[], bool]) -> None:
        self._name, self._documentation, self._flag = name, documentation, flag

    async def refresh(self) -> Iterable[GaugeMetricFamily]:
        return (_gauge(self._name, self._documentation, 1 if self._flag() else 0),)


class QueueSource:
    """Database-wide figures (the worker only): the outbox, deliveries, provider
    notifications and each periodic job's interval and last success."""

    def __init__(self, database: Database, jobs: Callable[[], Sequence[tuple[str, timedelta]]]):
        self._database = database
        self._jobs = jobs

    async def refresh(self) -> Iterable[GaugeMetricFamily]:
        interval = GaugeMetricFamily(
            "balance_job_interval_seconds",
            "How often each periodic job is due",
            # Not "job": Prometheus gives that label to the scrape job.
            labels=["periodic_job"],
        )
        for name, every in self._jobs():
            interval.add_metric([name], every.total_seconds())
        try:
            figures = await self._database.queue_figures()
        except Exception as exc:  # the scrape still answers; balance_queue_figures_up says so
            logger.warning("metrics_database_unavailable", error_type=type(exc).__name__)
            return (
                interval,
                _gauge("balance_queue_figures_up", "1 when the scrape read the queue figures",
                       0),
            )  # fmt: skip
        deliveries = GaugeMetricFamily(
            "balance_notification_deliveries",
            "Messages waiting (pending) or failed for good (failed), by channel",
            labels=["channel", "status"],
        )
        for count in figures.deliveries:
            deliveries.add_metric(list(count.labels), count.n)
        notifications = GaugeMetricFamily(
            "balance_provider_notifications",
            "Stored provider notifications by outcome (within their retention)",
            labels=["provider", "outcome"],
        )
        for count in figures.provider_notifications:
            notifications.add_metric(list(count.labels), count.n)
        last_success = GaugeMetricFamily(
            "balance_job_last_success_timestamp_seconds",
            "When each periodic job last finished without an error (Unix time)",
            labels=["periodic_job"],
        )
        for name, when in figures.job_last_success:
            last_success.add_metric([name], when.timestamp())
        return (
            _gauge("balance_queue_figures_up", "1 when the scrape read the queue figures", 1),
            _gauge("balance_outbox_backlog_events", "Outbox events waiting to be handled",
                   figures.outbox_backlog),
            _gauge("balance_outbox_parked_events", "Outbox events parked for an operator",
                   figures.outbox_parked),
            _gauge("balance_outbox_lag_seconds", "Age of the oldest outbox event waiting "
                   "to be handled (0 when none waits)", figures.outbox_lag_seconds),
            deliveries,
            notifications,
            interval,
            last_success,
        )  # fmt: skip


class WorkerTelemetry:
    """The worker loop's counters and heartbeat (it observes rounds and outbox
    outcomes); the heartbeat decides the worker's liveness and readiness."""

    def __init__(self, *, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.registry = CollectorRegistry(auto_describe=True)
        self._rounds = Counter(
            "balance_worker_rounds", "Worker rounds finished (with or without an error)",
            registry=self.registry,
        )  # fmt: skip
        self._failures = Counter(
            "balance_worker_round_failures", "Worker rounds that ended in an error",
            registry=self.registry,
        )  # fmt: skip
        self._last_round = Gauge(
            "balance_worker_last_round_timestamp_seconds",
            "When the worker last finished a round (Unix time)", registry=self.registry,
        )  # fmt: skip
        self._handled = Counter(
            "balance_outbox_events_handled",
            "Outbox events the relay finished with, by outcome (processed, retried, parked)",
            ["outcome"], registry=self.registry,
        )  # fmt: skip
        for outcome in OUTBOX_OUTCOMES:
            self._handled.labels(outcome)
        self.started_at = now()
        self.last_round_at: float | None = None
        self.last_good_round_at: float | None = None

    def round_finished(self, *, failed: bool) -> None:
        self._rounds.inc()
        self._last_round.set(time.time())
        self.last_round_at = self._now()
        if failed:
            self._failures.inc()
        else:
            self.last_good_round_at = self.last_round_at

    def event_handled(self, outcome: str) -> None:
        self._handled.labels(outcome).inc()

    def seconds_since_round(self) -> float:
        """Seconds since the last round ended (or since start, before the first)."""
        return self._now() - (self.last_round_at or self.started_at)

    def seconds_since_good_round(self) -> float | None:
        if self.last_good_round_at is None:
            return None
        return self._now() - self.last_good_round_at


class ProcessMetrics:
    """Renders ``/metrics`` for one process: the default registry (requests, process_*,
    python_*), the process's own registries, and the scrape-time sources."""

    def __init__(
        self, sources: Sequence[Source], registries: Sequence[CollectorRegistry] = ()
    ) -> None:
        # No ``*_created`` series beside each counter: Prometheus keeps them as gauges of
        # their own, noise on every dashboard.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # (untyped in the library)
        self._sources = tuple(sources)
        self._lock = asyncio.Lock()
        self._latest = _Latest()
        self._own = CollectorRegistry()
        self._own.register(self._latest)
        self._registries = (REGISTRY, *registries, self._own)

    async def render(self) -> bytes:
        # One scrape at a time: a second one must not swap the figures under the first.
        async with self._lock:
            families: list[GaugeMetricFamily] = []
            for source in self._sources:
                families.extend(await source.refresh())
            self._latest.families = families
            return b"".join(generate_latest(registry) for registry in self._registries)
