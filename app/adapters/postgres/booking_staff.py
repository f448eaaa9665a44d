"""The staff views of booking over PostgreSQL: the owner's day and one appointment's
record with its history (queries in sql/booking/staff_day.sql)."""

from __future__ import annotations

import uuid
from typing import Any

from app.adapters.postgres.session import Session
from app.application.booking.staff_day import AppointmentRecord, DayAppointment, HistoryEntry
from app.domain.shared.time_range import TimeRange

Row = dict[str, Any]
_DAY_FIELDS = DayAppointment.__struct_fields__


def _day(row: Row) -> DayAppointment:
    return DayAppointment(**{k: row[k] for k in _DAY_FIELDS})


class PostgresStaffDayViews:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.booking

    async def day(
        self, window: TimeRange, status: str | None, after: uuid.UUID | None, limit: int
    ) -> list[DayAppointment]:
        rows = self._q.staff_day(
            self._s.conn, start_at=window.start, end_at=window.end, status=status,
            after_id=after, limit=limit,
        )  # fmt: skip
        return [_day(r) async for r in rows]

    async def record(self, appointment_id: uuid.UUID) -> AppointmentRecord | None:
        row = await self._q.staff_record(self._s.conn, id=appointment_id)
        if row is None:
            return None
        if row["client_user_id"] is not None:
            kind, recipient = "user", str(row["client_user_id"])
        else:
            kind, recipient = "lead", str(row["lead_id"])
        history = [
            HistoryEntry(at=h["at"], kind=h["kind"], what=h["what"], detail=h["detail"] or {})
            async for h in self._q.staff_history(
                self._s.conn, id=appointment_id, recipient_kind=kind, recipient_id=recipient,
                dedupe_prefix=f"appointment:{appointment_id}:",
            )
        ]  # fmt: skip
        return AppointmentRecord(
            appointment=_day(row), created_at=row["created_at"],
            hold_expires_at=row["hold_expires_at"], cancel_reason=row["cancel_reason"],
            canceled_at=row["canceled_at"], rescheduled_from_id=row["rescheduled_from_id"],
            rescheduled_to_id=row["rescheduled_to_id"],
            reminders_sent=list(row["reminders_sent"] or []), metadata=row["metadata"] or {},
            version=row["version"], history=history,
        )  # fmt: skip
