"""Free slots, computed (never stored): working hours in the practitioner's local time,
turned into UTC intervals per date (so daylight-saving changes are right), plus
extra-hours exceptions, minus closed exceptions, minus busy time (live appointments
with their buffers and external calendar events), minus the minimum notice, within the
booking horizon, stepped by the slot interval."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.shared.time_range import TimeRange


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Working hours on an ISO weekday (1 = Monday) in a local time zone."""

    weekday: int
    start: time
    end: time
    timezone: str
    valid_from: date | None = None
    valid_to: date | None = None
    service_id: uuid.UUID | None = None

    def applies_on(self, day: date) -> bool:
        return (
            day.isoweekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True, slots=True)
class ScheduleException:
    period: TimeRange
    kind: str  # "closed" or "open"


@dataclass(frozen=True, slots=True)
class SlotRules:
    """What a service needs from the calendar."""

    duration: timedelta
    buffer_before: timedelta
    buffer_after: timedelta
    min_notice: timedelta
    horizon: timedelta
    step: timedelta = timedelta(minutes=30)

    def blocked(self, start: datetime) -> TimeRange:
        """The time an appointment starting at ``start`` takes, buffers included."""
        return TimeRange(start, start + self.duration).expanded(
            self.buffer_before, self.buffer_after
        )


def _local_interval(rule: WeeklyRule, day: date) -> TimeRange | None:
    zone = ZoneInfo(rule.timezone)
    start = datetime.combine(day, rule.start, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, rule.end, tzinfo=zone).astimezone(UTC)
    return TimeRange(start, end) if end > start else None


def _merge(intervals: list[TimeRange]) -> list[TimeRange]:
    merged: list[TimeRange] = []
    for interval in sorted(intervals, key=lambda r: r.start):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = TimeRange(last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    return merged


def _subtract(intervals: list[TimeRange], holes: list[TimeRange]) -> list[TimeRange]:
    result = intervals
    for hole in holes:
        next_result: list[TimeRange] = []
        for interval in result:
            if not interval.overlaps(hole):
                next_result.append(interval)
                continue
            if interval.start < hole.start:
                next_result.append(TimeRange(interval.start, hole.start))
            if hole.end < interval.end:
                next_result.append(TimeRange(hole.end, interval.end))
        result = next_result
    return result


def working_intervals(
    rules: list[WeeklyRule], exceptions: list[ScheduleException], window: TimeRange
) -> list[TimeRange]:
    """Working time overlapping ``window`` as UTC intervals (exceptions applied)."""
    first = (window.start - timedelta(days=1)).date()
    last = (window.end + timedelta(days=1)).date()
    intervals: list[TimeRange] = []
    day = first
    while day <= last:
        for rule in rules:
            if rule.applies_on(day):
                interval = _local_interval(rule, day)
                if interval is not None:
                    intervals.append(interval)
        day += timedelta(days=1)
    intervals += [e.period for e in exceptions if e.kind == "open"]
    merged = _merge(intervals)
    return _subtract(merged, [e.period for e in exceptions if e.kind == "closed"])


def free_slots(
    *,
    rules: list[WeeklyRule],
    exceptions: list[ScheduleException],
    busy: list[TimeRange],
    slot: SlotRules,
    window: TimeRange,
    now: datetime,
) -> list[datetime]:
    """Start times (UTC) of every bookable slot in ``window``.

    A slot's session lies inside working time; its blocked period (session plus
    buffers) overlaps no busy interval — the same rule the database's exclusion
    constraint enforces; it starts after ``now + min_notice`` and before
    ``now + horizon``. Starts are aligned to ``step`` from the working interval's start.
    """
    earliest = max(window.start, now + slot.min_notice)
    latest = min(window.end, now + slot.horizon)
    if earliest >= latest:
        return []
    # The hot loop of every slot lookup: plain datetimes instead of a TimeRange per
    # candidate, and only the busy periods that can touch the window.
    before, after, duration, step = slot.buffer_before, slot.buffer_after, slot.duration, slot.step
    reach_start, reach_end = earliest - before - duration, latest + after + duration
    taken = [(b.start, b.end) for b in busy if b.start < reach_end and reach_start < b.end]
    starts: list[datetime] = []
    for interval in working_intervals(rules, exceptions, window):
        start = interval.start
        if start < earliest:
            # Jump to the first aligned start inside the window: an "open" exception may
            # span years, and stepping through it from its beginning would take seconds.
            skipped = (earliest - start) // step
            start += step * skipped
            if start < earliest:
                start += step
        last_start = interval.end - duration
        while start <= last_start and start < latest:
            if earliest <= start:
                blocked_start, blocked_end = start - before, start + duration + after
                if not any(blocked_start < end and begin < blocked_end for begin, end in taken):
                    starts.append(start)
            start += step
    return sorted(set(starts))


def is_bookable(
    start: datetime,
    *,
    rules: list[WeeklyRule],
    exceptions: list[ScheduleException],
    busy: list[TimeRange],
    slot: SlotRules,
    now: datetime,
) -> bool:
    """The friendly pre-check before a hold (the database has the last word)."""
    window = TimeRange(start, start + slot.duration)
    return start in free_slots(
        rules=rules, exceptions=exceptions, busy=busy, slot=slot, window=window, now=now
    )
