"""Today and the week: the appointments with who, what, where, payment and intake, the
actions on each, and the moderation items that cannot wait (crisis, SLA breached) on top.
Reads through the same use cases as ``GET /api/v1/admin/appointments`` and
``GET /api/v1/admin/moderation/queue``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from app.adapters.console.session import View
from app.application.access import Principal
from app.application.booking.staff_day import MAX_PAGE, DayAppointment, StaffDay
from app.application.moderation.service import ModerationService
from app.domain.errors import Forbidden
from app.domain.moderation.items import QueueEntry
from app.domain.shared.time_range import TimeRange

# The moderation items read for the top of the page (urgent ones come first).
ATTENTION_LIMIT = 20


@dataclass(frozen=True, slots=True)
class DayColumn:
    day: date
    appointments: list[DayAppointment]


def local_day_range(day: date, zone: str, days: int = 1) -> TimeRange:
    """From local midnight of ``day`` for ``days`` days, as instants."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=days), time(0), tzinfo=tz)
    return TimeRange(start, end)


async def appointments_in(
    staff_day: StaffDay, principal: Principal, window: TimeRange
) -> list[DayAppointment] | None:
    """Every appointment starting in ``window`` (page after page); None for a role that
    may not see them (an editor)."""
    found: list[DayAppointment] = []
    after = None
    while True:
        try:
            page = await staff_day.day(principal, window, None, after, MAX_PAGE)
        except Forbidden:
            return None
        found += page.items
        if not page.has_more or not page.items:
            return found
        after = page.items[-1].id


async def attention(moderation: ModerationService, principal: Principal) -> list[QueueEntry]:
    """Pending moderation items that are urgent (crisis) or past their SLA."""
    try:
        queue = await moderation.queue(principal, "pending", ATTENTION_LIMIT)
    except Forbidden:
        return []
    return [entry for entry in queue if entry.urgent or entry.breached]


class TodayPage(Controller):
    path = "/"

    @get("/", name="console_today")
    async def today(
        self,
        view: NamedDependency[View],
        principal: NamedDependency[Principal],
        staff_day: NamedDependency[StaffDay],
        moderation: NamedDependency[ModerationService],
        now: NamedDependency[datetime],
    ) -> Template:
        day = now.astimezone(ZoneInfo(view.practice_zone)).date()
        window = local_day_range(day, view.practice_zone)
        return view.render(
            "today.html",
            day=day,
            now=now,
            appointments=await appointments_in(staff_day, principal, window),
            attention=await attention(moderation, principal),
            back="/console/",
            week_start=day - timedelta(days=day.weekday()),
        )

    @get("/week", name="console_week")
    async def week(
        self,
        view: NamedDependency[View],
        principal: NamedDependency[Principal],
        staff_day: NamedDependency[StaffDay],
        moderation: NamedDependency[ModerationService],
        now: NamedDependency[datetime],
        start: Annotated[date | None, QueryParameter(name="start")] = None,
    ) -> Template:
        today = now.astimezone(ZoneInfo(view.practice_zone)).date()
        first = start or today - timedelta(days=today.weekday())
        window = local_day_range(first, view.practice_zone, days=7)
        found = await appointments_in(staff_day, principal, window) or []
        zone = ZoneInfo(view.practice_zone)
        columns = [
            DayColumn(
                first + timedelta(days=n),
                [a for a in found if a.start_at.astimezone(zone).date() == first + timedelta(n)],
            )
            for n in range(7)
        ]
        return view.render(
            "week.html",
            first=first,
            today=today,
            now=now,
            columns=columns,
            total=len(found),
            attention=await attention(moderation, principal),
            back=f"/console/week?start={first.isoformat()}",
            previous=first - timedelta(days=7),
            following=first + timedelta(days=7),
        )
