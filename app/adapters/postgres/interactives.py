"""Interactives in PostgreSQL: definitions, versions and runs (aggregates only), and the
export/erasure section for runs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from app.adapters.postgres.crm import PostgresLeadStore
from app.adapters.postgres.session import Session
from app.domain.crm.contact import LeadContact
from app.domain.interactives.scoring import Outcome
from app.domain.shared.ids import new_id

Row = dict[str, Any]


class PostgresInteractiveStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.interactives

    async def published(self) -> list[Row]:
        return [dict(r) async for r in self._q.list_published(self._s.conn)]

    async def published_one(self, slug: str) -> Row | None:
        row = await self._q.get_published(self._s.conn, slug=slug)
        return dict(row) if row else None

    async def add_run(
        self, definition_id: uuid.UUID, version_id: uuid.UUID, user_id: uuid.UUID | None,
        anonymous_id: str | None, metadata: Row,
    ) -> uuid.UUID:  # fmt: skip
        run_id = new_id()
        await self._q.insert_run(
            self._s.conn, id=run_id, definition_id=definition_id, version_id=version_id,
            user_id=user_id, anonymous_id=anonymous_id, metadata=Jsonb(metadata),
            now=self._s.clock.now(),
        )  # fmt: skip
        return run_id

    async def lock_run(self, run_id: uuid.UUID) -> Row | None:
        row = await self._q.lock_run(self._s.conn, id=run_id)
        return dict(row) if row else None

    async def complete_run(self, run_id: uuid.UUID, outcome: Outcome, duration_ms: int) -> None:
        await self._q.complete_run(
            self._s.conn, id=run_id, result_level=outcome.result_level,
            result_profile=outcome.result_profile, crisis_triggered=outcome.crisis_triggered,
            duration_ms=duration_ms, now=self._s.clock.now(),
        )  # fmt: skip

    async def claim(self, user_id: uuid.UUID, anonymous_id: str) -> int:
        return int(
            await self._q.claim_runs(self._s.conn, user_id=user_id, anonymous_id=anonymous_id)
        )

    async def runs_of(self, user_id: uuid.UUID) -> list[Row]:
        return [dict(r) async for r in self._q.runs_of_user(self._s.conn, user_id=user_id)]

    async def abandon(self, before: datetime) -> int:
        return int(await self._q.abandon_runs(self._s.conn, before=before))

    async def recommended(
        self, content: Sequence[str], services: Sequence[str]
    ) -> tuple[list[Row], list[Row]]:
        conn = self._s.conn
        items = (
            [dict(r) async for r in self._q.published_content(conn, slugs=list(content))]
            if content
            else []
        )
        offered = (
            [dict(r) async for r in self._q.published_services(conn, slugs=list(services))]
            if services
            else []
        )
        return items, offered

    async def record_event(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None, props: Row
    ) -> None:
        await self._s.queries.analytics.record(
            self._s.conn, event_name=name, occurred_at=self._s.clock.now(), user_id=user_id,
            anonymous_id=anonymous_id, deep_link_code=None, props=Jsonb(props),
        )  # fmt: skip

    async def crisis_resources(self) -> Row:
        row = await self._s.queries.admin.get_setting(self._s.conn, key="crisis.resources")
        value = row["value"] if row else None
        return value if isinstance(value, dict) else {}

    async def lead_for(
        self, contact: LeadContact, consents: Sequence[tuple[str, bool, str]], slug: str,
        result: str,
    ) -> uuid.UUID:  # fmt: skip
        leads = PostgresLeadStore(self._s)
        lead_id = await leads.find_or_create(
            "interactive", contact, consents, {"entry_point": "interactive", "page": slug}
        )
        await leads.add_event(
            lead_id, "interactive.completed", {"interactive": slug, "result": result}
        )
        return lead_id

    async def definitions(self) -> list[Row]:
        return [dict(r) async for r in self._q.list_definitions(self._s.conn)]

    async def definition(self, definition_id: uuid.UUID) -> Row | None:
        row = await self._q.get_definition(self._s.conn, id=definition_id)
        return dict(row) if row else None

    async def add_definition(
        self, slug: str, interactive_type: str, title: str, description: str | None,
        topic_code: str | None,
    ) -> uuid.UUID:  # fmt: skip
        definition_id = new_id()
        await self._q.insert_definition(
            self._s.conn, id=definition_id, slug=slug, interactive_type=interactive_type,
            title=title, description=description, topic_code=topic_code,
            now=self._s.clock.now(),
        )  # fmt: skip
        return definition_id

    async def update_definition(
        self, definition_id: uuid.UUID, version: int, title: str, description: str | None,
        topic_code: str | None,
    ) -> bool:  # fmt: skip
        row = await self._q.update_definition(
            self._s.conn, id=definition_id, version=version, title=title,
            description=description, topic_code=topic_code, now=self._s.clock.now(),
        )  # fmt: skip
        return row is not None

    async def add_version(
        self, definition_id: uuid.UUID, config: Row, created_by: uuid.UUID
    ) -> int | None:
        row = await self._q.insert_version(
            self._s.conn, id=new_id(), definition_id=definition_id, config=Jsonb(config),
            created_by=created_by, now=self._s.clock.now(),
        )  # fmt: skip
        return None if row is None else int(row["version_no"])

    async def version(self, definition_id: uuid.UUID, version_no: int) -> Row | None:
        row = await self._q.get_version(
            self._s.conn, definition_id=definition_id, version_no=version_no
        )
        return dict(row) if row else None

    async def publish(self, definition_id: uuid.UUID, version_id: uuid.UUID) -> bool:
        row = await self._q.publish_version(
            self._s.conn, id=definition_id, version_id=version_id, now=self._s.clock.now()
        )
        return row is not None

    async def archive(self, definition_id: uuid.UUID) -> bool:
        row = await self._q.archive_definition(
            self._s.conn, id=definition_id, now=self._s.clock.now()
        )
        return row is not None


class InteractivesPersonalData:
    """Runs in the export (aggregates only: there are no answers to give); erasure
    deletes them, since which self-checks a person took is itself sensitive."""

    name = "interactives"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.interactives

    async def export(self, user_id: uuid.UUID) -> object:
        return {
            "runs": [dict(r) async for r in self._q.runs_of_user(self._s.conn, user_id=user_id)]
        }

    async def erase(self, user_id: uuid.UUID) -> dict[str, int]:
        return {"interactive_runs": int(await self._q.erase_runs(self._s.conn, user_id=user_id))}
