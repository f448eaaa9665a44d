"""Staff administration in PostgreSQL: message templates, settings, the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.application.admin.ports import AuditRecord, MessageTemplate, Setting
from app.domain.shared.ids import new_id


class PostgresAdminStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.admin

    async def templates(self) -> list[MessageTemplate]:
        rows = self._q.list_templates(self._s.conn)
        return [msgspec.convert(r, MessageTemplate) async for r in rows]

    async def template(self, template_id: uuid.UUID) -> MessageTemplate | None:
        row = await self._q.get_template(self._s.conn, id=template_id)
        return msgspec.convert(row, MessageTemplate) if row else None

    async def add_template(
        self, code: str, channel: str, locale: str, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> uuid.UUID:  # fmt: skip
        template_id = new_id()
        await self._q.insert_template(
            self._s.conn, id=template_id, code=code, channel=channel, locale=locale,
            subject=subject, body=body, updated_by=actor_id, now=self._s.clock.now(),
        )  # fmt: skip
        return template_id

    async def update_template(
        self, template_id: uuid.UUID, version: int, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> bool:  # fmt: skip
        row = await self._q.update_template(
            self._s.conn, id=template_id, version=version, subject=subject, body=body,
            updated_by=actor_id, now=self._s.clock.now(),
        )  # fmt: skip
        return row is not None

    async def delete_template(self, template_id: uuid.UUID) -> None:
        await self._q.delete_template(self._s.conn, id=template_id)

    async def settings(self) -> list[Setting]:
        return [msgspec.convert(r, Setting) async for r in self._q.list_settings(self._s.conn)]

    async def setting(self, key: str) -> Setting | None:
        row = await self._q.get_setting_row(self._s.conn, key=key)
        return msgspec.convert(row, Setting) if row else None

    async def put_setting(self, key: str, value: Any, actor_id: uuid.UUID) -> None:
        await self._q.put_setting(
            self._s.conn, key=key, value=Jsonb(value), updated_by=actor_id,
            now=self._s.clock.now(),
        )  # fmt: skip

    async def audit_log(
        self, actor_id: uuid.UUID | None, entity_type: str | None, action: str | None,
        date_from: datetime, date_to: datetime, limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> list[AuditRecord]:  # fmt: skip
        after_occurred_at, after_id = after or (None, None)
        rows = self._q.search(
            self._s.conn, actor_id=actor_id, entity_type=entity_type, action=action,
            date_from=date_from, date_to=date_to, after_occurred_at=after_occurred_at,
            after_id=after_id, limit=limit,
        )  # fmt: skip
        return [msgspec.convert(r, AuditRecord) async for r in rows]
