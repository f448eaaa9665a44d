"""The registry through which every context exports and erases what it holds about a
person. Identity contributes the profile, consents and sessions; each later context
adds its own section (appointments, diary, runs, ...)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol


class PersonalDataSection(Protocol):
    """One context's part of a data-subject request, bound to the current transaction."""

    name: str

    async def export(self, user_id: uuid.UUID) -> Any:
        """Everything this context holds about the user, decrypted, as JSON-ready data."""
        ...

    async def erase(self, user_id: uuid.UUID) -> dict[str, int]:
        """Anonymise P1, destroy P2, keep de-identified accounting rows; return counts."""
        ...
