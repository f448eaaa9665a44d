"""Deposits over in-memory fakes: the remainder payment (only for a confirmed appointment
with something left, price − what was paid, one open at a time), the reminder to pay it,
and cancellation refunds computed over what was actually paid and split over the
payments."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.domain.booking.appointment import AppointmentStatus
from app.domain.errors import NotFound
from app.domain.payments.balance import PaidPart, remainder_due, split_refund
from app.domain.payments.model import NothingLeftToPay, RemainderPending
from app.domain.shared.money import Money
from tests.unit.booking.fakes import START, World, world

SESSION = START + timedelta(days=3, hours=1)
GUEST = GuestContact("Гость", "guest@example.org", None)


def rub(value: str) -> Money:
    return Money.of(value)


def part(amount: str, refunded: str = "0") -> PaidPart:
    return PaidPart(uuid.uuid4(), rub(amount), rub(refunded))


# --- the rules ---------------------------------------------------------------------


def test_the_remainder_is_the_price_less_what_was_paid_never_negative() -> None:
    assert remainder_due(rub("3000"), rub("1000")) == rub("2000")
    assert remainder_due(rub("3000"), rub("3000")).is_zero
    assert remainder_due(rub("3000"), rub("3500")).is_zero


def test_a_refund_comes_from_the_latest_payment_first_each_within_its_amount() -> None:
    deposit, remainder = part("1000"), part("2000")
    assert split_refund(rub("2400"), [deposit, remainder]) == [
        (remainder.payment_id, rub("2000")), (deposit.payment_id, rub("400")),
    ]  # fmt: skip
    assert split_refund(rub("1500"), [deposit, remainder]) == [(remainder.payment_id, rub("1500"))]
    assert split_refund(rub("800"), [deposit]) == [(deposit.payment_id, rub("800"))]


def test_a_refund_never_exceeds_what_is_left_of_each_payment() -> None:
    deposit, remainder = part("1000", refunded="300"), part("2000", refunded="2000")
    assert split_refund(rub("5000"), [deposit, remainder]) == [(deposit.payment_id, rub("700"))]
    assert split_refund(rub("0"), [deposit]) == []
    assert split_refund(rub("10"), []) == []


# --- the use cases -----------------------------------------------------------------


async def confirmed_with_deposit(w: World) -> tuple[uuid.UUID, Caller]:
    """A guest's appointment whose deposit (1000 of 3000) was paid."""
    held = await w.booking.holding.hold(
        Caller(None),
        HoldRequest(service_slug="session", start_at=SESSION, format="online", timezone="UTC",
                    contact=GUEST, consents=(("personal_data", True, "1"),)),
    )  # fmt: skip
    caller = Caller(None, manage_token=held.manage_token)
    assert w.repos.payments.payments[held.payment_id].amount == rub("1000")
    assert w.repos.payments.payments[held.payment_id].kind == "deposit"
    await w.booking.payments.payment_succeeded(held.payment_id, "yk-1")
    return held.appointment.id, caller


def deposit_world() -> World:
    return world(price_amount=Decimal("3000"), deposit_amount=Decimal("1000"),
                 cancel_free_hours=48, cancel_partial_hours=12,
                 cancel_partial_refund_percent=80)  # fmt: skip


async def test_the_remainder_is_one_payment_of_price_less_deposit() -> None:
    w = deposit_world()
    appointment_id, caller = await confirmed_with_deposit(w)
    found = await w.booking.remainders.appointment(caller, appointment_id)
    assert found.appointment.status is AppointmentStatus.CONFIRMED
    assert (found.balance.paid, found.balance.due) == (rub("1000"), rub("2000"))

    url = await w.booking.remainders.pay_remainder(caller, appointment_id)
    assert await w.booking.remainders.pay_remainder(caller, appointment_id) == url
    (remainder,) = [p for p in w.repos.payments.payments.values() if p.kind == "remainder"]
    assert remainder.amount == rub("2000")
    assert url == remainder.url

    w.repos.payments.succeed(remainder.id)
    found = await w.booking.remainders.appointment(caller, appointment_id)
    assert (found.balance.paid, found.balance.due) == (rub("3000"), rub("0"))
    with pytest.raises(NothingLeftToPay):
        await w.booking.remainders.pay_remainder(caller, appointment_id)


