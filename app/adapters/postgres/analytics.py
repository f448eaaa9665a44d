"""Analytics in PostgreSQL: events in, the owner's dashboards out."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.application.analytics.ports import (
    Attendance,
    EventProps,
    FunnelDay,
    FunnelRollUp,
    ModerationSla,
    RunCounts,
)
from app.application.identity.personal_data import DataSubject

# The funnel roll-up stops this long before now (and before the oldest open transaction).
SETTLE = timedelta(minutes=1)


class PostgresAnalyticsStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.analytics

    async def record(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None,
        deep_link_code: str | None, props: EventProps,
    ) -> None:  # fmt: skip
        await self._q.record(
            self._s.conn, event_name=name, occurred_at=self._s.clock.now(), user_id=user_id,
            anonymous_id=anonymous_id, deep_link_code=deep_link_code, props=Jsonb(dict(props)),
        )  # fmt: skip

    async def record_appointment_step(
        self, name: str, appointment_id: uuid.UUID, occurred_at: datetime
    ) -> None:
        await self._q.record_appointment_step(
            self._s.conn, event_name=name, appointment_id=appointment_id, occurred_at=occurred_at
        )

    async def _setting(self, key: str, default: int) -> int:
        row = await self._s.queries.admin.get_setting(self._s.conn, key=key)
        return int(row["value"]) if row else default

    async def retention_days(self) -> int:
        return await self._setting("retention.analytics_days", 365)

    async def purge(self, before: datetime) -> int:
        return int(await self._q.purge(self._s.conn, before=before))

    async def webhook_retention_days(self) -> int:
        return await self._setting("retention.webhook_events_days", 90)

    async def purge_webhook_events(self, before: datetime) -> int:
        return int(await self._q.purge_webhook_events(self._s.conn, before=before))

    async def booking_funnel(
        self, date_from: datetime, date_to: datetime, tz: str
    ) -> list[FunnelDay]:
        mark = await self._q.booking_funnel_mark(self._s.conn)
        since = mark["rolled_through"] if mark is not None else None  # None: none rolled up
        rows = self._q.booking_funnel(
            self._s.conn, date_from=date_from, date_to=date_to, tz=tz, since=since
        )
        return [msgspec.convert(r, FunnelDay) async for r in rows]

    async def roll_up_booking_funnel(self, settle: timedelta = SETTLE) -> FunnelRollUp:
        row = await self._q.roll_up_booking_funnel(self._s.conn, settle=settle)
        return msgspec.convert(row, FunnelRollUp)

    async def purge_booking_funnel(self, before: datetime) -> int:
        return int(await self._q.purge_booking_funnel(self._s.conn, before=before))

    async def interactive_runs(self, date_from: datetime, date_to: datetime) -> list[RunCounts]:
        rows = self._q.interactive_runs(self._s.conn, date_from=date_from, date_to=date_to)
        return [msgspec.convert(r, RunCounts) async for r in rows]

    async def moderation_sla(self, date_from: datetime, date_to: datetime) -> ModerationSla:
        row = await self._q.moderation_sla(
            self._s.conn, date_from=date_from, date_to=date_to, now=self._s.clock.now()
        )
        # An aggregate without GROUP BY always answers one row.
        return msgspec.convert(row, ModerationSla)

    async def no_show_rate(self, date_from: datetime, date_to: datetime) -> list[Attendance]:
        rows = self._q.no_show_rate(self._s.conn, date_from=date_from, date_to=date_to)
        return [msgspec.convert(r, Attendance) async for r in rows]


class AnalyticsPersonalData:
    """Analytics' section: the person's events (recorded with their account, under an
    anonymous id whose self-checks they claimed, or about their appointments) in the
    export; erasure deletes them, so past dashboards lose the person's rows."""

    name = "analytics"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.analytics

    async def bind(self, subject: DataSubject) -> DataSubject:
        return subject

    def _of(self, subject: DataSubject) -> dict[str, Any]:
        return {
            "user_id": subject.user_id,
            "anonymous_ids": list(subject.anonymous_ids),
            "lead_ids": list(subject.lead_ids),
        }

    async def export(self, subject: DataSubject) -> object:
        rows = self._q.export_events(self._s.conn, **self._of(subject))
        return {"events": [dict(r) async for r in rows]}

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        erased = await self._q.erase_events(self._s.conn, **self._of(subject))
        return {"analytics_events": int(erased)}
