"""What the CRM needs from storage: the lead directory every entry point uses to make
a lead, and the staff's reads and writes of leads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from app.domain.crm.contact import LeadContact, NewLead
from app.domain.crm.lead import Lead, LeadSummary

Consent = tuple[str, bool, str]
"""(consent type, granted, document version)."""


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

    async def leads(self, status: str | None, q: str | None, limit: int) -> list[LeadSummary]: ...

    async def lead(self, lead_id: uuid.UUID) -> Lead | None: ...

    async def update(
        self, lead_id: uuid.UUID, version: int, status: str, assigned_to: uuid.UUID | None
    ) -> bool: ...

    async def convert(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> bool: ...

    async def merge(self, source_id: uuid.UUID, target_id: uuid.UUID) -> bool: ...