async def test_only_a_confirmed_appointment_takes_a_remainder() -> None:
    w = deposit_world()
    held = await w.booking.holding.hold(
        Caller(None),
        HoldRequest(service_slug="session", start_at=SESSION, format="online", timezone="UTC",
                    contact=GUEST, consents=(("personal_data", True, "1"),)),
    )  # fmt: skip
    with pytest.raises(NothingLeftToPay):
        await w.booking.remainders.pay_remainder(
            Caller(None, manage_token=held.manage_token), held.appointment.id
        )


async def test_a_second_open_remainder_is_a_domain_error() -> None:
    w = deposit_world()
    appointment_id, caller = await confirmed_with_deposit(w)
    await w.booking.remainders.pay_remainder(caller, appointment_id)
    appointment = await w.repos.appointments.get(appointment_id)
    assert appointment is not None
    with pytest.raises(RemainderPending):  # what the database's unique index says
        await w.repos.payments.start(appointment, rub("2000"), "Сеанс", "remainder")


async def test_someone_else_cannot_pay_the_remainder() -> None:
    w = deposit_world()
    appointment_id, _ = await confirmed_with_deposit(w)
    with pytest.raises(NotFound):
        await w.booking.remainders.pay_remainder(Caller(None, "not-the-token"), appointment_id)


async def test_the_reminder_goes_once_with_the_pay_link_and_not_once_paid() -> None:
    w = deposit_world()
    appointment_id, _ = await confirmed_with_deposit(w)
    w.clock.current = SESSION - timedelta(hours=49)
    assert await w.booking.remainders.send_reminders(w.clock.now()) == 0  # not yet
    w.clock.current = SESSION - timedelta(hours=47)
    assert await w.booking.remainders.send_reminders(w.clock.now()) == 1
    assert await w.booking.remainders.send_reminders(w.clock.now()) == 0  # once
    (sent,) = [n for n in w.uow.notifications_queued if n.template_code == "booking.remainder_due"]
    pay_url = f"https://example.org/cabinet/appointments/{appointment_id}/pay"
    assert sent.variables["payment_url"] == pay_url
    assert (sent.variables["amount_due"], sent.variables["currency"]) == ("2000.00", "RUB")

    paid = deposit_world()
    other_id, other = await confirmed_with_deposit(paid)
    await paid.booking.remainders.pay_remainder(other, other_id)
    (remainder,) = [p for p in paid.repos.payments.payments.values() if p.kind == "remainder"]
    paid.repos.payments.succeed(remainder.id)
    paid.clock.current = SESSION - timedelta(hours=47)
    assert await paid.booking.remainders.send_reminders(paid.clock.now()) == 0
    assert not [n for n in paid.uow.notifications_queued
                if n.template_code == "booking.remainder_due"]  # fmt: skip


async def test_a_cancellation_refunds_the_policy_over_the_deposit_only() -> None:
    w = deposit_world()
    appointment_id, caller = await confirmed_with_deposit(w)
    w.clock.current = SESSION - timedelta(hours=24)  # partial window: 80 %
    done = await w.booking.client.cancel(caller, appointment_id)
    assert done.refund == rub("800")
    ((_, amount, _),) = w.repos.payments.payment_refunds
    assert amount == rub("800")


async def test_a_cancellation_refunds_the_policy_over_both_payments_split() -> None:
    w = deposit_world()
    appointment_id, caller = await confirmed_with_deposit(w)
    await w.booking.remainders.pay_remainder(caller, appointment_id)
    (remainder,) = [p for p in w.repos.payments.payments.values() if p.kind == "remainder"]
    w.repos.payments.succeed(remainder.id)
    (deposit,) = [p for p in w.repos.payments.payments.values() if p.kind == "deposit"]

    w.clock.current = SESSION - timedelta(hours=24)
    done = await w.booking.client.cancel(caller, appointment_id)
    assert done.refund == rub("2400")
    assert [(pid, amount) for pid, amount, _ in w.repos.payments.payment_refunds] == [
        (remainder.id, rub("2000")), (deposit.id, rub("400")),
    ]  # fmt: skip
