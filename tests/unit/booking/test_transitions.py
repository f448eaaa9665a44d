"""Cancelling, moving and staff actions over in-memory fakes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldOutcome, HoldRequest
from app.application.booking.ports import GuestContact
from app.domain.booking.appointment import AppointmentStatus
from app.domain.errors import Forbidden, InvalidState, NotFound
from app.domain.identity.model import Role
from app.domain.shared.money import Money
from tests.unit.booking.fakes import START, World, world

IN_THREE_DAYS = START + timedelta(days=3, hours=1)
OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))


async def paid_hold(w: World, start=IN_THREE_DAYS) -> tuple[HoldOutcome, Caller]:  # type: ignore[no-untyped-def]
    request = HoldRequest("session", start, "online", "UTC",
                          GuestContact("Гость", "g@example.org", None),
                          (("personal_data", True, "1"),))  # fmt: skip
    held = await w.booking.holding.hold(Caller(None), request)
    await w.booking.payments.payment_succeeded(held.payment_id, "provider-1")
    return held, Caller(None, held.manage_token)


async def test_payment_confirms_the_hold() -> None:
    w = world()
    held, caller = await paid_hold(w)
    appointment = await w.booking.client.appointment(caller, held.appointment.id)
    assert appointment.status is AppointmentStatus.CONFIRMED


async def test_cancel_early_refunds_everything() -> None:
    w = world()
    held, caller = await paid_hold(w)
    done = await w.booking.client.cancel(caller, held.appointment.id)
    assert done.appointment.status is AppointmentStatus.CANCELED
    assert done.refund == Money(w.service.price_amount, "RUB")
    assert w.repos.payments.refunds == [(held.appointment.id, done.refund, "cancellation_policy")]


async def test_cancel_inside_the_partial_window_refunds_the_percent() -> None:
    w = world()
    held, caller = await paid_hold(w)
    w.clock.advance(days=2, hours=6)  # 19 hours before: between 12 and 24
    done = await w.booking.client.cancel(caller, held.appointment.id)
    assert done.refund == Money(w.service.price_amount / 2, "RUB")


async def test_cancel_late_refunds_nothing() -> None:
    w = world()
    held, caller = await paid_hold(w)
    w.clock.advance(days=2, hours=20)  # 5 hours before
    done = await w.booking.client.cancel(caller, held.appointment.id)
    assert done.refund.is_zero
    assert w.repos.payments.refunds == []


async def test_someone_else_cannot_cancel() -> None:
    w = world()
    held, _ = await paid_hold(w)
    with pytest.raises(NotFound):
        await w.booking.client.cancel(Caller(None, "not-the-token"), held.appointment.id)


async def test_reschedule_keeps_it_confirmed_and_moves_the_payment() -> None:
    w = world()
    held, caller = await paid_hold(w)
    moved = await w.booking.client.reschedule(
        caller, held.appointment.id, IN_THREE_DAYS + timedelta(hours=2)
    )
    assert moved.status is AppointmentStatus.CONFIRMED
    assert moved.rescheduled_from_id == held.appointment.id
    old = w.repos.appointments.rows[held.appointment.id]
    assert old.status is AppointmentStatus.RESCHEDULED
    assert w.repos.payments.payments[held.payment_id].appointment_id == moved.id


async def test_reschedule_closes_before_the_deadline() -> None:
    w = world()
    held, caller = await paid_hold(w)
    w.clock.advance(days=2, hours=6)  # 19 hours before, the deadline is 24
    with pytest.raises(InvalidState):
        await w.booking.client.reschedule(
            caller, held.appointment.id, IN_THREE_DAYS + timedelta(hours=2)
        )


async def test_staff_cancel_refunds_in_full_even_late() -> None:
    w = world()
    held, _ = await paid_hold(w)
    w.clock.advance(days=2, hours=20)
    cancelled = await w.booking.staff.transition(OWNER, held.appointment.id, "cancel")
    assert cancelled.status is AppointmentStatus.CANCELED
    assert w.repos.payments.refunds[0][1] == Money(w.service.price_amount, "RUB")
    assert [e.action for e in w.uow.audit_log] == ["appointment.cancel"]


async def test_staff_complete_and_no_show_wait_for_the_session() -> None:
    w = world()
    held, _ = await paid_hold(w)
    with pytest.raises(InvalidState):
        await w.booking.staff.transition(OWNER, held.appointment.id, "complete")
    w.clock.advance(days=3, hours=2)
    done = await w.booking.staff.transition(OWNER, held.appointment.id, "complete")
    assert done.status is AppointmentStatus.COMPLETED
    other, _ = await paid_hold(w, IN_THREE_DAYS + timedelta(days=1))
    w.clock.advance(days=1)
    missed = await w.booking.staff.transition(OWNER, other.appointment.id, "no_show")
    assert missed.status is AppointmentStatus.NO_SHOW


async def test_staff_confirm_a_held_appointment() -> None:
    w = world()
    request = HoldRequest("session", IN_THREE_DAYS, "online", "UTC",
                          GuestContact("Гость", "g@example.org", None),
                          (("personal_data", True, "1"),))  # fmt: skip
    held = await w.booking.holding.hold(Caller(None), request)
    confirmed = await w.booking.staff.transition(OWNER, held.appointment.id, "confirm")
    assert confirmed.status is AppointmentStatus.CONFIRMED


async def test_a_client_is_not_staff() -> None:
    w = world()
    held, _ = await paid_hold(w)
    client = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
    with pytest.raises(Forbidden):
        await w.booking.staff.transition(client, held.appointment.id, "cancel")


async def test_a_payment_after_the_hold_lapsed_is_refunded_in_full() -> None:
    w = world()
    request = HoldRequest("session", IN_THREE_DAYS, "online", "UTC",
                          GuestContact("Гость", "g@example.org", None),
                          (("personal_data", True, "1"),))  # fmt: skip
    held = await w.booking.holding.hold(Caller(None), request)
    w.clock.advance(minutes=16)
    assert await w.booking.jobs.expire_holds(w.clock.now()) == 1
    await w.booking.payments.payment_succeeded(held.payment_id, "late")
    assert w.repos.payments.refunds[0][2] == "hold_expired"


async def test_the_cancel_preview_shows_what_a_staff_cancel_returns_and_changes_nothing() -> None:
    w = world()
    held, caller = await paid_hold(w)
    w.clock.advance(days=2, hours=6)  # inside the client's partial window
    preview = await w.booking.staff.cancel_preview(OWNER, held.appointment.id)
    price = Money(w.service.price_amount, "RUB")
    assert preview.cancelable
    assert (preview.paid, preview.refund) == (price, price)
    assert preview.policy_refund == Money(w.service.price_amount / 2, "RUB")
    assert w.repos.payments.refunds == []
    still = await w.booking.client.appointment(caller, held.appointment.id)
    assert still.status is AppointmentStatus.CONFIRMED
    cancelled = await w.booking.staff.transition(OWNER, held.appointment.id, "cancel")
    assert cancelled.status is AppointmentStatus.CANCELED
    assert w.repos.payments.refunds[0][1] == preview.refund
    after = await w.booking.staff.cancel_preview(OWNER, held.appointment.id)
    assert not after.cancelable


async def test_only_booking_staff_see_a_cancel_preview() -> None:
    w = world()
    held, _ = await paid_hold(w)
    editor = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
    with pytest.raises(Forbidden):
        await w.booking.staff.cancel_preview(editor, held.appointment.id)
    with pytest.raises(NotFound):
        await w.booking.staff.cancel_preview(OWNER, uuid.uuid4())
