"""What the interactives use cases need from storage (one transaction's view)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from app.domain.crm.contact import LeadContact
from app.domain.interactives.scoring import Outcome

Row = dict[str, Any]


class InteractiveStore(Protocol):
    # public
    async def published(self) -> list[Row]: ...

    async def published_one(self, slug: str) -> Row | None: ...

    async def add_run(
        self, definition_id: uuid.UUID, version_id: uuid.UUID, user_id: uuid.UUID | None,
        anonymous_id: str | None, metadata: Row, claim_token_hash: bytes | None = None,
    ) -> uuid.UUID:  # fmt: skip
        """A run in progress; an anonymous one carries the SHA-256 of its claim token."""
        ...

    async def lock_run(self, run_id: uuid.UUID) -> Row | None: ...

    async def complete_run(self, run_id: uuid.UUID, outcome: Outcome, duration_ms: int) -> None:
        """Store the outcome (encrypted: a result is P2) and close the run."""
        ...

    async def claim(
        self, user_id: uuid.UUID, anonymous_id: str, token_hashes: Sequence[bytes]
    ) -> int:
        """Give the user the unclaimed runs of ``anonymous_id`` whose claim token hashes
        are among ``token_hashes``; each token works once. Returns how many."""
        ...

    async def runs_of(self, user_id: uuid.UUID) -> list[Row]:
        """The user's runs with ``result_level``, ``result_profile`` and
        ``crisis_triggered`` decrypted."""
        ...

    async def seal_legacy_results(self, limit: int) -> int:
        """Encrypt up to ``limit`` results still in the legacy plaintext columns."""
        ...

    async def abandon(self, before: datetime) -> int: ...

    async def recommended(
        self, content: Sequence[str], services: Sequence[str]
    ) -> tuple[list[Row], list[Row]]: ...

    async def record_event(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None, props: Row
    ) -> None: ...

    async def crisis_resources(self) -> Row: ...

    async def lead_for(
        self,
        contact: LeadContact,
        consents: Sequence[tuple[str, bool, str]],
        slug: str,
    ) -> uuid.UUID:
        """The CRM lead of someone who left their contact after a self-check; its timeline
        says which self-check, never the result."""
        ...

    # admin
    async def definitions(self) -> list[Row]: ...

    async def definition(self, definition_id: uuid.UUID) -> Row | None: ...

    async def add_definition(
        self, slug: str, interactive_type: str, title: str, description: str | None,
        topic_code: str | None,
    ) -> uuid.UUID: ...  # fmt: skip

    async def update_definition(
        self, definition_id: uuid.UUID, version: int, title: str, description: str | None,
        topic_code: str | None,
    ) -> bool: ...  # fmt: skip

    async def add_version(
        self, definition_id: uuid.UUID, config: Row, created_by: uuid.UUID
    ) -> int | None: ...

    async def version(self, definition_id: uuid.UUID, version_no: int) -> Row | None: ...

    async def publish(self, definition_id: uuid.UUID, version_id: uuid.UUID) -> bool: ...

    async def archive(self, definition_id: uuid.UUID) -> bool: ...


class DeepLinkIssuer(Protocol):
    """Makes a Telegram deep link for a result (absent when no bot is configured)."""

    async def url_for(
        self,
        purpose: str,
        payload: Row,
        user_id: uuid.UUID | None,
        lead_id: uuid.UUID | None = None,
    ) -> str | None: ...
