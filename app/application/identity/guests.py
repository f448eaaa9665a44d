"""Guests are people too. The e-mail a guest gives with a booking is a claim until a
link sent to that address is opened. Signing in with a login code proves the address
for the account; the guests' bookings made with it join the account only once their
claim is proven too: at sign-in, if there are unproven ones, a link is e-mailed to the
address, and opening it proves the claims made before it was sent. A guest also asks
for an export or erasure of their data through a link sent to the address."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

import structlog

from app.application.identity.guest_ports import GuestLink
from app.application.identity.personal_data import UpcomingAppointments, bind_subject
from app.application.identity.ports import IdentityUoW
from app.application.ports import AuditEntry, Clock, NotificationRequest
from app.application.transactions import in_transaction
from app.domain.errors import NotFound
from app.domain.identity.model import new_token
from app.domain.identity.tokens import token_hash
from app.domain.shared.contact import Email
from app.domain.shared.ids import new_id
from app.domain.shared.links import SiteLinks

logger = structlog.get_logger(__name__)

CONTACT_LINK_LIFETIME = timedelta(days=3)
REQUEST_LINK_LIFETIME = timedelta(hours=24)
EXPORT_LINK_LIFETIME = timedelta(days=3)
REQUESTS_PER_DAY = 3
"""Links e-mailed to one address per kind in 24 hours; more are silently not sent."""

RequestKind = Literal["export", "erasure"]
REQUEST_TEXT = {"export": "выгрузку ваших данных", "erasure": "удаление ваших данных"}


async def attach_proven_guests(
    uow: IdentityUoW, user_id: uuid.UUID, email_normalized: str, now: datetime
) -> int:
    """Attach to the account the guests' leads that proved this address (the account
    proved it too: a login code). A lead whose e-mail is still a claim stays apart.
    Each attach is on the lead's timeline (P0) and in the audit log; returns the count."""
    attached = 0
    for lead_id in await uow.repos.guests.guest_leads(email_normalized, verified_only=True):
        done = await uow.repos.guests.attach(lead_id, user_id)
        if done is None:
            continue
        attached += 1
        await uow.audit.record(
            AuditEntry(
                actor_id=str(user_id), actor_role="client", action="guest_records.attached",
                entity_type="lead", entity_id=str(lead_id),
                details={"user_id": str(user_id), "appointments": done.appointments,
                         "waitlist_requests": done.waitlist_requests, "consents": done.consents},
            )
        )  # fmt: skip
    if attached:
        logger.info("guest_records_attached", user_id=str(user_id), leads=attached)
    return attached


async def offer_unproven_guests(
    uow: IdentityUoW, links: SiteLinks, email: str, email_normalized: str, now: datetime
) -> None:
    """Guests' bookings that gave this address without proving it stay apart; the
    address gets a link to prove them (at most ``REQUESTS_PER_DAY`` a day)."""
    leads = await uow.repos.guests.guest_leads(email_normalized, verified_only=False)
    if not leads:
        return
    since = now - timedelta(days=1)
    if await uow.repos.guests.links_sent_since(email_normalized, "contact", since) >= (
        REQUESTS_PER_DAY
    ):
        return
    token, expires_at = new_token(), now + CONTACT_LINK_LIFETIME
    link = GuestLink(id=new_id(), kind="contact", email_normalized=email_normalized,
                     created_at=now)  # fmt: skip
    await uow.repos.guests.add_link(link, token_hash(token), expires_at)
    await uow.notifications.enqueue(
        NotificationRequest(
            channel="email", template_code="identity.guest_records_confirm",
            recipient_kind="lead", recipient_id=str(leads[0]),
            dedupe_key=f"guest_link:{link.id}:email", to=email,
            variables={"bookings_count": str(len(leads)),
                       "confirm_url": links.contact_confirm(token),
                       "expires_local": expires_at.strftime("%d.%m.%Y %H:%M UTC")},
        )
    )  # fmt: skip


