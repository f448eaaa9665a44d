"""Liveness and readiness probes for orchestrators and load balancers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from app.adapters.postgres.database import Database


class Liveness(msgspec.Struct, frozen=True):
    status: Literal["ok"] = "ok"


class ReadinessReport(msgspec.Struct, frozen=True, omit_defaults=True):
    """``database``: ok | unreachable; ``migrations``: current | N pending | unknown."""

    status: Literal["ready", "not_ready"]
    database: str
    migrations: str
    calendar: str = "disabled"
    outbox_lag_seconds: float | None = None
    payments: str | None = None
    email: str | None = None
    reason: str | None = None


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]  # noqa: RUF012 (Litestar reads this class attribute)

    @get("/live", summary="The process is up", cache_control=None)
    async def live(self) -> Liveness:
        return Liveness()

    @get(
        "/ready",
        summary="The database is reachable and has every migration applied",
        responses={503: ResponseSpec(data_container=ReadinessReport, description="Not ready")},
    )
    async def ready(
        self,
        database: NamedDependency[Database],
        expected_migrations: NamedDependency[tuple[str, ...]],
        calendar_health: NamedDependency[Callable[[], str]],
        adapters: NamedDependency[dict[str, str]],
    ) -> Response[ReadinessReport]:
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
        return Response(report, status_code=200 if result.ready else 503)
