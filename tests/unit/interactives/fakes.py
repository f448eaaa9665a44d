"""Interactives' storage in memory, with the rules sql/interactives/ keeps: a run is
scored by the version it started on, completed once, claimed once per token; versions
are numbered per definition and never change; only published content and services are
recommended. Results are kept as the outcome (the real store encrypts them)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from app.application.crm.ports import LeadDirectory
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
from app.domain.errors import SlugTaken
from app.domain.interactives.config import InteractiveConfig
from app.domain.interactives.scoring import Outcome
from tests.unit.crm.fakes import MemoryLeadStore
from tests.unit.memory import ManualClock, RollbackUnitOfWork


@dataclass
class StoredRun:
    id: uuid.UUID
    definition_id: uuid.UUID
    version_id: uuid.UUID
    user_id: uuid.UUID | None
    anonymous_id: str | None
    claim_token_hash: bytes | None
    metadata: dict[str, Any]
    started_at: datetime
    status: str = "in_progress"
    completed_at: datetime | None = None
    outcome: Outcome | None = None
    duration_ms: int | None = None


@dataclass
class InteractivesState:
    definitions: dict[uuid.UUID, Definition] = field(default_factory=dict)
    versions: dict[uuid.UUID, DefinitionVersion] = field(default_factory=dict)
    version_of: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # version -> def
    runs: dict[uuid.UUID, StoredRun] = field(default_factory=dict)
    events: list[tuple[str, uuid.UUID | None, str | None, dict[str, str]]] = field(
        default_factory=list
    )
    content: dict[str, ContentLink] = field(default_factory=dict)  # published only
    services: dict[str, ServiceLink] = field(default_factory=dict)
    crisis_resources: dict[str, Any] = field(default_factory=dict)
    leads: MemoryLeadStore = field(default_factory=MemoryLeadStore)


class FakeInteractiveStore:
    def __init__(self, state: InteractivesState, clock: ManualClock) -> None:
        self._state = state
        self.runs = FakeRunStore(state, clock)
        self.definitions = FakeDefinitionStore(state, clock)

    @property
    def leads(self) -> LeadDirectory:
        return self._state.leads


class FakeRunStore:
    def __init__(self, state: InteractivesState, clock: ManualClock) -> None:
        self._state = state
        self._clock = clock

    def _published(self) -> list[Definition]:
        return [d for d in self._state.definitions.values() if d.status == "published"]

    async def published(self) -> list[InteractiveSummary]:
        found = sorted(self._published(), key=lambda d: (d.published_at, d.slug), reverse=True)
        return [msgspec.convert(d, InteractiveSummary, from_attributes=True) for d in found]

    async def published_one(self, slug: str) -> PublishedInteractive | None:
        for d in self._published():
            if d.slug == slug and d.published_version_id is not None:
                version = self._state.versions[d.published_version_id]
                return PublishedInteractive(
                    id=d.id, slug=d.slug, interactive_type=d.interactive_type, title=d.title,
                    description=d.description, topic_code=d.topic_code, version_id=version.id,
                    version_no=version.version_no,
                    config=msgspec.convert(version.config, InteractiveConfig),
                )  # fmt: skip
        return None

    async def add_run(
        self, definition_id: uuid.UUID, version_id: uuid.UUID, user_id: uuid.UUID | None,
        anonymous_id: str | None, metadata: RunMetadata, claim_token_hash: bytes | None = None,
    ) -> uuid.UUID:  # fmt: skip
        run = StoredRun(
            id=uuid.uuid4(), definition_id=definition_id, version_id=version_id,
            user_id=user_id, anonymous_id=anonymous_id, claim_token_hash=claim_token_hash,
            metadata=dict(metadata), started_at=self._clock.now(),
        )  # fmt: skip
        self._state.runs[run.id] = run
        return run.id

    async def lock_run(self, run_id: uuid.UUID) -> RunToComplete | None:
        run = self._state.runs.get(run_id)
        if run is None:
            return None
        version = self._state.versions[run.version_id]
        return RunToComplete(
            id=run.id, slug=self._state.definitions[run.definition_id].slug,
            user_id=run.user_id, anonymous_id=run.anonymous_id, status=run.status,
            started_at=run.started_at,
            config=msgspec.convert(version.config, InteractiveConfig),
        )  # fmt: skip

    async def complete_run(self, run_id: uuid.UUID, outcome: Outcome, duration_ms: int) -> None:
        run = self._state.runs[run_id]
        if run.status == "in_progress":
            run.status, run.outcome, run.duration_ms = "completed", outcome, duration_ms
            run.completed_at = self._clock.now()

    async def claim(
        self, user_id: uuid.UUID, anonymous_id: str, token_hashes: Sequence[bytes]
    ) -> int:
        claimed = 0
        for run in self._state.runs.values():
            if (
                run.anonymous_id == anonymous_id
                and run.user_id is None
                and run.claim_token_hash in token_hashes
            ):
                run.user_id, run.claim_token_hash = user_id, None
                claimed += 1
        return claimed

    async def runs_of(self, user_id: uuid.UUID) -> list[MyRun]:
        mine = sorted(
            (r for r in self._state.runs.values() if r.user_id == user_id),
            key=lambda r: r.started_at, reverse=True,
        )  # fmt: skip
        return [
            MyRun(
                id=r.id,
                slug=self._state.definitions[r.definition_id].slug,
                title=self._state.definitions[r.definition_id].title,
                status=r.status,
                started_at=r.started_at,
                completed_at=r.completed_at,
                result_level=r.outcome.result_level if r.outcome else None,
                result_profile=r.outcome.result_profile if r.outcome else None,
                crisis_triggered=bool(r.outcome and r.outcome.crisis_triggered),
            )
            for r in mine
        ]

    async def seal_legacy_results(self, limit: int) -> int:
        return 0  # results are never kept in plaintext here

    async def abandon(self, before: datetime) -> int:
        stale = [
            r for r in self._state.runs.values()
            if r.status == "in_progress" and r.started_at < before
        ]  # fmt: skip
        for run in stale:
            run.status = "abandoned"
        return len(stale)

    async def recommended(
        self, content: Sequence[str], services: Sequence[str]
    ) -> tuple[list[ContentLink], list[ServiceLink]]:
        return (
            [self._state.content[s] for s in content if s in self._state.content],
            [self._state.services[s] for s in services if s in self._state.services],
        )

    async def record_event(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None,
        props: Mapping[str, str],
    ) -> None:  # fmt: skip
        self._state.events.append((name, user_id, anonymous_id, dict(props)))

    async def crisis_resources(self) -> dict[str, Any]:
        return dict(self._state.crisis_resources)


class FakeDefinitionStore:
    def __init__(self, state: InteractivesState, clock: ManualClock) -> None:
        self._state = state
        self._clock = clock

    async def definitions(self) -> list[Definition]:
        return sorted(self._state.definitions.values(), key=lambda d: d.updated_at, reverse=True)

    async def definition(self, definition_id: uuid.UUID) -> Definition | None:
        found = self._state.definitions.get(definition_id)
        if found is None:
            return None
        numbers = [v.version_no for d, v in self._numbered() if d == definition_id]
        return msgspec.structs.replace(found, latest_version_no=max(numbers, default=None))

    def _numbered(self) -> list[tuple[uuid.UUID, DefinitionVersion]]:
        return [(self._state.version_of[v.id], v) for v in self._state.versions.values()]

    async def add_definition(
        self, slug: str, interactive_type: str, title: str, description: str | None,
        topic_code: str | None,
    ) -> uuid.UUID:  # fmt: skip
        if any(d.slug == slug for d in self._state.definitions.values()):
            raise SlugTaken()
        definition = Definition(
            id=uuid.uuid4(), slug=slug, interactive_type=interactive_type, title=title,
            description=description, topic_code=topic_code, status="draft",
            published_version_id=None, published_at=None, updated_at=self._clock.now(),
            version=1, latest_version_no=None,
        )  # fmt: skip
        self._state.definitions[definition.id] = definition
        return definition.id

    def _change(self, definition_id: uuid.UUID, **changes: Any) -> None:
        found = self._state.definitions[definition_id]
        self._state.definitions[definition_id] = msgspec.structs.replace(
            found, updated_at=self._clock.now(), version=found.version + 1, **changes
        )

    async def update_definition(
        self, definition_id: uuid.UUID, version: int, title: str, description: str | None,
        topic_code: str | None,
    ) -> bool:  # fmt: skip
        found = self._state.definitions.get(definition_id)
        if found is None or found.version != version:
            return False
        self._change(definition_id, title=title, description=description, topic_code=topic_code)
        return True

    async def add_version(
        self, definition_id: uuid.UUID, config: dict[str, Any], created_by: uuid.UUID
    ) -> int | None:
        if definition_id not in self._state.definitions:
            return None
        numbers = [v.version_no for d, v in self._numbered() if d == definition_id]
        version = DefinitionVersion(id=uuid.uuid4(), version_no=max(numbers, default=0) + 1,
                                    config=config, created_at=self._clock.now())  # fmt: skip
        self._state.versions[version.id] = version
        self._state.version_of[version.id] = definition_id
        return version.version_no

    async def version(self, definition_id: uuid.UUID, version_no: int) -> DefinitionVersion | None:
        return next(
            (v for d, v in self._numbered() if d == definition_id and v.version_no == version_no),
            None,
        )

    async def publish(self, definition_id: uuid.UUID, version_id: uuid.UUID) -> bool:
        if definition_id not in self._state.definitions:
            return False
        self._change(definition_id, status="published", published_version_id=version_id,
                     published_at=self._clock.now())  # fmt: skip
        return True

    async def archive(self, definition_id: uuid.UUID) -> bool:
        if definition_id not in self._state.definitions:
            return False
        self._change(definition_id, status="archived")
        return True


def interactives_world(
    clock: ManualClock,
) -> tuple[InteractivesState, RollbackUnitOfWork[FakeInteractiveStore]]:
    state = InteractivesState()
    return state, RollbackUnitOfWork(FakeInteractiveStore(state, clock), state)
