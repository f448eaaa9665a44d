"""Leads in PostgreSQL: found or created by identity from every entry point, their P0
timeline, encrypted notes, and the CRM's reads and writes; the export/erasure section."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.domain.crm.contact import LeadContact
from app.domain.crm.timeline import validate_event
from app.domain.shared.ids import new_id

Row = dict[str, Any]
NOTES = ("lead_notes", "body_encrypted")


class PostgresLeadStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.crm

    async def find_or_create(
        self, source: str, contact: LeadContact, consents: Sequence[tuple[str, bool, str]],
        first_touch: Row,
    ) -> uuid.UUID:  # fmt: skip
        """The lead any of these identities already belongs to, else a new one; the
        identities and consents are added to it."""
        identities = contact.identities()
        now = self._s.clock.now()
        for kind, _, normalized in sorted(identities):
            await self._q.lock_identity(self._s.conn, key=f"{kind}:{normalized}")
        lead_id: uuid.UUID | None = None
        for kind, _, normalized in identities:
            row = await self._q.find_lead_by_identity(
                self._s.conn, kind=kind, value_normalized=normalized
            )
            if row is not None:
                lead_id = row["id"]
                break
        if lead_id is None:
            lead_id = new_id()
            await self._q.insert_lead(
                self._s.conn, id=lead_id, source=source, display_name=contact.name,
                first_touch=Jsonb(first_touch), now=now,
            )  # fmt: skip
        await self.add_identities(lead_id, contact)
        for consent_type, granted, version in consents:
            await self._q.insert_lead_consent(
                self._s.conn, id=new_id(), lead_id=lead_id, consent_type=consent_type,
                granted=granted, document_version=version, now=now,
            )  # fmt: skip
        return lead_id

    async def add_identities(self, lead_id: uuid.UUID, contact: LeadContact) -> None:
        """Add the contacts to the lead (one already on another lead stays there)."""
        for kind, value, normalized in contact.identities():
            await self._q.insert_lead_identity(
                self._s.conn, id=new_id(), lead_id=lead_id, kind=kind, value=value,
                value_normalized=normalized, now=self._s.clock.now(),
            )  # fmt: skip

    async def add_event(self, lead_id: uuid.UUID, event_type: str, props: Row) -> None:
        """A timeline event; props are checked against the event type's allow-list."""
        await self._q.add_timeline_event(
            self._s.conn, id=new_id(), lead_id=lead_id, event_type=event_type,
            props=Jsonb(validate_event(event_type, props)), now=self._s.clock.now(),
        )  # fmt: skip

    async def add_note(self, lead_id: uuid.UUID, author_id: uuid.UUID | None, body: str) -> None:
        note_id = new_id()
        await self._q.insert_note(
            self._s.conn, id=note_id, lead_id=lead_id, author_id=author_id,
            body_encrypted=self._s.encrypt(body, *NOTES, note_id), now=self._s.clock.now(),
        )  # fmt: skip

    async def leads(self, status: str | None, q: str | None, limit: int) -> list[Row]:
        rows = self._q.list_leads(self._s.conn, status=status, q=q, limit=limit)
        return [dict(r) async for r in rows]

    async def lead(self, lead_id: uuid.UUID) -> Row | None:
        """The lead with identities, timeline and notes (decrypted)."""
        conn = self._s.conn
        row = await self._q.get_lead(conn, id=lead_id)
        if row is None:
            return None
        notes = [
            {"author_id": n["author_id"], "created_at": n["created_at"],
             "body": self._s.decrypt(n["body_encrypted"], *NOTES, n["id"])}
            async for n in self._q.lead_notes(conn, lead_id=lead_id)
        ]  # fmt: skip
        return {
            **dict(row),
            "identities": [dict(i) async for i in self._q.lead_identities(conn, lead_id=lead_id)],
            "timeline": [dict(e) async for e in self._q.lead_timeline(conn, lead_id=lead_id)],
            "notes": notes,
        }

    async def update(
        self, lead_id: uuid.UUID, version: int, status: str, assigned_to: uuid.UUID | None
    ) -> bool:
        row = await self._q.update_lead(
            self._s.conn, id=lead_id, version=version, status=status, assigned_to=assigned_to,
            now=self._s.clock.now(),
        )  # fmt: skip
        return row is not None

    async def convert(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        row = await self._q.convert_lead(
            self._s.conn, id=lead_id, user_id=user_id, now=self._s.clock.now()
        )
        return row is not None


class CrmPersonalData:
    """The leads that are this person (converted to them, or sharing a contact with the
    account): in the export with identities, timeline and notes; erasure removes their
    contact data, notes and timeline and keeps an empty row for the consent history."""

    name = "crm"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.crm

    async def _lead_ids(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        return [r["id"] async for r in self._q.leads_matching_user(self._s.conn, user_id=user_id)]

    async def export(self, user_id: uuid.UUID) -> object:
        store = PostgresLeadStore(self._s)
        leads = [await store.lead(lead_id) for lead_id in await self._lead_ids(user_id)]
        return {"leads": [lead for lead in leads if lead is not None]}

    async def erase(self, user_id: uuid.UUID) -> dict[str, int]:
        ids = await self._lead_ids(user_id)
        if ids:
            await self._q.erase_leads(self._s.conn, ids=ids, user_id=user_id)
        return {"leads": len(ids)}
