"""Availability: working hours across DST changes, buffers, notice, horizon, exceptions;
and the refund policy table."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.booking.availability import (
    ScheduleException,
    SlotRules,
    WeeklyRule,
    free_slots,
    is_bookable,
    working_intervals,
)
from app.domain.booking.refunds import CancellationPolicy, refund_for_cancellation
from app.domain.shared.money import Money
from app.domain.shared.time_range import TimeRange

HOUR = timedelta(hours=1)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def every_day(start: int, end: int, zone: str) -> list[WeeklyRule]:
    return [WeeklyRule(d, time(start), time(end), zone) for d in range(1, 8)]


def rules_for(duration: int = 60, before: int = 0, after: int = 0, step: int = 60,
              notice: int = 0, horizon_days: int = 10_000) -> SlotRules:  # fmt: skip
    return SlotRules(
        duration=timedelta(minutes=duration), buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after), min_notice=timedelta(minutes=notice),
        horizon=timedelta(days=horizon_days), step=timedelta(minutes=step),
    )  # fmt: skip


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def slots(rules: list[WeeklyRule], window: TimeRange, **kw: object) -> list[datetime]:
    return free_slots(
        rules=rules, exceptions=kw.get("exceptions", []),  # type: ignore[arg-type]
        busy=kw.get("busy", []), slot=kw.get("slot", rules_for()),  # type: ignore[arg-type]
        window=window, now=kw.get("now", LONG_AGO),  # type: ignore[arg-type]
    )  # fmt: skip


def test_berlin_working_hours_follow_the_spring_dst_change() -> None:
    rules = every_day(10, 12, "Europe/Berlin")
    found = slots(rules, TimeRange(utc(2030, 3, 30), utc(2030, 4, 2)))
    assert found == [
        utc(2030, 3, 30, 9), utc(2030, 3, 30, 10),  # CET, UTC+1
        utc(2030, 3, 31, 8), utc(2030, 3, 31, 9),  # CEST from 31 March
        utc(2030, 4, 1, 8), utc(2030, 4, 1, 9),
    ]  # fmt: skip


def test_berlin_night_shifts_last_the_real_number_of_hours_across_changes() -> None:
    rules = every_day(1, 4, "Europe/Berlin")
    spring = slots(rules, TimeRange(utc(2030, 3, 30, 12), utc(2030, 3, 31, 12)))
    assert spring == [utc(2030, 3, 31, 0), utc(2030, 3, 31, 1)]  # 01:00-04:00 is 2 real hours
    autumn = slots(rules, TimeRange(utc(2030, 10, 26, 12), utc(2030, 10, 27, 12)))
    assert autumn == [utc(2030, 10, 26, 23) + n * HOUR for n in range(4)]  # 4 real hours


def test_moscow_has_no_dst() -> None:
    rules = every_day(10, 11, "Europe/Moscow")
    found = slots(rules, TimeRange(utc(2030, 3, 29), utc(2030, 11, 1)))
    assert {s.time() for s in found} == {time(7)}


def test_buffers_keep_slots_away_from_busy_time() -> None:
    rules = every_day(10, 14, "UTC")
    window = TimeRange(utc(2030, 5, 6), utc(2030, 5, 7))
    busy = [TimeRange(utc(2030, 5, 6, 11), utc(2030, 5, 6, 12))]
    assert slots(rules, window, busy=busy) == [
        utc(2030, 5, 6, 10),
        utc(2030, 5, 6, 12),
        utc(2030, 5, 6, 13),
    ]
    padded = rules_for(before=15, after=15)
    assert slots(rules, window, busy=busy, slot=padded) == [utc(2030, 5, 6, 13)]


def test_minimum_notice_and_horizon() -> None:
    rules = every_day(10, 14, "UTC")
    window = TimeRange(utc(2030, 5, 6), utc(2030, 5, 10))
    now = utc(2030, 5, 6, 10, 30)
    found = slots(rules, window, now=now, slot=rules_for(notice=120, horizon_days=1))
    assert found[0] == utc(2030, 5, 6, 13)
    assert found[-1] == utc(2030, 5, 7, 10)  # 1 day ahead at most


def test_exceptions_close_days_and_open_extra_hours() -> None:
    rules = every_day(10, 12, "UTC")
    window = TimeRange(utc(2030, 5, 6), utc(2030, 5, 8))
    closed = ScheduleException(TimeRange(utc(2030, 5, 6), utc(2030, 5, 7)), "closed")
    extra = ScheduleException(TimeRange(utc(2030, 5, 7, 18), utc(2030, 5, 7, 19)), "open")
    assert slots(rules, window, exceptions=[closed, extra]) == [
        utc(2030, 5, 7, 10), utc(2030, 5, 7, 11), utc(2030, 5, 7, 18),
    ]  # fmt: skip


def test_session_must_fit_in_working_time_and_steps_align() -> None:
    rules = every_day(10, 12, "UTC")
    window = TimeRange(utc(2030, 5, 6), utc(2030, 5, 7))
    assert slots(rules, window, slot=rules_for(duration=50, step=30)) == [
        utc(2030, 5, 6, 10), utc(2030, 5, 6, 10, 30), utc(2030, 5, 6, 11),
    ]  # fmt: skip


def _reference(rules: list[WeeklyRule], window: TimeRange, busy: list[TimeRange],
               slot: SlotRules, now: datetime) -> list[datetime]:  # fmt: skip
    """The rule written out plainly: every step of working time whose blocked period
    (buffers included) overlaps no busy period, between notice and horizon."""
    earliest, latest = max(window.start, now + slot.min_notice), min(window.end, now + slot.horizon)
    found = []
    for interval in working_intervals(rules, [], window):
        start = interval.start
        while start + slot.duration <= interval.end:
            blocked = slot.blocked(start)
            if earliest <= start < latest and not any(blocked.overlaps(b) for b in busy):
                found.append(start)
            start += slot.step
    return sorted(set(found))


@settings(max_examples=200, deadline=None)
@given(
    busy=st.lists(st.tuples(st.integers(0, 7 * 24 * 4), st.integers(1, 16)), max_size=12),
    before=st.sampled_from([0, 10, 15]), after=st.sampled_from([0, 10, 30]),
    duration=st.sampled_from([50, 60, 90]), step=st.sampled_from([15, 30, 60]),
    notice_hours=st.integers(0, 48),
)  # fmt: skip
def test_the_fast_slot_search_finds_what_the_plain_rule_finds(
    busy: list[tuple[int, int]], before: int, after: int, duration: int, step: int,
    notice_hours: int,
) -> None:  # fmt: skip
    rules = every_day(9, 19, "Europe/Moscow")
    window = TimeRange(utc(2030, 3, 4), utc(2030, 3, 11))
    periods = [TimeRange(utc(2030, 3, 4) + timedelta(minutes=15 * q),
                         utc(2030, 3, 4) + timedelta(minutes=15 * (q + n)))
               for q, n in busy]  # fmt: skip
    slot = rules_for(duration=duration, before=before, after=after, step=step,
                     notice=notice_hours * 60, horizon_days=5)  # fmt: skip
    now = utc(2030, 3, 4, 6)
    assert slots(rules, window, busy=periods, slot=slot, now=now) == _reference(
        rules, window, periods, slot, now
    )


def test_a_long_open_exception_is_not_walked_from_its_beginning() -> None:
    # Found by fuzzing: an "open" exception from 2000 to 2100 made every slot lookup step
    # through a century of half-hours, blocking the server for seconds.
    century = ScheduleException(TimeRange(utc(2000, 1, 1, 0, 10), utc(2100, 1, 1)), "open")
    found = slots([], TimeRange(utc(2030, 6, 3), utc(2030, 6, 3, 3)),
                  exceptions=[century], slot=rules_for(step=60))  # fmt: skip
    # aligned to the exception's start (hh:10), inside the window
    assert found == [utc(2030, 6, 3, 0, 10), utc(2030, 6, 3, 1, 10), utc(2030, 6, 3, 2, 10)]


def test_is_bookable_agrees_with_the_slot_list() -> None:
    rules = every_day(10, 12, "UTC")
    busy = [TimeRange(utc(2030, 5, 6, 10), utc(2030, 5, 6, 11))]
    kw = {"rules": rules, "exceptions": [], "busy": busy, "slot": rules_for(), "now": LONG_AGO}
    assert not is_bookable(utc(2030, 5, 6, 10), **kw)  # type: ignore[arg-type]
    assert is_bookable(utc(2030, 5, 6, 11), **kw)  # type: ignore[arg-type]
    assert not is_bookable(utc(2030, 5, 6, 11, 15), **kw)  # type: ignore[arg-type]


POLICY = CancellationPolicy(free_hours=24, partial_hours=6, partial_percent=50)
START = utc(2030, 5, 10, 12)


@pytest.mark.parametrize(
    ("hours_before", "refund"),
    [
        (48, "3500.00"),
        (24, "3500.00"),
        (23.99, "1750.00"),
        (6, "1750.00"),
        (5.99, "0.00"),
        (-1, "0.00"),
    ],
)
def test_refund_policy_table(hours_before: float, refund: str) -> None:
    now = START - timedelta(hours=hours_before)
    assert (
        str(refund_for_cancellation(Money.of("3500"), start_at=START, now=now, policy=POLICY))
        == refund
    )
