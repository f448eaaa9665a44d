"""Staff alerts in PostgreSQL: staff with their choices and linked chats, and the P0
facts (a service title, a time, an SLA) alerts name."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.adapters.postgres.session import Session
from app.application.staff_alerts.ports import AppointmentFacts, SlaItem, StaffMember


class PostgresStaffAlertStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.notifications

    async def staff_for(self, kind: str) -> list[StaffMember]:
        rows = self._q.staff_for_alert(self._s.conn, kind=kind)
        return [
            StaffMember(
                user_id=r["user_id"], roles=frozenset(r["roles"]), email=r["email"],
                telegram_chat_id=int(r["chat_id"]) if r["chat_id"] is not None else None,
                choice=r["choice"],
            )
            async for r in rows
        ]  # fmt: skip

    async def choices(self, user_id: uuid.UUID) -> dict[str, bool]:
        rows = self._q.alert_choices(self._s.conn, user_id=user_id)
        return {r["kind"]: bool(r["enabled"]) async for r in rows}

    async def set_choice(self, user_id: uuid.UUID, kind: str, enabled: bool, now: datetime) -> None:
        await self._q.set_alert_choice(
            self._s.conn, user_id=user_id, kind=kind, enabled=enabled, now=now
        )

    async def appointment(self, appointment_id: uuid.UUID) -> AppointmentFacts | None:
        row = await self._q.alert_appointment(self._s.conn, id=appointment_id)
        if row is None:
            return None
        return AppointmentFacts(row["service_title"], row["start_at"], bool(row["rescheduled"]))

    async def items_near_sla(self, until: datetime, limit: int) -> list[SlaItem]:
        rows = self._q.items_near_sla(self._s.conn, until=until, limit=limit)
        return [SlaItem(r["item_id"], r["sla_due_at"]) async for r in rows]
