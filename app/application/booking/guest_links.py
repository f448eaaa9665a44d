"""A guest's way back to their appointment: the hold's message with the payment and
manage links, a fresh manage link sent on request, and the appointment a manage token
opens.

Only the SHA-256 of a manage token is stored, so the token itself travels once: in the
answer to the hold and in the ``booking.held`` e-mail. Later messages to a guest link to
the appointment's page (which offers the e-mail sign-in and the "send me a fresh link"
form); a lost link is re-sent to the e-mail given with the booking, with a new token, so
only the newest link works.
"""

from __future__ import annotations

import structlog

from app.application.booking.holding import HoldOutcome
from app.application.booking.messages import queue_appointment_message
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock
from app.domain.booking.appointment import Appointment
from app.domain.booking.place import local_time_label
from app.domain.errors import NotFound
from app.domain.identity.model import new_token
from app.domain.identity.tokens import token_hash
from app.domain.shared.contact import Email
from app.domain.shared.links import SiteLinks

logger = structlog.get_logger(__name__)

RESEND_BATCH = 20
RESEND_WINDOW_SECONDS = 10 * 60


class GuestLinks:
    def __init__(self, tx: BookingTransactions, clock: Clock, links: SiteLinks) -> None:
        self._tx = tx
        self._clock = clock
        self._links = links

    async def send_held(self, outcome: HoldOutcome) -> None:
        """Right after a guest's hold: ``booking.held`` with the payment link and the
        manage link carrying the token. A failure is logged, never the hold's: the
        answer to the hold carries both links too."""
        token = outcome.manage_token
        if token is None:
            return
        appointment = outcome.appointment
        expires = appointment.hold_expires_at
        extra = {
            "payment_url": outcome.confirmation_url or self._links.manage(token),
            "hold_expires_local": local_time_label(expires, appointment.timezone)
            if expires else "",
        }  # fmt: skip

        async def work(uow: BookingUoW) -> None:
            await queue_appointment_message(
                uow, appointment, "booking.held", "held", self._links, extra,
                manage_token=token,
            )  # fmt: skip

        try:
            await self._tx.read(work)
        except Exception as exc:  # the hold stands; its answer has the links
            logger.error("held_message_failed", appointment_id=str(appointment.id),
                         error=type(exc).__name__)  # fmt: skip

    async def resend(self, email: str) -> int:
        """Send a fresh manage link for each live upcoming guest appointment booked with
        this e-mail, to that e-mail only, at most once per appointment in ten minutes;
        the old token stops working. The caller learns nothing (the HTTP answer is the
        same whether any was found); the count is for tests and logs."""
        address = Email(email).normalized
        now = self._clock.now()

        async def work(uow: BookingUoW) -> int:
            sent = 0
            found = await uow.repos.appointments.guest_appointments_for_email(
                address, now, RESEND_BATCH
            )
            # At most one fresh link per appointment per window, so a stranger who knows
            # the address can neither flood it nor keep retiring the guest's link.
            window = int(now.timestamp()) // RESEND_WINDOW_SECONDS
            for appointment_id in found:
                appointment = await uow.repos.appointments.get(appointment_id)
                if appointment is None or appointment.client_user_id is not None:
                    continue
                token = new_token()
                queued = await queue_appointment_message(
                    uow, appointment, "booking.manage_link", f"manage_link:{window}",
                    self._links, manage_token=token, channels=("email",),
                )  # fmt: skip
                if not queued:
                    continue  # already sent in this window: the last link stays valid
                appointment.manage_token_hash = token_hash(token)
                await uow.repos.appointments.save(appointment)
                sent += 1
            return sent

        sent = await self._tx.read(work)
        logger.info("manage_links_resent", count=sent)
        return sent

    async def managed(self, manage_token: str) -> Appointment:
        """The appointment a guest's manage token opens (NotFound for any other)."""

        async def work(uow: BookingUoW) -> Appointment:
            appointment_id = await uow.repos.appointments.by_manage_token(token_hash(manage_token))
            appointment = (
                await uow.repos.appointments.get(appointment_id) if appointment_id else None
            )
            if appointment is None:
                raise NotFound()
            return appointment

        return await self._tx.read(work)
