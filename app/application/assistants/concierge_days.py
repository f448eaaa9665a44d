"""Days and parts of the day as a client names them ("в четверг вечером"), resolved in the
practice's time zone. Pure functions: the concierge's tools and the guided flow share them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from app.application.booking.waitlist import part_of_day

PartOfDay = Literal["morning", "afternoon", "evening", "any"]

_WEEKDAYS: dict[str, int] = {
    "monday": 0, "понедельник": 0, "пн": 0,
    "tuesday": 1, "вторник": 1, "вт": 1,
    "wednesday": 2, "среда": 2, "среду": 2, "ср": 2,
    "thursday": 3, "четверг": 3, "чт": 3,
    "friday": 4, "пятница": 4, "пятницу": 4, "пт": 4,
    "saturday": 5, "суббота": 5, "субботу": 5, "сб": 5,
    "sunday": 6, "воскресенье": 6, "вс": 6,
}  # fmt: skip
_RELATIVE: dict[str, int] = {
    "today": 0, "сегодня": 0,
    "tomorrow": 1, "завтра": 1,
    "day after tomorrow": 2, "послезавтра": 2,
}  # fmt: skip


def resolve_day(value: str, today: date) -> date:
    """An ISO date, or a relative one ("сегодня", "завтра", a weekday: its next
    occurrence, today included); ValueError for anything else."""
    word = " ".join(value.strip().lower().replace("ё", "е").split())
    word = word.removeprefix("в ").removeprefix("во ").removeprefix("next ")
    if word in _RELATIVE:
        return today + timedelta(days=_RELATIVE[word])
    if word in _WEEKDAYS:
        return today + timedelta(days=(_WEEKDAYS[word] - today.weekday()) % 7)
    return date.fromisoformat(word)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day ``day`` as an aware [start, end) pair."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def in_part_of_day(moment: datetime, zone: ZoneInfo, part: PartOfDay) -> bool:
    """Morning before 12:00, afternoon before 17:00, evening after (the waitlist's split)."""
    return part == "any" or part_of_day(moment.astimezone(zone).hour) == part
