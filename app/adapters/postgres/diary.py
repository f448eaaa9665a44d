"""The diary in PostgreSQL: the body (mood, text, tags) in one envelope bound to its row."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.adapters.postgres.session import Session
from app.application.cabinet.ports import DiaryEntry, DiaryEntryInput
from app.application.identity.personal_data import DataSubject
from app.domain.shared.ids import new_id

TABLE, COLUMN = "diary_entries", "body_encrypted"


class PostgresDiaryStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.cabinet

    def _seal(self, entry: DiaryEntryInput, entry_id: uuid.UUID) -> str:
        body = {"mood": entry.mood, "text": entry.text, "tags": list(entry.tags)}
        return self._s.encrypt(json.dumps(body, ensure_ascii=False), TABLE, COLUMN, entry_id)

    def _out(self, row: Mapping[str, Any]) -> DiaryEntry:
        body = json.loads(self._s.decrypt(row["body_encrypted"], TABLE, COLUMN, row["id"]))
        return DiaryEntry(
            id=row["id"], entry_date=row["entry_date"], mood=body.get("mood"),
            text=body.get("text", ""), tags=tuple(body.get("tags", ())),
            created_at=row["created_at"], updated_at=row["updated_at"], version=row["version"],
        )  # fmt: skip

    async def has_health_consent(self, user_id: uuid.UUID) -> bool:
        history = self._s.queries.identity.consent_history(self._s.conn, user_id=user_id)
        latest = [row["granted"] async for row in history if row["consent_type"] == "health_data"]
        return bool(latest) and bool(latest[-1])

    async def entries(self, user_id: uuid.UUID, date_from: date, date_to: date) -> list[DiaryEntry]:
        rows = self._q.list_entries(
            self._s.conn, user_id=user_id, date_from=date_from, date_to=date_to
        )
        return [self._out(r) async for r in rows]

    async def entry(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> DiaryEntry | None:
        row = await self._q.get_entry(self._s.conn, id=entry_id, user_id=user_id)
        return self._out(row) if row else None

    async def add(self, user_id: uuid.UUID, entry: DiaryEntryInput) -> uuid.UUID:
        entry_id = new_id()
        await self._q.insert_entry(
            self._s.conn, id=entry_id, user_id=user_id, entry_date=entry.entry_date,
            body_encrypted=self._seal(entry, entry_id), now=self._s.clock.now(),
        )  # fmt: skip
        return entry_id

    async def update(
        self, user_id: uuid.UUID, entry_id: uuid.UUID, version: int, entry: DiaryEntryInput
    ) -> bool:
        row = await self._q.update_entry(
            self._s.conn, id=entry_id, user_id=user_id, version=version,
            entry_date=entry.entry_date, body_encrypted=self._seal(entry, entry_id),
            now=self._s.clock.now(),
        )  # fmt: skip
        return row is not None

    async def delete(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> bool:
        return bool(await self._q.delete_entry(self._s.conn, id=entry_id, user_id=user_id))


class DiaryPersonalData:
    """The diary in the export, decrypted; erasure destroys it."""

    name = "diary"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.cabinet

    async def bind(self, subject: DataSubject) -> DataSubject:
        return subject

    async def export(self, subject: DataSubject) -> object:
        entries = []
        async for row in self._q.export_entries(self._s.conn, user_id=subject.user_id):
            body = json.loads(self._s.decrypt(row["body_encrypted"], TABLE, COLUMN, row["id"]))
            dates = {"created_at": row["created_at"], "updated_at": row["updated_at"]}
            entries.append({"entry_date": row["entry_date"], **body, **dates})
        return {"entries": entries}

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        erased = await self._q.erase_entries(self._s.conn, user_id=subject.user_id)
        return {"diary_entries": int(erased)}
