"""A person's contacts as given to the CRM: claims, never proof of who they are.

A public request makes a lead of its own with them; two leads sharing a normalised
contact are only a suggestion for staff, who may merge them (audited)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.domain.shared.contact import Email, Phone


@dataclass(frozen=True, slots=True)
class LeadContact:
    """What a person gave: a name and at least one of e-mail, phone, Telegram."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    telegram: str | None = None

    def identities(self) -> list[tuple[str, str, str]]:
        """(kind, value as given, normalised value); raises on a malformed one."""
        found = []
        if self.email:
            email = Email(self.email)
            found.append(("email", email.value, email.normalized))
        if self.phone:
            found.append(("phone", self.phone, Phone(self.phone).normalized))
        if self.telegram:
            handle = self.telegram.strip()
            found.append(("telegram", handle, handle.lstrip("@").lower()))
        return found


@dataclass(frozen=True, slots=True)
class NewLead:
    """A lead just made for one request, and the e-mail identity given with it (the
    only address messages about that request may go to)."""

    lead_id: uuid.UUID
    email_identity_id: uuid.UUID | None
