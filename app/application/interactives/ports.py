"""What the interactives use cases need from storage (one transaction's view), and the
read models storage returns and the use cases answer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import msgspec

from app.application.crm.ports import LeadDirectory
from app.domain.interactives.config import InteractiveConfig
from app.domain.interactives.scoring import Outcome

RunMetadata = Mapping[str, str | int | bool]
"""What the site says about a run when it starts (P0: checked before it is kept)."""

# --- read models: runs ---------------------------------------------------------------


class InteractiveSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A published self-check in the public list."""

    slug: str
    interactive_type: str
    title: str
    description: str | None
    topic_code: str | None
    published_at: datetime


class PublishedInteractive(msgspec.Struct, frozen=True, kw_only=True):
    """A published self-check with the version clients take now."""

    id: uuid.UUID
    slug: str
    interactive_type: str
    title: str
    description: str | None
    topic_code: str | None
    version_id: uuid.UUID
    version_no: int
    config: InteractiveConfig


class PublicOption(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    label: str


class PublicQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """A question as a client sees it: no values, categories or rules."""

    id: str
    text: str
    kind: str
    options: tuple[PublicOption, ...] | None = None
    min: int | None = None
    max: int | None = None


class PublicInteractive(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    interactive_type: str
    title: str
    description: str | None
    topic_code: str | None
    version_no: int
    questions: tuple[PublicQuestion, ...]


class RunToComplete(msgspec.Struct, frozen=True, kw_only=True):
    """A run locked for completing, with the config of the version it was started on."""

    id: uuid.UUID
    slug: str
    user_id: uuid.UUID | None
    anonymous_id: str | None
    status: str
    started_at: datetime
    config: InteractiveConfig

    def belongs_to(self, user_id: uuid.UUID | None, anonymous_id: str | None) -> bool:
        """A run belongs to its user; a run without one, to the browser holding its id."""
        if self.user_id is not None:
            return self.user_id == user_id
        return anonymous_id is not None and self.anonymous_id == anonymous_id


class ContentLink(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    slug: str
    title: str
    summary: str | None


class ServiceLink(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: str
    duration_minutes: int
    price: Decimal
    currency: str


class MyRun(msgspec.Struct, frozen=True, kw_only=True):
    """One of the user's runs with its result (decrypted for them alone)."""

    id: uuid.UUID
    slug: str
    title: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    result_level: str | None
    result_profile: str | None
    crisis_triggered: bool


# --- answers of the run use cases ----------------------------------------------------


class StartedRun(msgspec.Struct, frozen=True):
    id: uuid.UUID
    claim_token: str | None
    """Only for a run started without signing in; shown once, only its hash is kept."""


class TelegramLink(msgspec.Struct, frozen=True, kw_only=True):
    purpose: str
    url: str


class Recommendations(msgspec.Struct, frozen=True, kw_only=True):
    content: tuple[ContentLink, ...]
    services: tuple[ServiceLink, ...]
    telegram: TelegramLink | None = None


class CrisisNotice(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the crisis rule fired, and then the crisis resources the owner set."""

    triggered: bool
    resources: dict[str, Any] | None = None


class CompletedRun(msgspec.Struct, frozen=True, kw_only=True):
    """The result, shown to the person once and kept nowhere in plaintext."""

    run_id: uuid.UUID
    slug: str
    """The self-check's slug (for the navigator's next steps)."""
    result_level: str | None
    result_profile: str | None
    crisis: CrisisNotice
    recommendations: Recommendations


# --- read models: definitions --------------------------------------------------------


class Definition(msgspec.Struct, frozen=True, kw_only=True):
    """A self-check as editors see it, in any status."""

    id: uuid.UUID
    slug: str
    interactive_type: str
    title: str
    description: str | None
    topic_code: str | None
    status: str
    published_version_id: uuid.UUID | None
    published_at: datetime | None
    updated_at: datetime
    version: int
    latest_version_no: int | None


class DefinitionVersion(msgspec.Struct, frozen=True, kw_only=True):
    """An immutable version: its config as it was stored (validated when added)."""

    id: uuid.UUID
    version_no: int
    config: dict[str, Any]
    created_at: datetime


# --- ports ---------------------------------------------------------------------------


class RunStore(Protocol):
    """Runs: started, completed, claimed, tidied; what a result recommends."""

    async def published(self) -> list[InteractiveSummary]:
        """Newest publication first."""
        ...

    async def published_one(self, slug: str) -> PublishedInteractive | None: ...

    async def add_run(
        self, definition_id: uuid.UUID, version_id: uuid.UUID, user_id: uuid.UUID | None,
        anonymous_id: str | None, metadata: RunMetadata, claim_token_hash: bytes | None = None,
    ) -> uuid.UUID:  # fmt: skip
        """A run in progress; an anonymous one carries the SHA-256 of its claim token."""
        ...

    async def lock_run(self, run_id: uuid.UUID) -> RunToComplete | None: ...

    async def complete_run(self, run_id: uuid.UUID, outcome: Outcome, duration_ms: int) -> None:
        """Store the outcome (encrypted: a result is P2) and close the run."""
        ...

    async def claim(
        self, user_id: uuid.UUID, anonymous_id: str, token_hashes: Sequence[bytes]
    ) -> int:
        """Give the user the unclaimed runs of ``anonymous_id`` whose claim token hashes
        are among ``token_hashes``; each token works once. Returns how many."""
        ...

    async def runs_of(self, user_id: uuid.UUID) -> list[MyRun]:
        """The user's runs, newest first, their results decrypted."""
        ...

    async def seal_legacy_results(self, limit: int) -> int:
        """Encrypt up to ``limit`` results still in the legacy plaintext columns."""
        ...

    async def abandon(self, before: datetime) -> int:
        """Runs still in progress that started before ``before`` become abandoned."""
        ...

    async def recommended(
        self, content: Sequence[str], services: Sequence[str]
    ) -> tuple[list[ContentLink], list[ServiceLink]]:
        """Of the slugs named, those published now, in the order named."""
        ...

    async def record_event(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None,
        props: Mapping[str, str],
    ) -> None: ...  # fmt: skip

    async def crisis_resources(self) -> dict[str, Any]:
        """The ``crisis.resources`` setting ({} when none is set)."""
        ...


class DefinitionStore(Protocol):
    """Definitions and their immutable versions, as editors write and publish them."""

    async def definitions(self) -> list[Definition]: ...

    async def definition(self, definition_id: uuid.UUID) -> Definition | None: ...

    async def add_definition(
        self, slug: str, interactive_type: str, title: str, description: str | None,
        topic_code: str | None,
    ) -> uuid.UUID:  # fmt: skip
        """A draft; SlugTaken when another definition has the slug."""
        ...

    async def update_definition(
        self, definition_id: uuid.UUID, version: int, title: str, description: str | None,
        topic_code: str | None,
    ) -> bool:  # fmt: skip
        """False when the stored version is not ``version``."""
        ...

    async def add_version(
        self, definition_id: uuid.UUID, config: dict[str, Any], created_by: uuid.UUID
    ) -> int | None:
        """The next version's number; None when there is no such definition."""
        ...

    async def version(
        self, definition_id: uuid.UUID, version_no: int
    ) -> DefinitionVersion | None: ...

    async def publish(self, definition_id: uuid.UUID, version_id: uuid.UUID) -> bool: ...

    async def archive(self, definition_id: uuid.UUID) -> bool: ...


class InteractiveStore(Protocol):
    """Everything interactives keep, as one unit of work's repositories."""

    @property
    def runs(self) -> RunStore: ...

    @property
    def definitions(self) -> DefinitionStore: ...

    @property
    def leads(self) -> LeadDirectory:
        """The CRM's leads, for someone who leaves a contact after a self-check."""
        ...


class DeepLinkIssuer(Protocol):
    """Makes a Telegram deep link for a result (absent when no bot is configured)."""

    async def url_for(
        self,
        purpose: str,
        payload: dict[str, Any],
        user_id: uuid.UUID | None,
        lead_id: uuid.UUID | None = None,
    ) -> str | None: ...
