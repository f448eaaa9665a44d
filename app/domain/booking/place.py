"""Where and when a session happens, as the client is told: the place rule (a meeting
link for an online session, an address for an in-person one) and the local time with
its zone named."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.errors import ValidationFailed

MAX_PLACE_LENGTH = 500
_MEETING_URL = re.compile(r"^https://[^\s/?#]+[^\s]{0,480}$")


@dataclass(frozen=True, slots=True)
class Place:
    """An appointment's place: ``meeting_url`` for online, ``location_text`` in person."""

    meeting_url: str | None = None
    location_text: str | None = None


def place_at_booking(format_: str, meeting_url: str | None, address: str | None) -> Place:
    """What a new appointment carries from its service: the service's standing link for
    an online session, its address for an in-person one."""
    if format_ == "online":
        return Place(meeting_url=meeting_url)
    return Place(location_text=address)


def checked_meeting_url(value: str | None) -> str | None:
    """An https link with a host, no spaces, at most 500 characters (None stays None)."""
    if value is None:
        return None
    url = value.strip()
    if len(url) > MAX_PLACE_LENGTH or _MEETING_URL.match(url) is None:
        raise ValidationFailed("must be an https:// link", field="meeting_url")
    return url


def checked_location(value: str | None, field: str = "location_text") -> str | None:
    """A non-empty text of at most 500 characters (None stays None)."""
    if value is None:
        return None
    text = value.strip()
    if not 1 <= len(text) <= MAX_PLACE_LENGTH:
        raise ValidationFailed("must be 1 to 500 characters", field=field)
    return text


def describe_place(format_: str, place: Place) -> str:
    """The sentence the client reads: where to go, or that it will follow."""
    if format_ == "online":
        if place.meeting_url:
            return f"Онлайн, ссылка на встречу: {place.meeting_url}"
        return "Онлайн. Ссылку на встречу пришлём отдельным сообщением."
    if place.location_text:
        return f"Очно, адрес: {place.location_text}"
    return "Очно. Адрес пришлём отдельным сообщением."


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def local_time_label(moment: datetime, timezone: str) -> str:
    """``05.06.2030 10:00 (Europe/Moscow, UTC+3)``: the client's own zone, named, so a
    client abroad never guesses whose ten o'clock it is."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%d.%m.%Y %H:%M} ({timezone}, {_offset(local.utcoffset())})"
