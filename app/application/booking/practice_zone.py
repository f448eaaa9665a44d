"""The practice's own time zone (the ``practitioner.timezone`` run-time setting): weekly
working hours are wall-clock times in it, and staff and bot messages show times in it."""

from __future__ import annotations

import dataclasses
import uuid
from zoneinfo import ZoneInfo

from app.application.booking.transactions import BookingUoW
from app.domain.booking.availability import WeeklyRule

PRACTICE_TIMEZONE_KEY = "practitioner.timezone"
DEFAULT_PRACTICE_TIMEZONE = "Europe/Moscow"


def valid_zone(value: object, default: str = DEFAULT_PRACTICE_TIMEZONE) -> str:
    """``value`` when it names an IANA zone, else ``default``."""
    if isinstance(value, str):
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):
            return default
        return value
    return default


async def practice_timezone(uow: BookingUoW, default: str = DEFAULT_PRACTICE_TIMEZONE) -> str:
    """The zone staff set (``default`` when unset or not a zone)."""
    return valid_zone(await uow.repos.settings.get(PRACTICE_TIMEZONE_KEY), default)


def in_zone(rules: list[WeeklyRule], zone: str) -> list[WeeklyRule]:
    """The weekly rules read as wall-clock times in ``zone`` (the practice's zone governs,
    whatever zone a rule was entered with)."""
    return [r if r.timezone == zone else dataclasses.replace(r, timezone=zone) for r in rules]


async def practice_rules(uow: BookingUoW, service_id: uuid.UUID) -> list[WeeklyRule]:
    """The working hours that apply to a service, in the practice's current zone."""
    rules = await uow.repos.schedule.rules_for(service_id)
    return in_zone(rules, await practice_timezone(uow))
