"""Reminders only through consented channels, confirmations always; an erasure's
cancellation of upcoming appointments, over in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

from app.application.booking.callers import Caller
from app.application.booking.erasure import ErasureCancellations
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.application.booking.transactions import BookingTransactions
from app.domain.booking.appointment import AppointmentConfirmed, AppointmentStatus
from app.domain.notifications.catalog import VARIABLES
from app.domain.notifications.consent import is_transactional, may_send
from app.domain.shared.ids import new_id
from app.domain.shared.links import SiteLinks
from app.domain.shared.money import Money
from tests.unit.booking.fakes import START, World, world

IN_THREE_DAYS = START + timedelta(days=3, hours=1)


def test_the_rule() -> None:
    assert may_send("booking.confirmed", "email", set())
    assert may_send("booking.canceled", "telegram", set())
    assert may_send("auth.login_code", "email", set())
    assert not may_send("booking.reminder", "email", set())
    assert not may_send("booking.reminder", "email", {"telegram"})
    assert may_send("booking.reminder", "email", {"communications"})
    assert may_send("booking.reminder", "telegram", {"telegram"})
    assert not may_send("booking.reminder", "sms", {"communications", "telegram"})
    assert not is_transactional("booking.reminder")
    assert all(is_transactional(code) for code in VARIABLES if code != "booking.reminder")


async def paid(w: World) -> object:
    request = HoldRequest("session", IN_THREE_DAYS, "online", "UTC",
                          GuestContact("Гость", "g@example.org", None),
                          (("personal_data", True, "1"),))  # fmt: skip
    held = await w.booking.holding.hold(Caller(None), request)
    await w.booking.payments.payment_succeeded(held.payment_id, "provider-1")
    return held


def queued(w: World) -> list[tuple[str, str]]:
    return [(n.template_code, n.channel) for n in w.uow.notifications_queued]


async def test_a_reminder_goes_only_by_consented_channels_a_confirmation_by_all() -> None:
    w = world()
    w.repos.contacts.chat = 4242  # a linked chat that agreed to Telegram messages
    w.repos.contacts.granted = {"personal_data", "telegram"}  # no "communications"
    held = await paid(w)
    appointment_id = held.appointment.id  # type: ignore[attr-defined]
    await w.booking.messages.on_confirmed(
        AppointmentConfirmed(event_id=new_id(), occurred_at=w.clock.now(),
                             aggregate_id=str(appointment_id))
    )  # fmt: skip
    w.clock.advance(days=2, hours=2)  # 23 hours before
    assert await w.booking.jobs.send_reminders(w.clock.now()) == 1
    sent = queued(w)
    assert ("booking.confirmed", "email") in sent
    assert ("booking.confirmed", "telegram") in sent
    assert ("booking.reminder", "telegram") in sent
    assert ("booking.reminder", "email") not in sent


async def test_with_the_communications_consent_the_reminder_goes_by_email() -> None:
    w = world()
    w.repos.contacts.granted = {"communications"}
    await paid(w)
    w.clock.advance(days=2, hours=2)
    await w.booking.jobs.send_reminders(w.clock.now())
    assert ("booking.reminder", "email") in queued(w)


async def test_erasure_cancels_upcoming_appointments_with_the_refund_and_the_message() -> None:
    w = world()
    held = await paid(w)
    appointment = held.appointment  # type: ignore[attr-defined]
    tx = BookingTransactions(lambda: w.uow)  # type: ignore[arg-type,return-value]
    cancellations = ErasureCancellations(tx, w.clock, SiteLinks("https://example.org"))
    user_id = new_id()
    assert await cancellations.cancel_upcoming(user_id, (appointment.lead_id,)) == 1
    stored = w.repos.appointments.rows[appointment.id]
    assert stored.status is AppointmentStatus.CANCELED
    assert w.repos.payments.refunds == [
        (appointment.id, Money(w.service.price_amount, "RUB"), "cancellation_policy")
    ]
    (message,) = [n for n in w.uow.notifications_queued if n.template_code == "booking.canceled"]
    assert message.channel == "email"
    assert "вернём" in message.variables["refund_text"]
    # Nothing left to cancel: a redelivered erasure does nothing twice.
    assert await cancellations.cancel_upcoming(user_id, (appointment.lead_id,)) == 0
