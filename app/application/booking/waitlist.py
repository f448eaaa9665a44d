"""The waitlist: a client or guest waits for a service; a freed slot is offered to the
first request whose preferences admit it and kept for that person while the offer stands
(a day at most, never past the slot): the slot search and holds treat it as taken by
anybody else. Leaving the waitlist (or declining) and the offer lapsing free it again."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from app.application.booking.callers import Caller, who_books
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import OfferHold
from app.application.booking.read_models import OfferView, ReleasedOffer, WaitlistEntry
from app.application.booking.slots import published
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock, NotificationRequest
from app.domain.booking.appointment import AppointmentCanceled, AppointmentRescheduled
from app.domain.booking.place import local_time_label
from app.domain.errors import NotFound
from app.domain.identity.model import new_token
from app.domain.identity.tokens import token_hash
from app.domain.shared.links import SiteLinks
from app.domain.shared.privacy import ensure_p0
from app.domain.shared.time_range import TimeRange

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

    async def mine(self, user_id: uuid.UUID) -> list[WaitlistEntry]:
        """The client's own requests, newest first; an offer shows only while it stands."""
        now = self._clock.now()

        async def work(uow: BookingUoW) -> list[WaitlistEntry]:
            return await uow.repos.waitlist.of_user(user_id)

        entries = await self._tx.read(work)
        return [
            e if e.offer_expires_at is None or e.offer_expires_at > now or e.status != "offered"
            else msgspec.structs.replace(e, status="expired")
            for e in entries
        ]  # fmt: skip

    async def leave(self, user_id: uuid.UUID, request_id: uuid.UUID) -> None:
        """Leave the waitlist or decline the offer: an offered slot is free again at once
        and goes to the next in line. Someone else's request, or one already over, is
        ``NotFound``."""

        now = self._clock.now()

        async def work(uow: BookingUoW) -> None:
            left = await uow.repos.waitlist.leave(request_id, user_id)
            if left is None:
                raise NotFound()
            if left.released is not None:
                await self._offer_again(uow, left.released, now)

        await self._tx.write(work)

    async def offer(self, offer_token: str) -> OfferView:
        """The standing offer a link's token names (``NotFound`` once it lapsed)."""
        now = self._clock.now()

        async def work(uow: BookingUoW) -> OfferView | None:
            return await uow.repos.waitlist.offer_by_token(token_hash(offer_token), now)

        found = await self._tx.read(work)
        if found is None:
            raise NotFound()
        return found

    async def offer_freed_slot(self, event: AppointmentCanceled | AppointmentRescheduled) -> None:
        """A slot came free: the first matching waitlist request gets an offer that keeps
        the slot for them, by e-mail and (when they linked the bot) Telegram."""
        now = self._clock.now()

        async def work(uow: BookingUoW) -> None:
            freed = await uow.repos.appointments.get(uuid.UUID(event.aggregate_id))
            if freed is not None:
                await self._offer(uow, freed.service_id, freed.session.start, freed.blocked, now)

        await self._tx.write(work)

    async def _offer_again(self, uow: BookingUoW, released: ReleasedOffer, now: datetime) -> None:
        """An offer lapsed or was declined: the slot goes to the next request that waits
        for it, unless somebody took it meanwhile."""
        blocked = TimeRange(released.blocked_start, released.blocked_end)
        await self._offer(uow, released.service_id, released.offer_start_at, blocked, now)

    async def _offer(
        self, uow: BookingUoW, service_id: uuid.UUID, start: datetime, blocked: TimeRange,
        now: datetime,
    ) -> None:  # fmt: skip
        if start <= now:
            return
        # In turn with holds: a slot somebody took (or another offer keeps) meanwhile is
        # not offered.
        await uow.repos.appointments.lock_calendar()
        if await uow.repos.appointments.busy_in(blocked):
            return
        if await uow.repos.waitlist.standing_offers(blocked, now):
            return
        local = start.astimezone(self._zone)
        token = new_token()
        expires_at = min(now + WAITLIST_OFFER_LIFETIME, start)
        hold = OfferHold(start, blocked, expires_at, token_hash(token))
        offer = await uow.repos.waitlist.offer_first_matching(
            service_id, local.isoweekday(), part_of_day(local.hour), hold
        )
        if offer is None:
            return
        if offer.user_id is not None:
            name, email = await uow.repos.contacts.user_contact(offer.user_id)
            kind, recipient = "user", str(offer.user_id)
        elif offer.lead_id is not None:
            name, email = await uow.repos.leads.contact(offer.lead_id, offer.contact_identity_id)
            kind, recipient = "lead", str(offer.lead_id)
        else:  # pragma: no cover (the database requires one of them)
            return
        chat = await uow.repos.contacts.telegram_chat(offer.user_id, offer.lead_id)
        service = await uow.repos.services.get(service_id)
        if service is None:
            return
        variables = {
            # A guest's name is whatever was typed with somebody's address.
            "display_name": (name or "") if kind == "user" else "",
            "service_title": service.title,
            "start_local": local_time_label(start, self._zone.key),
            "booking_url": self._links.waitlist_offer(token),
            "offer_expires_local": local_time_label(expires_at, self._zone.key),
        }
        addresses = {"email": email, "telegram": str(chat) if chat is not None else None}
        for channel, to in addresses.items():
            if to is None:
                continue
            await uow.notifications.enqueue(
                NotificationRequest(
                    channel=channel,
                    template_code="waitlist.offer",
                    recipient_kind=kind,
                    recipient_id=recipient,
                    dedupe_key=f"waitlist:{offer.id}:offer:{channel}",
                    to=to,
                    variables=variables,
                )
            )

    async def expire_offers(self, now: datetime) -> int:
        """Job: mark lapsed offers expired and offer each slot to the next in line."""

        async def work(uow: BookingUoW) -> int:
            lapsed = await uow.repos.waitlist.expire_offers(now - WAITLIST_OFFER_LIFETIME)
            for released in lapsed:
                await self._offer_again(uow, released, now)
            return len(lapsed)

        return await self._tx.write(work)
