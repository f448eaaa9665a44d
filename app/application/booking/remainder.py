"""Deposits and the rest of the price: what an appointment's payments add up to, the
client paying the remainder of a confirmed appointment later, and the reminder to do
so before the session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog

from app.application.booking.callers import Caller, owned
from app.application.booking.holding import PaymentLinks
from app.application.booking.messages import queue_appointment_message
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.domain.booking.appointment import Appointment, AppointmentStatus
from app.domain.booking.service import Service
from app.domain.errors import NotFound
from app.domain.payments.balance import amount_paid, remainder_due
from app.domain.payments.model import NothingLeftToPay
from app.domain.payments.payment import REMAINDER
from app.domain.shared.links import SiteLinks
from app.domain.shared.money import Money

logger = structlog.get_logger(__name__)

BATCH = 100
REMAINDER_TEMPLATE = "booking.remainder_due"
REMAINDER_LABEL = "remainder"  # in appointments.reminders_sent: reminded once
DEFAULT_REMINDER_HOURS = 48


@dataclass(frozen=True, slots=True)
class AppointmentBalance:
    """The appointment's price, what was paid (before refunds), what was refunded and
    what is still due (nothing once the appointment is no longer live)."""

    price: Money
    paid: Money
    refunded: Money
    due: Money


@dataclass(frozen=True, slots=True)
class AppointmentWithBalance:
    appointment: Appointment
    balance: AppointmentBalance


async def balance_of(
    uow: BookingUoW, appointment: Appointment, service: Service
) -> AppointmentBalance:
    parts = await uow.repos.payments.paid_parts(appointment.id)
    currency = service.currency
    paid = amount_paid(parts, currency)
    refunded = Money.zero(currency)
    for part in parts:
        refunded = refunded + part.refunded
    price = Money(service.price_amount, currency)
    due = remainder_due(price, paid) if appointment.is_live else Money.zero(currency)
    return AppointmentBalance(price=price, paid=paid, refunded=refunded, due=due)


async def _service(uow: BookingUoW, appointment: Appointment) -> Service:
    service = await uow.repos.services.get(appointment.service_id)
    if service is None:
        raise NotFound()
    return service


class RemainderPayments:
    def __init__(
        self, tx: BookingTransactions, site_links: SiteLinks,
        links: PaymentLinks | None = None, reminder_hours: int = DEFAULT_REMINDER_HOURS,
    ) -> None:  # fmt: skip
        self._tx = tx
        self._site_links = site_links
        self._links = links
        self._reminder_hours = reminder_hours

    async def appointment(
        self, caller: Caller, appointment_id: uuid.UUID
    ) -> AppointmentWithBalance:
        """The caller's appointment with what was paid and what is due."""

        async def work(uow: BookingUoW) -> AppointmentWithBalance:
            appointment = await owned(uow, caller, appointment_id)
            service = await _service(uow, appointment)
            return AppointmentWithBalance(appointment, await balance_of(uow, appointment, service))

        return await self._tx.read(work)

    async def pay_remainder(self, caller: Caller, appointment_id: uuid.UUID) -> str:
        """The payment link for the rest of the price (price − what was paid) of the
        caller's confirmed appointment. While a remainder payment is open the same link
        comes back; two requests racing for a new one meet the database's one-open-
        remainder rule and the second gets ``RemainderPending``."""

        async def work(uow: BookingUoW) -> tuple[uuid.UUID, str]:
            appointment = await owned(uow, caller, appointment_id)
            if appointment.status is not AppointmentStatus.CONFIRMED:
                raise NothingLeftToPay("Only a confirmed appointment takes a remainder payment.")
            service = await _service(uow, appointment)
            balance = await balance_of(uow, appointment, service)
            if balance.due.is_zero:
                raise NothingLeftToPay("The appointment is paid in full.")
            open_payment = await uow.repos.payments.open_payment(appointment.id, REMAINDER)
            if open_payment is not None:
                return open_payment
            started = await uow.repos.payments.start(
                appointment, balance.due, service.title, REMAINDER
            )
            logger.info("remainder_payment_started", appointment_id=str(appointment.id))
            return started.payment_id, started.confirmation_url

        payment_id, url = await self._tx.write(work)
        if not url and self._links is not None:
            url = await self._links.confirmation_url(payment_id)
        return url

    async def send_reminders(self, now: datetime) -> int:
        """Job: remind the client to pay the rest before the session, once, and only
        while something is left to pay."""

        async def work(uow: BookingUoW) -> int:
            count = 0
            due = await uow.repos.appointments.due_for_remainder_reminder(
                now, self._reminder_hours, BATCH
            )
            for appointment_id in due:
                appointment = await uow.repos.appointments.get(appointment_id)
                if appointment is None or REMAINDER_LABEL in appointment.reminders_sent:
                    continue
                balance = await balance_of(uow, appointment, await _service(uow, appointment))
                if balance.due.is_zero:
                    continue
                await queue_appointment_message(
                    uow, appointment, REMAINDER_TEMPLATE, "reminder:remainder",
                    self._site_links,
                    extra={"payment_url": self._site_links.pay(appointment.id),
                           "amount_due": str(balance.due), "currency": balance.due.currency},
                )  # fmt: skip
                appointment.reminders_sent = (*appointment.reminders_sent, REMAINDER_LABEL)
                await uow.repos.appointments.save(appointment)
                count += 1
            return count

        sent = await self._tx.read(work)
        if sent:
            logger.info("remainder_reminders_queued", count=sent)
        return sent
