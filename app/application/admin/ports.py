"""What the owner's administration needs from storage, and the read models it returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

import msgspec


class MessageTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """A message template as staff edit it (optimistic locking on ``version``)."""

    id: uuid.UUID
    code: str
    channel: str
    locale: str
    subject: str | None
    body: str
    updated_at: datetime
    updated_by: uuid.UUID | None
    version: int


class Setting(msgspec.Struct, frozen=True, kw_only=True):
    """A run-time setting; ``value`` is JSON of the shape its key's schema gives."""

    key: str
    value: Any
    updated_at: datetime
    updated_by: uuid.UUID | None


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A line of the audit log as the owner searches it (``details`` are P0)."""

    id: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: str | None
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class AdminStore(Protocol):
    async def templates(self) -> list[MessageTemplate]:
        """By code, channel and locale."""
        ...

    async def template(self, template_id: uuid.UUID) -> MessageTemplate | None: ...

    async def add_template(
        self, code: str, channel: str, locale: str, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> uuid.UUID:  # fmt: skip
        """AlreadyExists when the code has a template for the channel and locale."""
        ...

    async def update_template(
        self, template_id: uuid.UUID, version: int, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> bool:  # fmt: skip
        """False when the stored version is not ``version`` (or the template is gone)."""
        ...

    async def delete_template(self, template_id: uuid.UUID) -> None: ...

    async def settings(self) -> list[Setting]:
        """By key."""
        ...

    async def setting(self, key: str) -> Setting | None: ...

    async def put_setting(self, key: str, value: Any, actor_id: uuid.UUID) -> None: ...

    async def audit_log(
        self, actor_id: uuid.UUID | None, entity_type: str | None, action: str | None,
        date_from: datetime, date_to: datetime, limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> list[AuditRecord]:  # fmt: skip
        """Entries in [date_from, date_to), newest first, after ``after`` when given."""
        ...
