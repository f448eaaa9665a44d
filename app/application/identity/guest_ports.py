"""What the guests' use cases need from storage: the links e-mailed to a guest's address,
the proof they give, and the guests' leads that may join an account."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

import msgspec


class GuestLink(msgspec.Struct, frozen=True, kw_only=True):
    """A link e-mailed to a guest's address (its token is only in the e-mail)."""

    id: uuid.UUID
    kind: str
    """contact (prove the address for the guests' bookings), export or erasure."""
    email_normalized: str
    created_at: datetime


class AttachedLead(msgspec.Struct, frozen=True, kw_only=True):
    """A guest's lead that joined an account, with what came with it (P0 counts)."""

    lead_id: uuid.UUID
    appointments: int
    waitlist_requests: int
    consents: int


class GuestRecords(Protocol):
    async def add_link(self, link: GuestLink, token_hash: bytes, expires_at: datetime) -> None: ...

    async def links_sent_since(self, email_normalized: str, kind: str, since: datetime) -> int: ...

    async def take_link(self, token_hash: bytes, now: datetime) -> GuestLink | None:
        """The unexpired, unused link with this token, spent by taking it."""
        ...

    async def verify_emails(self, email_normalized: str, before: datetime, now: datetime) -> None:
        """The guests' claims on the address made up to ``before`` are proven."""
        ...

    async def guest_leads(self, email_normalized: str, verified_only: bool) -> list[uuid.UUID]:
        """Guests' leads (no account, not merged) that gave the address."""
        ...

    async def verified_user(self, email_normalized: str) -> uuid.UUID | None:
        """The active account whose address a login code proved."""
        ...

    async def attach(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> AttachedLead | None:
        """Convert the lead to the account with its appointments, waitlist requests and
        consents, and record it on the lead's timeline (None if it was taken meanwhile)."""
        ...

    async def store_export(
        self, link_id: uuid.UUID, archive: str, download_hash: bytes, expires_at: datetime
    ) -> None: ...

    async def take_export(self, download_hash: bytes, now: datetime) -> str | None:
        """The archive, once: it is removed as it is handed over."""
        ...

    async def forget_address(self, email_normalized: str) -> None: ...
