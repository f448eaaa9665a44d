"""Safe stand-ins for the platform's assistant ports until real ones are wired: no
client has an ``ai_processing`` consent (so no client text reaches a model), the gate
admits nobody, and conversations are owned in this process only."""

from __future__ import annotations

import uuid

from app.application.assistants.ports import ModelNotAdmitted
from app.domain.errors import Forbidden


class NoAiConsent:
    async def granted(self, user_id: uuid.UUID) -> bool:
        return False


class ClosedGate:
    async def admit(self, caller: str) -> None:
        raise ModelNotAdmitted("off", 0)

    async def spend(self, tokens: int) -> None:
        return None


class ProcessConversationOwners:
    """Owners kept in memory (one process); the Postgres adapter replaces it."""

    def __init__(self) -> None:
        self._owners: dict[str, uuid.UUID] = {}

    async def claim(self, thread_id: str, user_id: uuid.UUID, assistant: str) -> None:
        if self._owners.setdefault(thread_id, user_id) != user_id:
            raise Forbidden("this conversation belongs to someone else")

    async def owner(self, thread_id: str) -> uuid.UUID | None:
        return self._owners.get(thread_id)
