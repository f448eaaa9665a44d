"""Analytics: the site's events in (tracking plan, P0 props), the server's own funnel
steps, retention, and the owner's dashboards over a period of days in the practitioner's
time zone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
import structlog

from app.application.access import Principal, ensure_roles
from app.application.analytics.ports import (
    AnalyticsStore,
    Completion,
    DashboardReport,
    DashboardRow,
    EventProps,
    FunnelRollUp,
    NoShowRate,
)
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.analytics import validate_event
from app.domain.booking.appointment import AppointmentConfirmed, AppointmentHeld
from app.domain.errors import NotFound, ValidationFailed
from app.domain.identity.model import Role

logger = structlog.get_logger(__name__)

MAX_PERIOD = timedelta(days=366)
AnalyticsUoW = UnitOfWork[AnalyticsStore]


class AnalyticsService:
    def __init__(self, uow: Callable[[], AnalyticsUoW], clock: Clock, timezone: str) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = timezone

    async def intake(
        self, name: str, anonymous_id: str, deep_link_code: str | None, props: EventProps,
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
            await uow.repos.purge_booking_funnel(now - timedelta(days=days))
            return (
                await uow.repos.purge(now - timedelta(days=days)),
                await uow.repos.purge_webhook_events(now - timedelta(days=webhook_days)),
            )

        events, webhooks = await in_transaction(self._uow, work)
        if events or webhooks:
            logger.info("analytics_purged", events=events, webhook_events=webhooks)

    async def roll_up_funnel(self, now: datetime) -> None:
        """Job: the booking funnel's new events into their quarter hours, so the
        dashboard sums buckets instead of reading a month of events."""

        async def work(uow: AnalyticsUoW) -> FunnelRollUp:
            return await uow.repos.roll_up_booking_funnel()

        done = await in_transaction(self._uow, work)
        if done.events:
            logger.info("booking_funnel_rolled_up", events=done.events,
                        rolled_through=done.rolled_through.isoformat()
                        if done.rolled_through else None)  # fmt: skip

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
    ) -> DashboardReport:
        """``booking-funnel``, ``interactives``, ``moderation-sla`` or ``no-show-rate``."""
        ensure_roles(actor, Role.OWNER)
        start, end = self._period(date_from, date_to)
        period = DashboardReport(date_from=start, date_to=end, timezone=self._tz)

        async def work(uow: AnalyticsUoW) -> DashboardReport:
            repos = uow.repos
            items: tuple[DashboardRow, ...]
            if name == "booking-funnel":
                items = tuple(await repos.booking_funnel(start, end, self._tz))
            elif name == "interactives":
                items = tuple(map(Completion.of, await repos.interactive_runs(start, end)))
            elif name == "no-show-rate":
                items = tuple(map(NoShowRate.of, await repos.no_show_rate(start, end)))
            elif name == "moderation-sla":
                sla = await repos.moderation_sla(start, end)
                return msgspec.structs.replace(period, moderation=sla)
            else:
                raise NotFound()
            return msgspec.structs.replace(period, items=items)

        return await in_transaction(self._uow, work)
