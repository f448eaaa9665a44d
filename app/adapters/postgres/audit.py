"""The audit trail: appended in the same transaction as the staff action it records."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.application.ports import AuditEntry
from app.domain.shared.privacy import ensure_p0


class PostgresAuditTrail:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def record(self, entry: AuditEntry) -> None:
        ensure_p0(entry.details, where="audit details")
        await self._s.queries.admin.insert_entry(
            self._s.conn,
            occurred_at=self._s.clock.now(),
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            details=Jsonb(entry.details),
        )
