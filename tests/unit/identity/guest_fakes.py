"""In-memory fake of the guests' records (``GuestRecords``): guests' leads with the
e-mail they gave, the links e-mailed to an address, and what joined an account. Kept in
the identity fakes' ``Store``, so a use case that fails rolls them back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.application.identity.guest_ports import AttachedLead, GuestLink

if TYPE_CHECKING:
    from tests.unit.identity.fakes import Store

BOOKED_AT = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


@dataclass
class GuestLeadRow:
    """A guest's lead with the one e-mail identity it gave and one appointment."""

    email: str
    lead_id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = BOOKED_AT
    verified: bool = False
    user_id: uuid.UUID | None = None


@dataclass
class GuestLinkRow:
    link: GuestLink
    token_hash: bytes
    expires_at: datetime
    used: bool = False
    archive: str | None = None
    download_hash: bytes | None = None
    download_expires_at: datetime | None = None


@dataclass
class GuestTables:
    leads: list[GuestLeadRow] = field(default_factory=list)
    links: list[GuestLinkRow] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)


class FakeGuestRecords:
    def __init__(self, db: Store) -> None:
        self._db = db

    @property
    def _t(self) -> GuestTables:
        return self._db.guests

    async def add_link(self, link: GuestLink, token_hash: bytes, expires_at: datetime) -> None:
        self._t.links.append(GuestLinkRow(link, token_hash, expires_at))

    async def links_sent_since(self, email_normalized: str, kind: str, since: datetime) -> int:
        return sum(
            1 for r in self._t.links
            if r.link.email_normalized == email_normalized and r.link.kind == kind
            and r.link.created_at >= since
        )  # fmt: skip

    async def take_link(self, token_hash: bytes, now: datetime) -> GuestLink | None:
        for row in self._t.links:
            if row.token_hash == token_hash and not row.used and row.expires_at > now:
                row.used = True
                return row.link
        return None

    async def verify_emails(self, email_normalized: str, before: datetime, now: datetime) -> None:
        for lead in self._t.leads:
            if (
                lead.email == email_normalized
                and lead.user_id is None
                and lead.created_at <= before
            ):
                lead.verified = True

    async def guest_leads(self, email_normalized: str, verified_only: bool) -> list[uuid.UUID]:
        return [
            lead.lead_id for lead in self._t.leads
            if lead.email == email_normalized and lead.user_id is None
            and (lead.verified or not verified_only)
        ]  # fmt: skip

    async def verified_user(self, email_normalized: str) -> uuid.UUID | None:
        for user in self._db.users.values():
            if (user.email is not None and user.email.normalized == email_normalized
                    and user.email_verified_at is not None):  # fmt: skip
                return user.id
        return None

    async def attach(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> AttachedLead | None:
        for lead in self._t.leads:
            if lead.lead_id == lead_id and lead.user_id is None:
                lead.user_id = user_id
                return AttachedLead(lead_id=lead_id, appointments=1, waitlist_requests=0,
                                    consents=1)  # fmt: skip
        return None

    async def store_export(
        self, link_id: uuid.UUID, archive: str, download_hash: bytes, expires_at: datetime
    ) -> None:
        for row in self._t.links:
            if row.link.id == link_id:
                row.archive, row.download_hash = archive, download_hash
                row.download_expires_at = expires_at

    async def take_export(self, download_hash: bytes, now: datetime) -> str | None:
        for row in self._t.links:
            expires = row.download_expires_at
            if row.download_hash == download_hash and row.archive and expires and expires > now:
                archive, row.archive = row.archive, None
                return archive
        return None

    async def forget_address(self, email_normalized: str) -> None:
        self._t.links = [r for r in self._t.links if r.link.email_normalized != email_normalized]
        self._t.forgotten.append(email_normalized)
