"""The owner's day (payment and intake states, paging, the audited read), staff booking
for a client or a new person, schedule edits and the practice's zone, over fakes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.access import Principal
from app.application.booking.ports import GuestContact
from app.application.booking.staff_booking import StaffBookingRequest
from app.application.booking.staff_day import (
    AppointmentRecord,
    DayAppointment,
    StaffDay,
    intake_state,
    payment_state,
)
from app.application.events import EventHandlers
from app.domain.booking.appointment import AppointmentStatus
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.errors import (
    Forbidden,
    NotFound,
    SlotUnavailable,
    ValidationFailed,
    VersionConflict,
)
from app.domain.identity.model import Role
from app.domain.shared.time_range import TimeRange
from tests.unit.booking.fakes import START, world

OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
TOMORROW_10 = START + timedelta(days=1, hours=1)  # Tuesday 10:00 UTC


@pytest.mark.parametrize(
    ("paid", "refunded", "open_", "state"),
    [("0", "0", False, "none"), ("0", "0", True, "pending"), ("3500", "0", False, "paid"),
     ("3500", "1750", False, "partially_refunded"), ("3500", "3500", False, "refunded")],
)  # fmt: skip
def test_payment_state(paid: str, refunded: str, open_: bool, state: str) -> None:
    assert payment_state(Decimal(paid), Decimal(refunded), open_) == state


def test_intake_state() -> None:
    assert intake_state(None, None) == "missing"
    assert intake_state("draft", False) == "missing"
    assert intake_state("submitted", False) == "waiting"
    assert intake_state("submitted", True) == "viewed"


def _line(start: datetime) -> DayAppointment:
    return DayAppointment(
        id=uuid.uuid4(), start_at=start, end_at=start + timedelta(hours=1), status="confirmed",
        format="online", timezone="UTC", service_id=uuid.uuid4(), service_slug="s",
        service_title="S", client_user_id=None, lead_id=uuid.uuid4(), client_name="Гость",
        client_email="g@example.org", client_phone=None, meeting_url=None, location_text=None,
        amount_paid=Decimal(0), amount_refunded=Decimal(0), payment_open=False, currency="RUB",
        intake_status=None, intake_viewed=None,
    )  # fmt: skip


class FakeDayViews:
    def __init__(self, lines: list[DayAppointment]) -> None:
        self.lines = sorted(lines, key=lambda a: (a.start_at, a.id))

    async def day(
        self, window: TimeRange, status: str | None, after: uuid.UUID | None, limit: int
    ) -> list[DayAppointment]:
        rows = [a for a in self.lines if window.start <= a.start_at < window.end]
        if after is not None:
            rows = rows[[a.id for a in rows].index(after) + 1 :]
        return rows[:limit]

    async def record(self, appointment_id: uuid.UUID) -> AppointmentRecord | None:
        return None


def _day(lines: list[DayAppointment]) -> tuple[StaffDay, InMemoryUnitOfWork[Any]]:
    uow = InMemoryUnitOfWork(FakeDayViews(lines), InMemoryEventBus(EventHandlers()))
    return StaffDay(lambda: uow), uow  # type: ignore[arg-type,return-value]


async def test_the_day_pages_through_every_appointment_once_and_audits_each_read() -> None:
    lines = [_line(START + timedelta(hours=h)) for h in range(5)]
    staff_day, uow = _day(lines)
    window = TimeRange(START, START + timedelta(days=1))
    seen: list[uuid.UUID] = []
    after = None
    while True:
        page = await staff_day.day(OWNER, window, None, after, 2)
        seen += [a.id for a in page.items]
        if not page.has_more:
            break
        after = page.items[-1].id
    assert seen == [a.id for a in lines]
    assert [e.action for e in uow.audit_log] == ["appointment.list"] * 3
    assert uow.audit_log[0].details == {"appointment_ids": [str(a.id) for a in lines[:2]]}


async def test_the_day_is_for_staff_and_a_bounded_window() -> None:
    staff_day, _ = _day([])
    window = TimeRange(START, START + timedelta(days=1))
    with pytest.raises(Forbidden):
        await staff_day.day(CLIENT, window, None, None, 10)
    with pytest.raises(ValidationFailed):
        await staff_day.day(OWNER, TimeRange(START, START + timedelta(days=40)), None, None, 10)
    with pytest.raises(ValidationFailed):
        await staff_day.day(OWNER, window, None, None, 101)
    with pytest.raises(NotFound):
        await staff_day.record(OWNER, uuid.uuid4())


async def test_staff_book_an_existing_client_paid_offline() -> None:
    w = world()
    client_id = uuid.uuid4()
    booked = await w.booking.staff_booking.book(
        OWNER, StaffBookingRequest(w.service.id, TOMORROW_10, "online", "none",
                                   client_user_id=client_id),
    )  # fmt: skip
    stored = await w.repos.appointments.get(booked.appointment.id)
    assert stored is not None
    assert stored.status is AppointmentStatus.CONFIRMED
    assert stored.client_user_id == client_id
    assert stored.timezone == "Asia/Yekaterinburg"  # her account's zone, for her messages
    assert booked.payment_id is None
    assert w.repos.payments.payments == {}
    assert [e.action for e in w.uow.audit_log] == ["appointment.staff_book"]
    assert w.uow.audit_log[0].details == {"payment": "none", "new_lead": False}


async def test_staff_book_a_new_person_with_a_payment_link() -> None:
    w = world()
    booked = await w.booking.staff_booking.book(
        OWNER, StaffBookingRequest(w.service.id, TOMORROW_10, "online", "link",
                                   new_client=GuestContact("Борис", "b@example.org", None)),
    )  # fmt: skip
    assert booked.lead_id is not None
    assert w.repos.leads.sources[booked.lead_id] == "manual"
    assert booked.appointment.status is AppointmentStatus.PENDING_PAYMENT
    assert booked.appointment.hold_expires_at == START + timedelta(hours=24)
    assert booked.appointment.timezone == "UTC"  # the practice's zone (set so in the fakes)
    assert booked.confirmation_url == f"https://pay.example/{booked.payment_id}"
    held = [n for n in w.uow.notifications_queued if n.template_code == "booking.held"]
    assert [n.to for n in held] == ["b@example.org"]
    assert held[0].variables["payment_url"] == booked.confirmation_url


async def test_staff_booking_needs_a_free_working_time_and_one_client() -> None:
    w = world()
    first = StaffBookingRequest(w.service.id, TOMORROW_10, "online", "none",
                                client_user_id=uuid.uuid4())  # fmt: skip
    await w.booking.staff_booking.book(OWNER, first)
    with pytest.raises(SlotUnavailable):
        await w.booking.staff_booking.book(OWNER, first)
    night = StaffBookingRequest(w.service.id, START + timedelta(hours=14), "online", "none",
                                client_user_id=uuid.uuid4())  # fmt: skip
    with pytest.raises(SlotUnavailable):
        await w.booking.staff_booking.book(OWNER, night)
    both = StaffBookingRequest(w.service.id, TOMORROW_10, "online", "none",
                               client_user_id=uuid.uuid4(),
                               new_client=GuestContact("X", "x@example.org", None))  # fmt: skip
    with pytest.raises(ValidationFailed):
        await w.booking.staff_booking.book(OWNER, both)
    no_contact = StaffBookingRequest(w.service.id, TOMORROW_10, "online", "none",
                                     new_client=GuestContact("X", None, None))  # fmt: skip
    with pytest.raises(ValidationFailed):
        await w.booking.staff_booking.book(OWNER, no_contact)
    with pytest.raises(Forbidden):
        await w.booking.staff_booking.book(CLIENT, first)


async def test_the_practice_zone_setting_moves_working_hours_dst_included() -> None:
    w = world(horizon_days=365)
    w.repos.schedule.rules.clear()
    w.repos.schedule.rules[uuid.uuid4()] = WeeklyRule(2, time(10), time(11), "UTC")
    w.repos.settings.values["practitioner.timezone"] = "Europe/Berlin"
    summer = datetime(2025, 6, 3, tzinfo=UTC)  # a Tuesday in CEST (UTC+2)
    winter = datetime(2025, 3, 4, tzinfo=UTC)  # a Tuesday in CET (UTC+1)
    in_summer = await w.booking.slots.slots(w.service.slug, summer, summer + timedelta(days=1))
    in_winter = await w.booking.slots.slots(w.service.slug, winter, winter + timedelta(days=1))
    assert in_summer[0] == datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
    assert in_winter[0] == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    assert await w.booking.slots.practice_timezone() == "Europe/Berlin"
    rules = await w.booking.schedule.rules(OWNER)
    assert [r.timezone for r in rules] == ["Europe/Berlin"]


async def test_rules_and_exceptions_are_edited_with_their_version() -> None:
    w = world()
    rule_id = next(iter(w.repos.schedule.rules))
    changed = await w.booking.schedule.update_rule(
        OWNER, rule_id, WeeklyRule(1, time(12), time(13), "UTC"), 1
    )
    assert (changed.start_time, changed.version) == (time(12), 2)
    with pytest.raises(VersionConflict):
        await w.booking.schedule.update_rule(
            OWNER, rule_id, WeeklyRule(1, time(9), time(10), "UTC"), 1
        )
    with pytest.raises(NotFound):
        await w.booking.schedule.update_rule(OWNER, uuid.uuid4(), WeeklyRule(1, time(9), time(10), "UTC"), None)  # fmt: skip

    day = TimeRange(START, START + timedelta(days=1))
    exception_id = await w.booking.schedule.add_exception(
        OWNER, ScheduleException(day, "closed"), "Праздник"
    )
    listed = await w.booking.schedule.exceptions(
        OWNER, TimeRange(START, START + timedelta(days=30))
    )
    assert [(e.id, e.reason, e.version) for e in listed] == [(exception_id, "Праздник", 1)]
    later = TimeRange(day.start + timedelta(days=7), day.end + timedelta(days=7))
    moved = await w.booking.schedule.update_exception(
        OWNER, exception_id, ScheduleException(later, "closed"), "Отпуск", None
    )
    assert (moved.start_at, moved.reason, moved.version) == (later.start, "Отпуск", 2)
    with pytest.raises(VersionConflict):
        await w.booking.schedule.update_exception(
            OWNER, exception_id, ScheduleException(day, "closed"), None, 1
        )
    with pytest.raises(ValidationFailed):
        await w.booking.schedule.exceptions(OWNER, TimeRange(START, START + timedelta(days=500)))
    with pytest.raises(Forbidden):
        await w.booking.schedule.exceptions(CLIENT, day)
    actions = [e.action for e in w.uow.audit_log]
    assert actions == ["schedule_rule.update", "schedule_exception.create",
                       "schedule_exception.update"]  # fmt: skip
