"""Leads in PostgreSQL: found or created by identity from every entry point, their P0
timeline, encrypted notes, and the CRM's reads and writes; the export/erasure section."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.application.crm.ports import LeadPosition
from app.application.identity.personal_data import DataSubject
from app.domain.crm.contact import LeadContact, NewLead
from app.domain.crm.lead import (
    ClientMatch,
    Lead,
    LeadIdentity,
    LeadNote,
    LeadSummary,
    MergeSuggestion,
    TimelineEvent,
)
from app.domain.crm.timeline import validate_event
from app.domain.shared.ids import new_id

NOTES = ("lead_notes", "body_encrypted")


def _substring(q: str) -> str:
    """A LIKE pattern matching ``q`` anywhere, case-insensitively (the text it is
    matched against is lower-cased), ``q``'s own wildcards taken literally."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PostgresLeadStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.crm

    async def create(
        self, source: str, contact: LeadContact, consents: Sequence[tuple[str, bool, str]],
        first_touch: dict[str, Any],
    ) -> NewLead:  # fmt: skip
        """A new lead with the contacts and consents given. Contacts are claims: an
        existing lead with the same e-mail, phone or Telegram id is never joined or
        extended (staff merge leads explicitly, audited)."""
        now = self._s.clock.now()
        lead_id = new_id()
        await self._q.insert_lead(
            self._s.conn, id=lead_id, source=source, display_name=contact.name,
            first_touch=Jsonb(first_touch), now=now,
        )  # fmt: skip
        ids = await self.add_identities(lead_id, contact)
        for consent_type, granted, version in consents:
            await self._q.insert_lead_consent(
                self._s.conn, id=new_id(), lead_id=lead_id, consent_type=consent_type,
                granted=granted, document_version=version, now=now,
            )  # fmt: skip
        return NewLead(lead_id, ids.get("email"))

    async def add_identities(
        self, lead_id: uuid.UUID, contact: LeadContact
    ) -> dict[str, uuid.UUID]:
        """Add the contacts to the lead; the new identity ids by kind."""
        added: dict[str, uuid.UUID] = {}
        for kind, value, normalized in contact.identities():
            identity_id = new_id()
            await self._q.insert_lead_identity(
                self._s.conn, id=identity_id, lead_id=lead_id, kind=kind, value=value,
                value_normalized=normalized, now=self._s.clock.now(),
            )  # fmt: skip
            added[kind] = identity_id
        return added

    async def add_event(self, lead_id: uuid.UUID, event_type: str, props: dict[str, Any]) -> None:
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

    async def leads(
        self, status: str | None, q: str | None, limit: int, after: LeadPosition | None = None
    ) -> list[LeadSummary]:
        after_created_at, after_id = after if after is not None else (None, None)
        page = {"status": status, "limit": limit, "after_created_at": after_created_at,
                "after_id": after_id}  # fmt: skip
        if q:
            # Matches read from the trigram indexes (sql/crm/leads.sql: search_leads).
            rows = self._q.search_leads(self._s.conn, pattern=_substring(q), **page)
        else:
            rows = self._q.list_leads(self._s.conn, q=None, **page)
        return [LeadSummary(**r) async for r in rows]

    async def lead(self, lead_id: uuid.UUID) -> Lead | None:
        """The lead with identities, timeline and notes (decrypted)."""
        conn = self._s.conn
        row = await self._q.get_lead(conn, id=lead_id)
        if row is None:
            return None
        notes = [
            LeadNote(author_id=n["author_id"], created_at=n["created_at"],
                     body=self._s.decrypt(n["body_encrypted"], *NOTES, n["id"]))
            async for n in self._q.lead_notes(conn, lead_id=lead_id)
        ]  # fmt: skip
        q = self._q
        return Lead(
            **row,
            identities=[LeadIdentity(**i) async for i in q.lead_identities(conn, lead_id=lead_id)],
            timeline=[TimelineEvent(**e) async for e in q.lead_timeline(conn, lead_id=lead_id)],
            notes=notes,
            merge_suggestions=[
                MergeSuggestion(**r) async for r in q.merge_suggestions(conn, lead_id=lead_id)
            ],
        )

    async def update(
        self, lead_id: uuid.UUID, version: int, status: str, assigned_to: uuid.UUID | None
    ) -> bool:
        row = await self._q.update_lead(
            self._s.conn, id=lead_id, version=version, status=status, assigned_to=assigned_to,
            now=self._s.clock.now(),
        )  # fmt: skip
        return row is not None

    async def merge(self, source_id: uuid.UUID, target_id: uuid.UUID) -> bool:
        """Move everything of ``source_id`` to ``target_id`` (staff decided they are one
        person); False when either is missing or already merged."""
        row = await self._q.merge_leads(
            self._s.conn, source_id=source_id, target_id=target_id, now=self._s.clock.now()
        )
        return row is not None

    async def convert(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        row = await self._q.convert_lead(
            self._s.conn, id=lead_id, user_id=user_id, now=self._s.clock.now()
        )
        return row is not None

    async def add_booking_event(
        self, appointment_id: uuid.UUID, event_type: str, props: dict[str, Any]
    ) -> bool:
        row = await self._q.add_booking_event(
            self._s.conn, id=new_id(), appointment_id=appointment_id, event_type=event_type,
            props=Jsonb(validate_event(event_type, props)), now=self._s.clock.now(),
        )  # fmt: skip
        return row is not None

    async def find_by_contact(self, kind: str, normalized: str) -> list[ClientMatch]:
        conn = self._s.conn
        users = (
            self._q.users_with_email(conn, email=normalized) if kind == "email"
            else self._q.users_with_phone(conn, phone=normalized)
        )  # fmt: skip
        found = [
            ClientMatch(kind="user", id=r["id"], display_name=r["display_name"],
                        status=r["status"], verified=r["verified"])
            async for r in users
        ]  # fmt: skip
        leads = self._q.leads_with_contact(conn, kind=kind, value_normalized=normalized)
        found += [
            ClientMatch(kind="lead", id=r["id"], display_name=r["display_name"],
                        status=r["status"], verified=False)
            async for r in leads
        ]  # fmt: skip
        return found


class CrmPersonalData:
    """The leads that are this person — converted to them by staff, or attached to their
    linked Telegram account, never a lead that only shares a contact with the account:
    in the export with identities, timeline, notes and consents; erasure removes their
    contacts, notes, timeline and queued messages, moves their appointments to the
    account and keeps an empty row for the consent history."""

    name = "crm"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.crm

    async def bind(self, subject: DataSubject) -> DataSubject:
        rows = self._q.leads_matching_user(self._s.conn, user_id=subject.user_id)
        return subject.with_leads([r["id"] async for r in rows])

    async def export(self, subject: DataSubject) -> object:
        store, ids = PostgresLeadStore(self._s), list(subject.lead_ids)
        leads = []
        for lead_id in ids:
            lead = await store.lead(lead_id)
            if lead is not None:  # a lead merged into another is exported as that one
                # Other leads with the same contact are staff's hint, not this person's.
                found = _plain(lead)
                leads.append({k: v for k, v in found.items() if k != "merge_suggestions"})
        consents = self._q.export_lead_consents(self._s.conn, ids=ids)
        return {"leads": leads, "consents": [dict(r) async for r in consents]}

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        if subject.lead_ids:
            await self._q.erase_leads(
                self._s.conn, ids=list(subject.lead_ids), user_id=subject.user_id,
                now=self._s.clock.now(),
            )  # fmt: skip
        return {"leads": len(subject.lead_ids)}


def _plain(lead: Lead) -> dict[str, Any]:
    """The lead as the export writes it: nested dictionaries, values unchanged."""
    found = msgspec.structs.asdict(lead)
    for key in ("identities", "timeline", "notes", "merge_suggestions"):
        found[key] = [msgspec.structs.asdict(item) for item in found[key]]
    return found
