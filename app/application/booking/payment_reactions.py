"""Booking's side of a payment: paid confirms the hold (or refunds in full when the hold
had lapsed), given up releases the hold, and a still-held appointment gets a link."""

from __future__ import annotations

import uuid

from app.application.booking.callers import Caller, owned
from app.application.booking.holding import PaymentLinks, charge_kind
from app.application.booking.messages import appointment_link
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock
from app.domain.booking.appointment import AppointmentStatus
from app.domain.errors import InvalidState, NotFound
from app.domain.payments.payment import HOLD_EXPIRED, PaymentStatus
from app.domain.payments.settlement import Settlement, settle
from app.domain.shared.links import SiteLinks


class PaymentReactions:
    def __init__(
        self, tx: BookingTransactions, clock: Clock, links: PaymentLinks | None = None,
        site: SiteLinks | None = None,
    ) -> None:  # fmt: skip
        self._tx = tx
        self._clock = clock
        self._links = links
        self._site = site

    async def payment_succeeded(self, payment_id: uuid.UUID, provider_payment_id: str) -> None:
        async def work(uow: BookingUoW) -> None:
            appointment_id = await uow.repos.payments.mark_succeeded(
                payment_id, provider_payment_id
            )
            if appointment_id is None:
                return  # already recorded: a repeated notification
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                return
            # The one settlement rule, shared with the payments wing.
            settlement = settle(appointment, PaymentStatus.SUCCEEDED, self._clock.now())
            if settlement is Settlement.CONFIRM:
                await uow.repos.appointments.save(appointment)
            elif settlement is Settlement.REFUND_IN_FULL:
                # This payment, the latest (the split refunds the latest first).
                parts = await uow.repos.payments.paid_parts(appointment.id)
                if parts:
                    await uow.repos.payments.refund(appointment.id, parts[-1].amount, HOLD_EXPIRED)

        await self._tx.write(work)

    async def new_payment_link(self, caller: Caller, appointment_id: uuid.UUID) -> str:
        """A payment link for a still-held appointment: the open payment's, or a new one.
        Repeating the call returns the same link while that payment is open."""

        back: list[str] = []

        async def work(uow: BookingUoW) -> tuple[uuid.UUID, str]:
            appointment = await owned(uow, caller, appointment_id)
            if self._site is not None:  # where the provider sends the client back
                back[:] = [appointment_link(self._site, appointment, caller.manage_token)]
            now = self._clock.now()
            if appointment.status is not AppointmentStatus.PENDING_PAYMENT or (
                appointment.hold_expires_at is not None and appointment.hold_expires_at <= now
            ):
                raise InvalidState("Only a held, unpaid appointment can be paid.")
            open_payment = await uow.repos.payments.open_payment(appointment.id)
            if open_payment is not None:
                return open_payment
            service = await uow.repos.services.get(appointment.service_id)
            if service is None:
                raise NotFound()
            started = await uow.repos.payments.start(
                appointment, service.charge, service.title, charge_kind(service)
            )
            return started.payment_id, started.confirmation_url

        payment_id, url = await self._tx.write(work)
        if not url and self._links is not None:
            url = await self._links.confirmation_url(payment_id, back[0] if back else None)
        return url

    async def payment_canceled(self, payment_id: uuid.UUID) -> None:
        """The client gave up paying: the payment ends and the hold is released."""

        async def work(uow: BookingUoW) -> None:
            appointment_id = await uow.repos.payments.cancel_open(payment_id)
            if appointment_id is None:
                return
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                return
            if settle(appointment, PaymentStatus.CANCELED, self._clock.now()) is Settlement.RELEASE:
                await uow.repos.appointments.save(appointment)

        await self._tx.write(work)
