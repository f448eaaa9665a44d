"""Liveness and readiness probes. The public API answers ``/health/live`` only; every
process's full set (``/health/live``, ``/health/ready``) is on its internal listener
(``app.adapters.http.internal``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

import msgspec
from litestar import Controller, get

from app.adapters.http.internal import Probe
from app.adapters.observability.metrics import WorkerTelemetry
from app.adapters.postgres.database import Database


class Liveness(msgspec.Struct, frozen=True):
    status: Literal["ok"] = "ok"


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]  # noqa: RUF012 (Litestar reads this class attribute)

    @get("/live", summary="The process is up", cache_control=None)
    async def live(self) -> Liveness:
        return Liveness()


class ReadinessReport(msgspec.Struct, frozen=True, omit_defaults=True):
    """The API's readiness. ``database``: ok | unreachable; ``migrations``: current |
    N pending | unknown."""

    status: Literal["ready", "not_ready"]
    database: str
    migrations: str
    calendar: str = "disabled"
    outbox_lag_seconds: float | None = None
    payments: str | None = None
    email: str | None = None
    reason: str | None = None


async def process_alive() -> Probe:
    """The event loop answers: the API's and the bot's liveness."""
    return Probe(ok=True, report=Liveness())


def api_readiness(
    database: Database,
    expected_migrations: tuple[str, ...],
    calendar_health: Callable[[], str],
    adapters: Mapping[str, str],
) -> Callable[[], Awaitable[Probe]]:
    """Ready when the database answers and has every migration applied."""

    async def ready() -> Probe:
        result = await database.readiness(expected_migrations)
        report = ReadinessReport(
            status="ready" if result.ready else "not_ready",
            database=result.database,
            migrations=result.migrations,
            # Informational: a calendar problem or a slow worker never takes the API out
            # of rotation (requests are still answered), but the operator sees it here.
            calendar=calendar_health(),
            outbox_lag_seconds=await database.outbox_lag() if result.ready else None,
            payments=adapters.get("payments"),
            email=adapters.get("email"),
            reason=result.reason,
        )
        return Probe(ok=result.ready, report=report)

    return ready


class WorkerReport(msgspec.Struct, frozen=True, omit_defaults=True):
    """``seconds_since_round``: since the loop last finished a round (with or without an
    error); ``seconds_since_good_round``: since one last finished without an error."""

    status: Literal["ok", "stuck", "ready", "not_ready"]
    seconds_since_round: float
    database: str | None = None
    seconds_since_good_round: float | None = None
    reason: str | None = None


def worker_liveness(
    telemetry: WorkerTelemetry, stuck_after_seconds: float
) -> Callable[[], Awaitable[Probe]]:
    """Alive while the loop keeps finishing rounds: a round that hangs (a call that never
    returns) makes the worker stuck, and the orchestrator restarts it."""

    async def live() -> Probe:
        since = round(telemetry.seconds_since_round(), 3)
        ok = since <= stuck_after_seconds
        return Probe(
            ok=ok,
            report=WorkerReport(
                status="ok" if ok else "stuck",
                seconds_since_round=since,
                reason=None if ok else f"no round finished for {since:.0f} s",
            ),
        )

    return live


def worker_readiness(
    database: Database, telemetry: WorkerTelemetry, fresh_within_seconds: float
) -> Callable[[], Awaitable[Probe]]:
    """Ready when the database answers and a round finished without an error lately."""

    async def ready() -> Probe:
        reachable = await database.reachable()
        good = telemetry.seconds_since_good_round()
        reason = None
        if not reachable:
            reason = "the database is unreachable"
        elif good is None:
            reason = "no round has finished without an error yet"
        elif good > fresh_within_seconds:
            reason = f"no round finished without an error for {good:.0f} s"
        return Probe(
            ok=reason is None,
            report=WorkerReport(
                status="ready" if reason is None else "not_ready",
                seconds_since_round=round(telemetry.seconds_since_round(), 3),
                database="ok" if reachable else "unreachable",
                seconds_since_good_round=None if good is None else round(good, 3),
                reason=reason,
            ),
        )

    return ready


class BotReport(msgspec.Struct, frozen=True, omit_defaults=True):
    status: Literal["ok", "stopped", "ready", "not_ready"]
    polling: bool
    database: str | None = None
    reason: str | None = None


def bot_liveness(polling: Callable[[], bool]) -> Callable[[], Awaitable[Probe]]:
    """Alive while long polling runs (it ends only on a stop signal or a crash)."""

    async def live() -> Probe:
        running = polling()
        return Probe(
            ok=running,
            report=BotReport(
                status="ok" if running else "stopped",
                polling=running,
                reason=None if running else "polling has stopped",
            ),
        )

    return live


def bot_readiness(
    database: Database, polling: Callable[[], bool]
) -> Callable[[], Awaitable[Probe]]:
    """Ready when polling runs and the database answers (every update reads it)."""

    async def ready() -> Probe:
        running = polling()
        reachable = await database.reachable()
        reason = (
            None if running and reachable
            else "polling has stopped" if not running
            else "the database is unreachable"
        )  # fmt: skip
        return Probe(
            ok=reason is None,
            report=BotReport(
                status="ready" if reason is None else "not_ready",
                polling=running,
                database="ok" if reachable else "unreachable",
                reason=reason,
            ),
        )

    return ready
