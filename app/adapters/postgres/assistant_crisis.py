"""The concierge's crisis records: the P0 flag and the crisis resources setting."""

from __future__ import annotations

from typing import Any

from app.adapters.postgres.session import Session


class PostgresCrisisRecords:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def record_crisis_flag(self, channel: str) -> None:
        await self._s.queries.assistants.record_crisis_flag(
            self._s.conn, now=self._s.clock.now(), channel=channel
        )

    async def crisis_resources(self) -> dict[str, Any]:
        row = await self._s.queries.admin.get_setting(self._s.conn, key="crisis.resources")
        value = row["value"] if row else None
        return value if isinstance(value, dict) else {}
