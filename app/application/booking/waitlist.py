"""The waitlist: a client or guest waits for a service; a freed slot is offered to the
first request whose preferences admit it, and an offer lapses after a day."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.application.booking.callers import Caller, who_books
from app.application.booking.holding import HoldRequest
from app.application.booking.slots import published
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock, NotificationRequest
from app.domain.booking.appointment import AppointmentCanceled, AppointmentRescheduled
from app.domain.shared.links import SiteLinks
from app.domain.shared.privacy import ensure_p0

WAITLIST_OFFER_LIFETIME = timedelta(hours=24)


def part_of_day(hour: int) -> str:
    return "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"


class Waitlist:
    def __init__(
        self, tx: BookingTransactions, clock: Clock, links: SiteLinks,
        practitioner_timezone: str,
    ) -> None:  # fmt: skip
        self._tx = tx
        self._clock = clock
        self._links = links
        self._zone = ZoneInfo(practitioner_timezone)

    async def join(
        self, caller: Caller, service_slug: str, preferences: dict[str, Any],
        request: HoldRequest | None,
    ) -> uuid.UUID:  # fmt: skip
        """Join the waitlist (a signed-in client, or a guest with contact and consent)."""
        ensure_p0(preferences, where="waitlist preferences")

        async def work(uow: BookingUoW) -> uuid.UUID:
            service = await published(uow, service_slug)
            contact = request.contact if request else None
            consents = request.consents if request else ()
            booker = await who_books(uow, caller, contact, consents)
            return await uow.repos.waitlist.add(
                service.id, booker.user_id, booker.lead_id, booker.contact_identity_id,
                preferences,
            )  # fmt: skip

        return await self._tx.read(work)

    async def offer_freed_slot(self, event: AppointmentCanceled | AppointmentRescheduled) -> None:
        """A slot came free: the first matching waitlist request gets an offer."""

        async def work(uow: BookingUoW) -> None:
            freed = await uow.repos.appointments.get(uuid.UUID(event.aggregate_id))
            if freed is None or freed.session.start <= self._clock.now():
                return
            local = freed.session.start.astimezone(self._zone)
            offer = await uow.repos.waitlist.offer_first_matching(
                freed.service_id, local.isoweekday(), part_of_day(local.hour)
            )
            if offer is None:
                return
            if offer.user_id is not None:
                name, email = await uow.repos.contacts.user_contact(offer.user_id)
                kind, recipient = "user", str(offer.user_id)
            elif offer.lead_id is not None:
                name, email = await uow.repos.leads.contact(
                    offer.lead_id, offer.contact_identity_id
                )
                kind, recipient = "lead", str(offer.lead_id)
            else:  # pragma: no cover (the database requires one of them)
                return
            service = await uow.repos.services.get(freed.service_id)
            if email is None or service is None:
                return
            await uow.notifications.enqueue(
                NotificationRequest(
                    channel="email",
                    template_code="waitlist.offer",
                    recipient_kind=kind,
                    recipient_id=recipient,
                    dedupe_key=f"waitlist:{offer.id}:offer:email",
                    to=email,
                    variables={
                        # A guest's name is whatever was typed with somebody's address.
                        "display_name": (name or "") if kind == "user" else "",
                        "service_title": service.title,
                        "start_local": local.strftime("%d.%m.%Y %H:%M"),
                        "booking_url": self._links.service(service.slug),
                        "offer_expires_local": "24 часа",
                    },
                )
            )

        await self._tx.read(work)

    async def expire_offers(self, now: datetime) -> int:
        async def work(uow: BookingUoW) -> int:
            return await uow.repos.waitlist.expire_offers(now - WAITLIST_OFFER_LIFETIME)

        return await self._tx.read(work)
