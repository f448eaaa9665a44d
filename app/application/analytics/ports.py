"""What analytics needs from storage, and the rows of the owner's dashboards."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Protocol

import msgspec

EventProps = Mapping[str, str | int | float | bool | None]
"""The P0 props of an event (checked against the tracking plan before they are kept)."""


class FunnelRollUp(msgspec.Struct, frozen=True, kw_only=True):
    """What one roll-up of the booking funnel counted, and the mark it moved to (``None``:
    it stayed where it was)."""

    events: int
    rolled_through: datetime | None


class FunnelDay(msgspec.Struct, frozen=True, kw_only=True):
    """The booking funnel of one local day and entry point."""

    day: date
    entry_point: str
    started: int
    slot_selected: int
    held: int
    paid: int


class RunCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Runs of one self-check started in the period, and how many were completed."""

    slug: str
    started: int
    completed: int


class ModerationSla(msgspec.Struct, frozen=True, kw_only=True):
    """Questions received in the period: handled, time to the first action, breaches."""

    items_total: int
    items_handled: int
    median_seconds: float | None = None
    p90_seconds: float | None = None
    breaches: int = 0


class Attendance(msgspec.Struct, frozen=True, kw_only=True):
    """Appointments of one service in the period that were held or missed."""

    slug: str
    title: str
    completed: int
    no_show: int


class Completion(msgspec.Struct, frozen=True, kw_only=True):
    """A self-check's runs in the period; the rate is None when none was started."""

    slug: str
    started: int
    completed: int
    completion_rate: float | None

    @classmethod
    def of(cls, runs: RunCounts) -> Completion:
        rate = round(runs.completed / runs.started, 4) if runs.started else None
        return cls(slug=runs.slug, started=runs.started, completed=runs.completed,
                   completion_rate=rate)  # fmt: skip


class NoShowRate(msgspec.Struct, frozen=True, kw_only=True):
    """A service's missed appointments among those held or missed in the period."""

    slug: str
    title: str
    completed: int
    no_show: int
    no_show_rate: float

    @classmethod
    def of(cls, seen: Attendance) -> NoShowRate:
        rate = round(seen.no_show / (seen.completed + seen.no_show), 4)
        return cls(slug=seen.slug, title=seen.title, completed=seen.completed,
                   no_show=seen.no_show, no_show_rate=rate)  # fmt: skip


DashboardRow = FunnelDay | Completion | NoShowRate


class DashboardReport(msgspec.Struct, frozen=True, kw_only=True):
    """A dashboard over [date_from, date_to): rows, or the moderation summary."""

    date_from: datetime
    date_to: datetime
    timezone: str
    items: tuple[DashboardRow, ...] | None = None
    moderation: ModerationSla | None = None


class AnalyticsStore(Protocol):
    async def record(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None,
        deep_link_code: str | None, props: EventProps,
    ) -> None: ...  # fmt: skip

    async def record_appointment_step(
        self, name: str, appointment_id: uuid.UUID, occurred_at: datetime
    ) -> None:
        """A server-side funnel step of an appointment, recorded once however often the
        event is handled."""
        ...

    async def retention_days(self) -> int: ...

    async def purge(self, before: datetime) -> int: ...

    async def webhook_retention_days(self) -> int: ...

    async def purge_webhook_events(self, before: datetime) -> int: ...

    async def booking_funnel(
        self, date_from: datetime, date_to: datetime, tz: str
    ) -> list[FunnelDay]: ...

    async def roll_up_booking_funnel(self) -> FunnelRollUp:
        """Count the funnel events received since the last roll-up into their quarter
        hours (those whose transactions may still be open wait for the next one)."""
        ...

    async def purge_booking_funnel(self, before: datetime) -> int: ...

    async def interactive_runs(self, date_from: datetime, date_to: datetime) -> list[RunCounts]: ...

    async def moderation_sla(self, date_from: datetime, date_to: datetime) -> ModerationSla: ...

    async def no_show_rate(self, date_from: datetime, date_to: datetime) -> list[Attendance]: ...
