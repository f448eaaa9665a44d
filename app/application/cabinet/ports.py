"""What the client's diary needs from storage, and the entry it reads back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import msgspec


@dataclass(frozen=True, slots=True)
class DiaryEntryInput:
    entry_date: date
    text: str
    mood: int | None = None
    tags: tuple[str, ...] = ()


class DiaryEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An entry as its author reads it (the body decrypted)."""

    id: uuid.UUID
    entry_date: date
    mood: int | None
    text: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    version: int


class DiaryStore(Protocol):
    """Every read and write is scoped to the author: another user's entry is not found."""

    async def has_health_consent(self, user_id: uuid.UUID) -> bool:
        """The user's latest answer about ``health_data`` (none given is no)."""
        ...

    async def entries(self, user_id: uuid.UUID, date_from: date, date_to: date) -> list[DiaryEntry]:
        """Between two days, both included; the latest day first."""
        ...

    async def entry(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> DiaryEntry | None: ...

    async def add(self, user_id: uuid.UUID, entry: DiaryEntryInput) -> uuid.UUID: ...

    async def update(
        self, user_id: uuid.UUID, entry_id: uuid.UUID, version: int, entry: DiaryEntryInput
    ) -> bool:
        """False when the stored version is not ``version``."""
        ...

    async def delete(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> bool: ...
