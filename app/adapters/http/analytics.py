"""HTTP endpoints of analytics: the site's event intake and the owner's dashboards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from app.adapters.http.identity import NO_STORE
from app.application.access import Principal
from app.application.analytics.ports import DashboardReport
from app.application.analytics.service import AnalyticsService

AnonymousId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
DeepLinkCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Dashboard = Literal["booking-funnel", "interactives", "moderation-sla", "no-show-rate"]


EventName = Literal[
    "page.viewed",
    "content.viewed",
    "interactive.started",
    "interactive.completed",
    "booking.started",
    "booking.slot_selected",
    "booking.held",
    "booking.paid",
    "telegram.started",
    "question.submitted",
]  # the tracking plan (app/domain/analytics.py checks it again)


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    name: EventName
    anonymous_id: AnonymousId
    deep_link_code: DeepLinkCode | None = None
    # float, not int | float: JSON has one number type (and the schema a single match)
    props: dict[Annotated[str, msgspec.Meta(max_length=64)], str | float | bool | None] = {}


class AcceptedOut(msgspec.Struct):
    status: str = "accepted"


class DashboardOut(msgspec.Struct, omit_defaults=True):
    from_: datetime = msgspec.field(name="from")
    to: datetime
    timezone: str
    items: list[dict[str, Any]] | None = None
    items_total: int | None = None
    items_handled: int | None = None
    median_seconds: float | None = None
    p90_seconds: float | None = None
    breaches: int | None = None

    @classmethod
    def of(cls, dashboard: DashboardReport) -> DashboardOut:
        items = dashboard.items
        sla = dashboard.moderation
        return cls(
            from_=dashboard.date_from, to=dashboard.date_to, timezone=dashboard.timezone,
            items=None if items is None else [msgspec.to_builtins(row) for row in items],
            items_total=sla.items_total if sla else None,
            items_handled=sla.items_handled if sla else None,
            median_seconds=sla.median_seconds if sla else None,
            p90_seconds=sla.p90_seconds if sla else None,
            breaches=sla.breaches if sla else None,
        )  # fmt: skip


class AnalyticsController(Controller):
    path = "/api/v1"
    cache_control = NO_STORE

    @post("/events", status_code=HTTP_202_ACCEPTED, tags=["engagement"],
          summary="Analytics intake: tracking-plan events with P0 props")  # fmt: skip
    async def intake(
        self, data: JSONBody[EventIn], optional_principal: NamedDependency[Principal | None],
        analytics: NamedDependency[AnalyticsService],
    ) -> AcceptedOut:  # fmt: skip
        await analytics.intake(
            data.name, data.anonymous_id, data.deep_link_code, dict(data.props),
            optional_principal.user_id if optional_principal else None,
        )  # fmt: skip
        return AcceptedOut()

    @get("/admin/dashboards/{name:str}", tags=["admin: dashboards"],
         summary="An owner dashboard over local days (from, to)")  # fmt: skip
    async def dashboard(
        self, name: FromPath[Dashboard], principal: NamedDependency[Principal],
        analytics: NamedDependency[AnalyticsService],
        date_from: Annotated[date | None, QueryParameter(name="from")] = None,
        date_to: Annotated[date | None, QueryParameter(name="to")] = None,
    ) -> DashboardOut:  # fmt: skip
        return DashboardOut.of(await analytics.dashboard(principal, name, date_from, date_to))