class Guests:
    def __init__(
        self, uow: Callable[[], IdentityUoW], clock: Clock, links: SiteLinks,
        upcoming: UpcomingAppointments | None = None,
    ) -> None:  # fmt: skip
        self._uow = uow
        self._clock = clock
        self._links = links
        self._upcoming = upcoming

    # --- proving the address the guests' bookings gave ------------------------------

    async def confirm_contact(self, token: str) -> int:
        """The link sent at sign-in was opened: the guests' claims on the address made
        before it was sent are proven, and join the account that proved the address.
        Returns how many guests' leads joined."""

        async def work(uow: IdentityUoW) -> int:
            now = self._clock.now()
            link = await uow.repos.guests.take_link(token_hash(token), now)
            if link is None or link.kind != "contact":
                raise NotFound("This link is not valid any more.")
            await uow.repos.guests.verify_emails(link.email_normalized, link.created_at, now)
            user_id = await uow.repos.guests.verified_user(link.email_normalized)
            if user_id is None:
                return 0
            return await attach_proven_guests(uow, user_id, link.email_normalized, now)

        return await in_transaction(self._uow, work)

    async def offer_proof(self, user_id: uuid.UUID) -> None:
        """After an e-mail sign-in: guests' bookings that gave the account's address
        without proving it get a link e-mailed to the address (nothing joins yet)."""

        async def work(uow: IdentityUoW) -> None:
            user = await uow.repos.users.get(user_id)
            if user is None or user.email is None or user.email_verified_at is None:
                return
            email = user.email
            await offer_unproven_guests(uow, self._links, email.value, email.normalized,
                                        self._clock.now())  # fmt: skip

        await in_transaction(self._uow, work)

    # --- a guest's export and erasure --------------------------------------------------

    async def request(self, raw_email: str, kind: RequestKind) -> None:
        """Send a confirmation link when guests' records carry the address. The caller
        gets the same answer either way (unknown address, over the limit, or sent)."""
        email = Email(raw_email)

        async def work(uow: IdentityUoW) -> None:
            now = self._clock.now()
            leads = await uow.repos.guests.guest_leads(email.normalized, verified_only=False)
            if not leads:
                return
            sent = await uow.repos.guests.links_sent_since(
                email.normalized, kind, now - timedelta(days=1)
            )
            if sent >= REQUESTS_PER_DAY:
                logger.info("guest_request_limited", kind=kind)
                return
            token, expires_at = new_token(), now + REQUEST_LINK_LIFETIME
            link = GuestLink(id=new_id(), kind=kind, email_normalized=email.normalized,
                             created_at=now)  # fmt: skip
            await uow.repos.guests.add_link(link, token_hash(token), expires_at)
            await uow.notifications.enqueue(
                NotificationRequest(
                    channel="email", template_code="privacy.guest_request",
                    recipient_kind="lead", recipient_id=str(leads[0]),
                    dedupe_key=f"guest_request:{link.id}:email", to=email.value,
                    variables={"request_text": REQUEST_TEXT[kind],
                               "confirm_url": self._links.data_request(token),
                               "expires_local": expires_at.strftime("%d.%m.%Y %H:%M UTC")},
                )
            )  # fmt: skip

        await in_transaction(self._uow, work)

    async def confirm_request(self, token: str) -> RequestKind:
        """Run a request confirmed from the mailbox, over every guest's lead that gave
        the address: an export is built and its download link e-mailed; an erasure runs
        every context's step (upcoming appointments are cancelled under the policy)."""

        async def work(uow: IdentityUoW) -> tuple[GuestLink, list[uuid.UUID]]:
            now = self._clock.now()
            link = await uow.repos.guests.take_link(token_hash(token), now)
            if link is None or link.kind not in ("export", "erasure"):
                raise NotFound("This link is not valid any more.")
            leads = await uow.repos.guests.guest_leads(link.email_normalized, verified_only=False)
            if link.kind == "export":
                await self._export(uow, link, leads, now)
            return link, leads

        link, leads = await in_transaction(self._uow, work)
        if link.kind == "export":
            return "export"
        # An erasure: the upcoming appointments are cancelled first (the policy's refund
        # and the message, committed on their own while the address still exists), then
        # every section anonymises its part.
        if self._upcoming is not None and leads:
            await self._upcoming.cancel_upcoming(None, tuple(leads))

        async def erase(uow: IdentityUoW) -> RequestKind:
            await self._erase(uow, link, leads, self._clock.now())
            return "erasure"

        return await in_transaction(self._uow, erase)

    async def _export(
        self, uow: IdentityUoW, link: GuestLink, leads: list[uuid.UUID], now: datetime
    ) -> None:
        sections = uow.repos.personal_data
        subject = await bind_subject(sections, None, leads)
        archive = {
            "generated_at": now.isoformat(),
            "sections": {s.name: await s.export(subject) for s in sections},
        }
        download, expires_at = new_token(), now + EXPORT_LINK_LIFETIME
        await uow.repos.guests.store_export(
            link.id, json.dumps(archive, ensure_ascii=False, default=str),
            token_hash(download), expires_at,
        )  # fmt: skip
        await uow.notifications.enqueue(
            NotificationRequest(
                channel="email", template_code="privacy.guest_export_ready",
                recipient_kind="lead", recipient_id=str(leads[0]) if leads else str(link.id),
                dedupe_key=f"guest_request:{link.id}:export_ready:email",
                to=link.email_normalized,
                variables={"download_url": self._links.data_download(download),
                           "expires_local": expires_at.strftime("%d.%m.%Y %H:%M UTC")},
            )
        )  # fmt: skip
        await uow.audit.record(
            AuditEntry(actor_id=None, actor_role="guest", action="guest.export",
                       entity_type="guest_request", entity_id=str(link.id),
                       details={"leads": len(leads)})
        )  # fmt: skip

    async def _erase(
        self, uow: IdentityUoW, link: GuestLink, leads: list[uuid.UUID], now: datetime
    ) -> None:
        counts: dict[str, int] = {}
        sections = uow.repos.personal_data
        subject = await bind_subject(sections, None, leads)
        if leads:
            for section in sections:
                for table, n in (await section.erase(subject)).items():
                    counts[table] = counts.get(table, 0) + n
        await uow.repos.guests.forget_address(link.email_normalized)
        await uow.audit.record(
            AuditEntry(actor_id=None, actor_role="guest", action="guest.erase",
                       entity_type="guest_request", entity_id=str(link.id), details=counts)
        )  # fmt: skip
        logger.info("guest_erased", request_id=str(link.id), leads=len(leads))

    async def download(self, token: str) -> dict[str, Any]:
        async def work(uow: IdentityUoW) -> str | None:
            return await uow.repos.guests.take_export(token_hash(token), self._clock.now())

        archive = await in_transaction(self._uow, work)
        if archive is None:
            raise NotFound("No download is available for this link.")
        loaded: dict[str, Any] = json.loads(archive)
        return loaded
