"""A person's contacts as given to the CRM; leads merge by their normalised forms."""

from __future__ import annotations

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
