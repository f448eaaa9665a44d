"""Before a person's data is erased, their upcoming appointments are cancelled exactly as
if they had cancelled them: the refund the service's policy gives, the slot freed, and
the cancellation message sent while their address is still known."""

from __future__ import annotations

import uuid

import structlog

from app.application.booking.cancellation import cancel_under_policy
from app.application.booking.messages import queue_appointment_message
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock
from app.domain.booking.refunds import refund_sentence
from app.domain.shared.links import SiteLinks

logger = structlog.get_logger(__name__)

ERASURE_REASON = "client_request"


class ErasureCancellations:
    def __init__(self, tx: BookingTransactions, clock: Clock, links: SiteLinks) -> None:
        self._tx = tx
        self._clock = clock
        self._links = links

    async def cancel_upcoming(
        self, user_id: uuid.UUID | None, lead_ids: tuple[uuid.UUID, ...]
    ) -> int:
        """Cancel every live appointment still ahead of the account and its leads, in one
        transaction that commits before the erasure runs; returns how many."""

        async def work(uow: BookingUoW) -> int:
            now = self._clock.now()
            ids = await uow.repos.appointments.upcoming_of(user_id, lead_ids, now)
            for appointment_id in ids:
                appointment = await uow.repos.appointments.get(appointment_id)
                if appointment is None:  # pragma: no cover (listed a moment ago)
                    continue
                refund = await cancel_under_policy(
                    uow.repos, appointment, now, reason=ERASURE_REASON, by=None
                )
                # The same message (and dedupe key) the cancellation handler queues: the
                # handler, which runs after the erasure, no longer finds the address.
                await queue_appointment_message(
                    uow, appointment, "booking.canceled", "canceled", self._links,
                    {"refund_text": refund_sentence(str(refund), refund.currency),
                     "booking_url": self._links.booking()},
                )  # fmt: skip
            return len(ids)

        canceled = await self._tx.write(work)
        if canceled:
            logger.info("erasure_appointments_canceled", count=canceled)
        return canceled
