"""The retention job's rule: conversations idle for the configured days, counters after
two days (the store does the deleting)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.application.assistants.retention import purge_idle_conversations

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.idle_before: list[datetime] = []
        self.usage_before: list[datetime] = []

    async def purge_idle(self, before: datetime) -> int:
        self.idle_before.append(before)
        return 3

    async def purge_usage(self, before: datetime) -> int:
        self.usage_before.append(before)
        return 1


async def test_idle_conversations_and_old_counters_are_purged() -> None:
    store = Store()
    assert await purge_idle_conversations(store, NOW, retention_days=30) == 3
    assert store.idle_before == [NOW - timedelta(days=30)]
    assert store.usage_before == [NOW - timedelta(days=2)]
