"""The diary's storage in memory: entries scoped to their author, optimistic locking,
the consents each user answered (latest answer wins)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import msgspec

from app.application.cabinet.ports import DiaryEntry, DiaryEntryInput
from tests.unit.memory import ManualClock, RollbackUnitOfWork


@dataclass
class DiaryState:
    entries: dict[uuid.UUID, tuple[uuid.UUID, DiaryEntry]] = field(default_factory=dict)
    consents: dict[uuid.UUID, list[bool]] = field(default_factory=dict)  # health_data answers


class FakeDiaryStore:
    def __init__(self, state: DiaryState, clock: ManualClock) -> None:
        self._state = state
        self._clock = clock

    async def has_health_consent(self, user_id: uuid.UUID) -> bool:
        answers = self._state.consents.get(user_id, [])
        return bool(answers) and answers[-1]

    async def entries(self, user_id: uuid.UUID, date_from: date, date_to: date) -> list[DiaryEntry]:
        found = [
            e for owner, e in self._state.entries.values()
            if owner == user_id and date_from <= e.entry_date <= date_to
        ]  # fmt: skip
        return sorted(found, key=lambda e: (e.entry_date, e.created_at), reverse=True)

    async def entry(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> DiaryEntry | None:
        owner, found = self._state.entries.get(entry_id, (None, None))
        return found if owner == user_id else None

    async def add(self, user_id: uuid.UUID, entry: DiaryEntryInput) -> uuid.UUID:
        now = self._clock.now()
        stored = DiaryEntry(
            id=uuid.uuid4(), entry_date=entry.entry_date, mood=entry.mood, text=entry.text,
            tags=entry.tags, created_at=now, updated_at=now, version=1,
        )  # fmt: skip
        self._state.entries[stored.id] = (user_id, stored)
        return stored.id

    async def update(
        self, user_id: uuid.UUID, entry_id: uuid.UUID, version: int, entry: DiaryEntryInput
    ) -> bool:
        found = await self.entry(user_id, entry_id)
        if found is None or found.version != version:
            return False
        self._state.entries[entry_id] = (
            user_id,
            msgspec.structs.replace(
                found, entry_date=entry.entry_date, mood=entry.mood, text=entry.text,
                tags=entry.tags, updated_at=self._clock.now(), version=version + 1,
            ),
        )  # fmt: skip
        return True

    async def delete(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> bool:
        if await self.entry(user_id, entry_id) is None:
            return False
        del self._state.entries[entry_id]
        return True


def diary_world(clock: ManualClock) -> tuple[DiaryState, RollbackUnitOfWork[FakeDiaryStore]]:
    state = DiaryState()
    return state, RollbackUnitOfWork(FakeDiaryStore(state, clock), state)
