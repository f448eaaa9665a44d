"""Analytics: the site's events in (tracking plan, P0 props), the server's own funnel
steps, retention, and the owner's dashboards over a period of days in the practitioner's
time zone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import structlog

from app.application.access import Principal, ensure_roles
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.analytics import validate_event
from app.domain.booking.appointment import AppointmentConfirmed, AppointmentHeld
from app.domain.errors import ValidationFailed
from app.domain.identity.model import Role

logger = structlog.get_logger(__name__)

Row = dict[str, Any]
MAX_PERIOD = timedelta(days=366)


class AnalyticsStore(Protocol):
    async def record(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None,
        deep_link_code: str | None, props: Row,
    ) -> None: ...  # fmt: skip

    async def record_appointment_step(
        self, name: str, appointment_id: uuid.UUID, occurred_at: datetime
    ) -> None: ...

    async def retention_days(self) -> int: ...

    async def purge(self, before: datetime) -> int: ...

    async def webhook_retention_days(self) -> int: ...

    async def purge_webhook_events(self, before: datetime) -> int: ...

    async def booking_funnel(
        self, date_from: datetime, date_to: datetime, tz: str
    ) -> list[Row]: ...

    async def interactive_runs(self, date_from: datetime, date_to: datetime) -> list[Row]: ...

    async def moderation_sla(self, date_from: datetime, date_to: datetime) -> Row: ...

    async def no_show_rate(self, date_from: datetime, date_to: datetime) -> list[Row]: ...


AnalyticsUoW = UnitOfWork[AnalyticsStore]


class AnalyticsService:
    def __init__(self, uow: Callable[[], AnalyticsUoW], clock: Clock, timezone: str) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = timezone

    async def intake(
        self, name: str, anonymous_id: str, deep_link_code: str | None, props: Row,
        user_id: uuid.UUID | None = None,
    ) -> None:  # fmt: skip
        """``POST /events``: an event of the tracking plan with P0 props (else 422)."""
        checked = validate_event(name, props)

        async def work(uow: AnalyticsUoW) -> None:
            await uow.repos.record(name, user_id, anonymous_id, deep_link_code, checked)

        await in_transaction(self._uow, work)

    async def on_held(self, event: AppointmentHeld) -> None:
        await self._step("booking.held", event.aggregate_id, event.occurred_at)

    async def on_confirmed(self, event: AppointmentConfirmed) -> None:
        await self._step("booking.paid", event.aggregate_id, event.occurred_at)

    async def _step(self, name: str, appointment_id: str, occurred_at: datetime) -> None:
        async def work(uow: AnalyticsUoW) -> None:
            await uow.repos.record_appointment_step(name, uuid.UUID(appointment_id), occurred_at)

        await in_transaction(self._uow, work)

    async def purge(self, now: datetime) -> None:
        """Job: analytics events older than ``retention.analytics_days`` and handled
        provider notifications older than ``retention.webhook_events_days`` go."""

        async def work(uow: AnalyticsUoW) -> tuple[int, int]:
            days = await uow.repos.retention_days()
            webhook_days = await uow.repos.webhook_retention_days()
            return (
                await uow.repos.purge(now - timedelta(days=days)),
                await uow.repos.purge_webhook_events(now - timedelta(days=webhook_days)),
            )

        events, webhooks = await in_transaction(self._uow, work)
        if events or webhooks:
            logger.info("analytics_purged", events=events, webhook_events=webhooks)

    def _period(self, date_from: date | None, date_to: date | None) -> tuple[datetime, datetime]:
        """Local days [from, to] (the last 30 by default) as UTC instants [start, end)."""
        zone = ZoneInfo(self._tz)
        date_to = date_to or self._clock.now().astimezone(zone).date()
        date_from = date_from or date_to - timedelta(days=29)
        if date_from > date_to or date_to - date_from > MAX_PERIOD:
            raise ValidationFailed("from must not be after to, at most 366 days", field="from")
        start = datetime.combine(date_from, time(), zone)
        end = datetime.combine(date_to + timedelta(days=1), time(), zone)
        return start, end

    async def dashboard(
        self, actor: Principal, name: str, date_from: date | None, date_to: date | None
    ) -> Row:
        ensure_roles(actor, Role.OWNER)
        start, end = self._period(date_from, date_to)

        async def work(uow: AnalyticsUoW) -> Row:
            repos = uow.repos
            if name == "booking-funnel":
                return {"items": await repos.booking_funnel(start, end, self._tz)}
            if name == "interactives":
                rows = await repos.interactive_runs(start, end)
                return {"items": [
                    {**r, "completion_rate": round(r["completed"] / r["started"], 4)
                     if r["started"] else None} for r in rows]}  # fmt: skip
            if name == "moderation-sla":
                return await repos.moderation_sla(start, end)
            rows = await repos.no_show_rate(start, end)
            return {"items": [
                {**r, "no_show_rate": round(r["no_show"] / (r["completed"] + r["no_show"]), 4)}
                for r in rows]}  # fmt: skip

        result = await in_transaction(self._uow, work)
        return {"from": start, "to": end, "timezone": self._tz, **result}
