"""Interactives in PostgreSQL: definitions, versions and runs (aggregates only, the result
encrypted), and the export/erasure section for runs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.application.crm.ports import LeadDirectory
from app.application.identity.personal_data import DataSubject
from app.application.interactives.ports import (
    ContentLink,
    Definition,
    DefinitionVersion,
    InteractiveSummary,
    MyRun,
    PublishedInteractive,
    RunMetadata,
    RunToComplete,
    ServiceLink,
)
from app.domain.interactives.scoring import Outcome
from app.domain.shared.ids import new_id

RESULT = ("interactive_runs", "result_encrypted")


class PostgresInteractiveStore:
    """Interactives' repositories over one session, with the CRM's leads in the same
    transaction."""

    def __init__(self, session: Session, leads: LeadDirectory) -> None:
        self.runs = PostgresRunStore(session)
        self.definitions = PostgresDefinitionStore(session)
        self.leads = leads


class PostgresRunStore:
    """Runs: started, completed (the result encrypted), claimed, tidied; and what a
    result recommends."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.interactives

    async def published(self) -> list[InteractiveSummary]:
        rows = self._q.list_published(self._s.conn)
        return [msgspec.convert(r, InteractiveSummary) async for r in rows]

    async def published_one(self, slug: str) -> PublishedInteractive | None:
        row = await self._q.get_published(self._s.conn, slug=slug)
        return msgspec.convert(row, PublishedInteractive) if row else None

    async def add_run(
        self, definition_id: uuid.UUID, version_id: uuid.UUID, user_id: uuid.UUID | None,
        anonymous_id: str | None, metadata: RunMetadata, claim_token_hash: bytes | None = None,
    ) -> uuid.UUID:  # fmt: skip
        run_id = new_id()
        await self._q.insert_run(
            self._s.conn, id=run_id, definition_id=definition_id, version_id=version_id,
            user_id=user_id, anonymous_id=anonymous_id, claim_token_hash=claim_token_hash,
            metadata=Jsonb(dict(metadata)), now=self._s.clock.now(),
        )  # fmt: skip
        return run_id

    async def lock_run(self, run_id: uuid.UUID) -> RunToComplete | None:
        row = await self._q.lock_run(self._s.conn, id=run_id)
        return msgspec.convert(row, RunToComplete) if row else None

    async def complete_run(self, run_id: uuid.UUID, outcome: Outcome, duration_ms: int) -> None:
        sealed = _seal(self._s, run_id, outcome.result_level, outcome.result_profile,
                       outcome.crisis_triggered)  # fmt: skip
        await self._q.complete_run(
            self._s.conn, id=run_id, result_encrypted=sealed, duration_ms=duration_ms,
            now=self._s.clock.now(),
        )  # fmt: skip

    async def claim(
        self, user_id: uuid.UUID, anonymous_id: str, token_hashes: Sequence[bytes]
    ) -> int:
        claimed = await self._q.claim_runs(
            self._s.conn, user_id=user_id, anonymous_id=anonymous_id,
            token_hashes=list(token_hashes),
        )  # fmt: skip
        return int(claimed)

    async def runs_of(self, user_id: uuid.UUID) -> list[MyRun]:
        return [msgspec.convert(run, MyRun) for run in await _runs_of(self._s, user_id)]

    async def seal_legacy_results(self, limit: int) -> int:
        """Runs with a plaintext result from before 0035: the result moves into
        ``result_encrypted`` and the plaintext columns are cleared."""
        rows = [dict(r) async for r in self._q.legacy_results(self._s.conn, limit=limit)]
        for row in rows:
            sealed = None  # a run never completed has no result, only the old default flag
            if row["status"] == "completed":
                sealed = _seal(self._s, row["id"], row["result_level"], row["result_profile"],
                               bool(row["crisis_triggered"]))  # fmt: skip
            await self._q.seal_result(self._s.conn, id=row["id"], result_encrypted=sealed)
        return len(rows)

    async def abandon(self, before: datetime) -> int:
        return int(await self._q.abandon_runs(self._s.conn, before=before))

    async def recommended(
        self, content: Sequence[str], services: Sequence[str]
    ) -> tuple[list[ContentLink], list[ServiceLink]]:
        conn = self._s.conn
        items = (
            [
                msgspec.convert(r, ContentLink)
                async for r in self._q.published_content(conn, slugs=list(content))
            ]
            if content
            else []
        )
        offered = (
            [
                msgspec.convert(r, ServiceLink)
                async for r in self._q.published_services(conn, slugs=list(services))
            ]
            if services
            else []
        )
        return items, offered

    async def record_event(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None,
        props: Mapping[str, str],
    ) -> None:  # fmt: skip
        await self._s.queries.analytics.record(
            self._s.conn, event_name=name, occurred_at=self._s.clock.now(), user_id=user_id,
            anonymous_id=anonymous_id, deep_link_code=None, props=Jsonb(dict(props)),
        )  # fmt: skip

    async def crisis_resources(self) -> dict[str, Any]:
        row = await self._s.queries.admin.get_setting(self._s.conn, key="crisis.resources")
        value = row["value"] if row else None
        return value if isinstance(value, dict) else {}


