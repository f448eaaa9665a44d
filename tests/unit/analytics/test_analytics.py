"""Analytics over in-memory storage: the site's events are kept only when they are in the
tracking plan with P0 props; funnel steps once per appointment; retention; the owner's
dashboards over local days."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.application.access import Principal
from app.application.analytics.ports import (
    Attendance,
    Completion,
    FunnelDay,
    ModerationSla,
    NoShowRate,
    RunCounts,
)
from app.application.analytics.service import AnalyticsService
from app.domain.booking.appointment import AppointmentConfirmed, AppointmentHeld
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.domain.identity.model import Role
from tests.unit.analytics.fakes import analytics_world
from tests.unit.memory import ManualClock

MOSCOW = ZoneInfo("Europe/Moscow")
OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
VISITOR = "a1b2c3d4e5"


class World:
    def __init__(self) -> None:
        # 23:30 UTC on 9 June is already 10 June in Moscow.
        self.clock = ManualClock(datetime(2030, 6, 9, 23, 30, tzinfo=UTC))
        self.state, self.uow = analytics_world(self.clock)
        self.analytics = AnalyticsService(self.uow, self.clock, "Europe/Moscow")


@pytest.fixture
def world() -> World:
    return World()


async def test_an_event_of_the_tracking_plan_is_kept_with_who_sent_it(world: World) -> None:
    user = uuid.uuid4()
    await world.analytics.intake(
        "content.viewed", VISITOR, "tg_deep_link1", {"slug": "anxiety", "scroll": 0.5}, user
    )
    [event] = world.state.events
    assert (event.name, event.user_id, event.anonymous_id, event.deep_link_code) == (
        "content.viewed", user, VISITOR, "tg_deep_link1",
    )  # fmt: skip
    assert event.props == {"slug": "anxiety", "scroll": 0.5}


@pytest.mark.parametrize(
    ("name", "props"),
    [
        ("booking.refunded", {}),  # not in the tracking plan
        ("page.viewed", {"email": "x"}),  # a personal key
        ("page.viewed", {"ref": "anna@example.com"}),  # a contact in a value
        ("page.viewed", {"ref": "+7 916 123-45-67"}),
        ("interactive.completed", {"result_level": "high"}),  # a health fact beside an id
        ("interactive.completed", {"Crisis": True}),
        ("page.viewed", {"utm": {"source": "x"}}),  # not a plain value
        ("page.viewed", {"path": "/" + "x" * 100}),
        ("page.viewed", {f"k{n}": n for n in range(21)}),
    ],
)
async def test_an_event_outside_the_plan_or_with_more_than_p0_is_refused(
    world: World, name: str, props: dict[str, Any]
) -> None:
    with pytest.raises(ValidationFailed):
        await world.analytics.intake(name, VISITOR, None, props)
    assert world.state.events == []
    assert world.uow.transactions == 0


async def test_the_servers_funnel_steps_are_recorded_once_per_appointment(world: World) -> None:
    appointment = uuid.uuid4()
    held_at = datetime(2030, 6, 9, 10, tzinfo=UTC)
    common = {"event_id": uuid.uuid4(), "aggregate_id": str(appointment)}
    held = AppointmentHeld(occurred_at=held_at, service_id=str(uuid.uuid4()),
                           start_at=held_at + timedelta(days=2), **common)  # fmt: skip
    paid = AppointmentConfirmed(occurred_at=held_at + timedelta(minutes=5), **common)
    for _ in range(2):  # the relay may deliver an event again
        await world.analytics.on_held(held)
        await world.analytics.on_confirmed(paid)
    assert [(e.name, e.occurred_at, e.props) for e in world.state.events] == [
        ("booking.held", held_at, {"appointment": str(appointment)}),
        ("booking.paid", held_at + timedelta(minutes=5), {"appointment": str(appointment)}),
    ]


async def test_retention_purges_by_the_days_the_owner_set(world: World) -> None:
    now = world.clock.current
    world.state.settings = {"retention.analytics_days": 30, "retention.webhook_events_days": 7}
    for days_ago in (1, 29, 31, 400):
        await world.analytics.intake("page.viewed", VISITOR, None, {})
        world.state.events[-1].occurred_at = now - timedelta(days=days_ago)
    world.state.webhook_events = [now - timedelta(days=6), now - timedelta(days=8)]
    await world.analytics.purge(now)
    assert sorted((now - e.occurred_at).days for e in world.state.events) == [1, 29]
    assert world.state.webhook_events == [now - timedelta(days=6)]
    assert world.state.funnel_purged_before == now - timedelta(days=30)  # its quarter hours too


async def test_the_funnel_roll_up_job_runs_one_roll_up(world: World) -> None:
    await world.analytics.roll_up_funnel(world.clock.current)
    assert world.state.roll_ups == 1


async def test_a_dashboard_covers_whole_local_days(world: World) -> None:
    world.state.funnel = [
        FunnelDay(day=date(2030, 6, 3), entry_point="web", started=3, slot_selected=2, held=2,
                  paid=1),
    ]  # fmt: skip
    report = await world.analytics.dashboard(
        OWNER, "booking-funnel", date(2030, 6, 3), date(2030, 6, 4)
    )
    assert report.date_from == datetime(2030, 6, 3, tzinfo=MOSCOW)
    assert report.date_to == datetime(2030, 6, 5, tzinfo=MOSCOW)
    assert report.timezone == "Europe/Moscow"
    assert report.items == tuple(world.state.funnel)
    assert world.state.periods == [("Europe/Moscow", report.date_from, report.date_to)]

    # By default the last 30 days, today (10 June in Moscow) included.
    default = await world.analytics.dashboard(OWNER, "booking-funnel", None, None)
    assert (default.date_from, default.date_to) == (
        datetime(2030, 5, 12, tzinfo=MOSCOW), datetime(2030, 6, 11, tzinfo=MOSCOW),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [(date(2030, 6, 5), date(2030, 6, 4)), (date(2029, 6, 3), date(2030, 6, 5))],
)
async def test_a_period_backwards_or_over_366_days_is_refused(
    world: World, date_from: date, date_to: date
) -> None:
    with pytest.raises(ValidationFailed):
        await world.analytics.dashboard(OWNER, "interactives", date_from, date_to)
    assert world.state.periods == []


async def test_rates_are_computed_from_the_counts(world: World) -> None:
    world.state.runs = [RunCounts(slug="anxiety-check", started=3, completed=2),
                        RunCounts(slug="never-started", started=0, completed=0)]  # fmt: skip
    world.state.attendance = [Attendance(slug="konsultatsiya", title="Консультация",
                                         completed=5, no_show=2)]  # fmt: skip
    runs = await world.analytics.dashboard(OWNER, "interactives", None, None)
    assert runs.items == (
        Completion(slug="anxiety-check", started=3, completed=2, completion_rate=0.6667),
        Completion(slug="never-started", started=0, completed=0, completion_rate=None),
    )
    missed = await world.analytics.dashboard(OWNER, "no-show-rate", None, None)
    assert missed.items == (
        NoShowRate(slug="konsultatsiya", title="Консультация", completed=5, no_show=2,
                   no_show_rate=0.2857),
    )  # fmt: skip
    world.state.sla = ModerationSla(items_total=4, items_handled=3, median_seconds=60.0,
                                    p90_seconds=300.0, breaches=1)  # fmt: skip
    sla = await world.analytics.dashboard(OWNER, "moderation-sla", None, None)
    assert (sla.items, sla.moderation) == (None, world.state.sla)


async def test_only_the_owner_sees_a_known_dashboard(world: World) -> None:
    with pytest.raises(Forbidden):
        await world.analytics.dashboard(EDITOR, "interactives", None, None)
    with pytest.raises(NotFound):
        await world.analytics.dashboard(OWNER, "revenue", None, None)
