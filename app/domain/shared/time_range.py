"""A half-open time range [start, end) of aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class TimeRange:
    """[start, end): touching ranges do not overlap, as in PostgreSQL's tstzrange."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationFailed("times must carry a time zone")
        if self.end <= self.start:
            raise ValidationFailed("a time range must end after it starts")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: TimeRange) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: TimeRange) -> bool:
        return self.start <= other.start and other.end <= self.end

    def expanded(self, before: timedelta, after: timedelta) -> TimeRange:
        """This range widened by buffers on either side."""
        return TimeRange(self.start - before, self.end + after)
