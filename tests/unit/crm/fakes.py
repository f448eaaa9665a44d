"""An in-memory lead store with the rules of the PostgreSQL one: every create makes a
new lead, events pass the timeline allow-list, merging moves everything to the target."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.crm.ports import Consent
from app.application.events import EventHandlers
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

NOW = datetime(2030, 1, 1, 10, tzinfo=UTC)


class MemoryLeadStore:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, dict[str, Any]] = {}
        self.identities: list[tuple[uuid.UUID, uuid.UUID, str, str, str]] = []
        self.events: list[tuple[uuid.UUID, str, dict[str, Any]]] = []
        self.notes: list[tuple[uuid.UUID, uuid.UUID | None, str]] = []
        self.consents: list[tuple[uuid.UUID, Consent]] = []
        # appointment id -> (lead id, client user id): the bookings leads made
        self.appointments: dict[uuid.UUID, list[uuid.UUID | None]] = {}
        # accounts by id: (display name, status, e-mail, phone, verified)
        self.users: dict[uuid.UUID, tuple[str | None, str, str | None, str | None, bool]] = {}

    async def create(
        self, source: str, contact: LeadContact, consents: Sequence[Consent],
        first_touch: dict[str, Any],
    ) -> NewLead:  # fmt: skip
        lead_id = uuid.uuid4()
        self.rows[lead_id] = {
            "id": lead_id, "status": "new", "source": source, "display_name": contact.name,
            "assigned_to": None, "converted_user_id": None, "first_touch": dict(first_touch),
            "created_at": NOW, "updated_at": NOW, "version": 1, "merged_into_id": None,
        }  # fmt: skip
        ids = await self.add_identities(lead_id, contact)
        self.consents.extend((lead_id, consent) for consent in consents)
        return NewLead(lead_id, ids.get("email"))

    async def add_identities(
        self, lead_id: uuid.UUID, contact: LeadContact
    ) -> dict[str, uuid.UUID]:
        added = {}
        for kind, value, normalized in contact.identities():
            added[kind] = identity_id = uuid.uuid4()
            self.identities.append((identity_id, lead_id, kind, value, normalized))
        return added

    async def add_event(self, lead_id: uuid.UUID, event_type: str, props: dict[str, Any]) -> None:
        self.events.append((lead_id, event_type, validate_event(event_type, props)))

    async def add_note(self, lead_id: uuid.UUID, author_id: uuid.UUID | None, body: str) -> None:
        self.notes.append((lead_id, author_id, body))

    def _live(self, lead_id: uuid.UUID) -> dict[str, Any] | None:
        row = self.rows.get(lead_id)
        return row if row is not None and row["merged_into_id"] is None else None

    async def leads(
        self, status: str | None, q: str | None, limit: int,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[LeadSummary]:  # fmt: skip
        found = sorted(
            (_summary(row) for row in self.rows.values()
             if row["merged_into_id"] is None and status in (None, row["status"])
             and (after is None or (row["created_at"], row["id"]) < after)),
            key=lambda lead: (lead.created_at, lead.id), reverse=True,
        )  # fmt: skip
        return found[:limit]

    async def lead(self, lead_id: uuid.UUID) -> Lead | None:
        row = self._live(lead_id)
        if row is None:
            return None
        mine = [i for i in self.identities if i[1] == lead_id]
        suggestions = sorted(
            {(o[1], o[2]) for m in mine for o in self.identities
             if o[1] != lead_id and (o[2], o[4]) == (m[2], m[4])}
        )  # fmt: skip
        return Lead(
            **msgspec.structs.asdict(_summary(row)),
            identities=[LeadIdentity(kind=i[2], value=i[3], created_at=NOW) for i in mine],
            timeline=[
                TimelineEvent(event_type=e[1], occurred_at=NOW, props=e[2])
                for e in self.events
                if e[0] == lead_id
            ],
            notes=[
                LeadNote(author_id=n[1], created_at=NOW, body=n[2])
                for n in self.notes
                if n[0] == lead_id
            ],
            merge_suggestions=[MergeSuggestion(id=s[0], kind=s[1]) for s in suggestions],
        )

    async def update(
        self, lead_id: uuid.UUID, version: int, status: str, assigned_to: uuid.UUID | None
    ) -> bool:
        row = self._live(lead_id)
        if row is None or row["version"] != version:
            return False
        row.update(status=status, assigned_to=assigned_to, version=version + 1)
        return True

    async def convert(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        row = self._live(lead_id)
        if row is None or user_id not in self.users or self.users[user_id][1] == "deleted":
            return False
        row.update(status="converted", converted_user_id=user_id, version=row["version"] + 1)
        for booking in self.appointments.values():
            if booking[0] == lead_id and booking[1] is None:
                booking[1] = user_id
        return True

    async def add_booking_event(
        self, appointment_id: uuid.UUID, event_type: str, props: dict[str, Any]
    ) -> bool:
        lead_id = self.appointments.get(appointment_id, [None])[0]
        if lead_id is None or any(
            e[0] == lead_id
            and e[1] == event_type
            and e[2].get("appointment") == str(appointment_id)
            for e in self.events
        ):
            return False
        self.events.append((lead_id, event_type, validate_event(event_type, props)))
        return True

    async def find_by_contact(self, kind: str, normalized: str) -> list[ClientMatch]:
        users = [
            ClientMatch(kind="user", id=user_id, display_name=u[0], status=u[1], verified=u[4])
            for user_id, u in self.users.items()
            if u[1] != "deleted" and (u[2] if kind == "email" else u[3]) == normalized
        ]
        leads = {
            i[1] for i in self.identities
            if (i[2], i[4]) == (kind, normalized) and self._live(i[1]) is not None
        }  # fmt: skip
        return users + [
            ClientMatch(kind="lead", id=lead_id, display_name=self.rows[lead_id]["display_name"],
                        status=self.rows[lead_id]["status"], verified=False)
            for lead_id in sorted(leads)
        ]  # fmt: skip

    async def merge(self, source_id: uuid.UUID, target_id: uuid.UUID) -> bool:
        source, target = self._live(source_id), self._live(target_id)
        if source is None or target is None:
            return False
        self.identities = [
            (i[0], target_id if i[1] == source_id else i[1], *i[2:]) for i in self.identities
        ]
        self.events = [(target_id if e[0] == source_id else e[0], *e[1:]) for e in self.events]
        self.notes = [(target_id if n[0] == source_id else n[0], *n[1:]) for n in self.notes]
        source.update(merged_into_id=target_id, display_name=None, status="lost")
        if target["converted_user_id"] is None and source["converted_user_id"] is not None:
            target.update(converted_user_id=source["converted_user_id"], status="converted")
        target["version"] += 1
        return True


def _summary(row: dict[str, Any]) -> LeadSummary:
    return LeadSummary(**{k: v for k, v in row.items() if k != "merged_into_id"})


def unit_of_work(store: MemoryLeadStore) -> InMemoryUnitOfWork[MemoryLeadStore]:
    return InMemoryUnitOfWork(store, InMemoryEventBus(EventHandlers()))
