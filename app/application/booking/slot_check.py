"""Whether one start time can be booked right now, for one person: working hours in the
practice's zone, exceptions, other appointments, the practitioner's external calendar and
the slots standing waitlist offers keep for somebody else. Holds and staff bookings ask
before taking the calendar lock (a quick refusal) and again under it (the guarantee,
with the exclusion constraint)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.application.booking.offers import kept_for_others
from app.application.booking.practice_zone import practice_rules
from app.application.booking.transactions import BookingUoW
from app.domain.booking.availability import ScheduleException, SlotRules, WeeklyRule, is_bookable
from app.domain.shared.time_range import TimeRange


@dataclass(frozen=True, slots=True)
class SlotCheck:
    start: datetime
    rules: SlotRules
    session: TimeRange
    blocked: TimeRange
    window: TimeRange
    """The blocked period widened by one session each side: what can collide."""
    schedule: list[WeeklyRule]
    exceptions: list[ScheduleException]
    external: Sequence[TimeRange]
    user_id: uuid.UUID | None
    offer_token: str | None

    @classmethod
    async def load(
        cls, uow: BookingUoW, service_id: uuid.UUID, rules: SlotRules, start: datetime, *,
        external: Sequence[TimeRange] = (), user_id: uuid.UUID | None = None,
        offer_token: str | None = None,
    ) -> SlotCheck:  # fmt: skip
        blocked = rules.blocked(start)
        window = blocked.expanded(rules.duration, rules.duration)
        return cls(
            start=start, rules=rules, session=TimeRange(start, start + rules.duration),
            blocked=blocked, window=window, schedule=await practice_rules(uow, service_id),
            exceptions=await uow.repos.schedule.exceptions_in(window), external=external,
            user_id=user_id, offer_token=offer_token,
        )  # fmt: skip

    async def bookable(self, uow: BookingUoW, now: datetime) -> bool:
        offers = await uow.repos.waitlist.standing_offers(self.window, now)
        busy = [
            *await uow.repos.appointments.busy_in(self.window), *self.external,
            *kept_for_others(offers, self.user_id, self.offer_token),
        ]  # fmt: skip
        return is_bookable(self.start, rules=self.schedule, exceptions=self.exceptions,
                           busy=busy, slot=self.rules, now=now)  # fmt: skip
