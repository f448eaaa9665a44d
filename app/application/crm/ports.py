"""What the CRM needs from storage: the lead directory every entry point uses to make
a lead, and the staff's reads and writes of leads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from app.domain.crm.contact import LeadContact, NewLead
from app.domain.crm.lead import ClientMatch, Lead, LeadSummary

Consent = tuple[str, bool, str]
"""(consent type, granted, document version)."""
LeadPosition = tuple[datetime, uuid.UUID]
"""Where a page of leads stopped: the last lead's (created_at, id)."""


class LeadDirectory(Protocol):
    """Leads as other contexts' use cases reach them (booking, self-checks, the bot)."""

    async def create(
        self, source: str, contact: LeadContact, consents: Sequence[Consent],
        first_touch: dict[str, Any],
    ) -> NewLead:  # fmt: skip
        """A new lead with these contacts and consents; never an existing one."""
        ...

    async def add_identities(
        self, lead_id: uuid.UUID, contact: LeadContact
    ) -> dict[str, uuid.UUID]: ...

    async def add_event(self, lead_id: uuid.UUID, event_type: str, props: dict[str, Any]) -> None:
        """A P0 timeline event; props are checked against the event type's allow-list."""
        ...


class LeadStore(LeadDirectory, Protocol):
    async def add_note(
        self, lead_id: uuid.UUID, author_id: uuid.UUID | None, body: str
    ) -> None: ...

    async def leads(
        self, status: str | None, q: str | None, limit: int, after: LeadPosition | None = None
    ) -> list[LeadSummary]:
        """Newest first; ``after``: the (created_at, id) of the last lead already shown."""
        ...

    async def lead(self, lead_id: uuid.UUID) -> Lead | None: ...

    async def update(
        self, lead_id: uuid.UUID, version: int, status: str, assigned_to: uuid.UUID | None
    ) -> bool: ...

    async def convert(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Link the lead to the (existing, not erased) account and move its appointments
        (with their intake forms) and waitlist requests to it; False when either is
        missing."""
        ...

    async def add_booking_event(
        self, appointment_id: uuid.UUID, event_type: str, props: dict[str, Any]
    ) -> bool:
        """A timeline event on the appointment's lead, once per appointment and type;
        False when the appointment has no lead or the event is already there."""
        ...

    async def find_by_contact(self, kind: str, normalized: str) -> list[ClientMatch]:
        """Accounts and (unmerged) leads whose e-mail or phone is exactly this one."""
        ...

    async def merge(self, source_id: uuid.UUID, target_id: uuid.UUID) -> bool: ...