class PostgresDefinitionStore:
    """Definitions and their immutable, numbered versions."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.interactives

    async def definitions(self) -> list[Definition]:
        rows = self._q.list_definitions(self._s.conn)
        return [msgspec.convert(r, Definition) async for r in rows]

    async def definition(self, definition_id: uuid.UUID) -> Definition | None:
        row = await self._q.get_definition(self._s.conn, id=definition_id)
        return msgspec.convert(row, Definition) if row else None

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
        self, definition_id: uuid.UUID, config: dict[str, Any], created_by: uuid.UUID
    ) -> int | None:
        row = await self._q.insert_version(
            self._s.conn, id=new_id(), definition_id=definition_id, config=Jsonb(config),
            created_by=created_by, now=self._s.clock.now(),
        )  # fmt: skip
        return None if row is None else int(row["version_no"])

    async def version(self, definition_id: uuid.UUID, version_no: int) -> DefinitionVersion | None:
        row = await self._q.get_version(
            self._s.conn, definition_id=definition_id, version_no=version_no
        )
        return msgspec.convert(row, DefinitionVersion) if row else None

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

    async def bind(self, subject: DataSubject) -> DataSubject:
        rows = self._q.claimed_anonymous_ids(self._s.conn, user_id=subject.user_id)
        return subject.with_anonymous_ids([r["anonymous_id"] async for r in rows])

    async def export(self, subject: DataSubject) -> object:
        if subject.user_id is None:  # a guest's runs are anonymous
            return {"runs": []}
        return {"runs": await _runs_of(self._s, subject.user_id)}

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        erased = await self._q.erase_runs(self._s.conn, user_id=subject.user_id)
        return {"interactive_runs": int(erased)}


def _seal(
    session: Session, run_id: uuid.UUID, level: str | None, profile: str | None, crisis: bool
) -> str:
    """A run's result as one encrypted JSON value bound to the run's row."""
    plain = json.dumps({"level": level, "profile": profile, "crisis": crisis})
    return session.encrypt(plain, *RESULT, run_id)


async def _runs_of(session: Session, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """The user's runs with their results decrypted (or, for a run not yet sealed, the
    legacy plaintext columns)."""
    runs = []
    async for row in session.queries.interactives.runs_of_user(session.conn, user_id=user_id):
        run = {k: v for k, v in dict(row).items() if k != "result_encrypted"}
        if row["result_encrypted"] is not None:
            result = json.loads(session.decrypt(row["result_encrypted"], *RESULT, row["id"]))
            run.update(result_level=result["level"], result_profile=result["profile"],
                       crisis_triggered=bool(result["crisis"]))  # fmt: skip
        else:
            run["crisis_triggered"] = bool(row["crisis_triggered"])
        runs.append(run)
    return runs
