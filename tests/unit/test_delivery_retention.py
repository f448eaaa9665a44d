"""The message log's retention: the configured number of days, 90 when unset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.application.delivery_retention import purge_finished_deliveries

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)


class FakeDeliveries:
    def __init__(self, finished_at: list[datetime], days: int | None) -> None:
        self.finished_at = finished_at
        self.days = days

    async def retention_days(self) -> int | None:
        return self.days

    async def purge_finished(self, before: datetime) -> int:
        kept = [at for at in self.finished_at if at >= before]
        purged = len(self.finished_at) - len(kept)
        self.finished_at = kept
        return purged


async def test_finished_messages_older_than_90_days_go_by_default() -> None:
    store = FakeDeliveries([NOW - timedelta(days=91), NOW - timedelta(days=89), NOW], None)
    assert await purge_finished_deliveries(store, NOW) == 1
    assert store.finished_at == [NOW - timedelta(days=89), NOW]


async def test_the_setting_shortens_the_retention() -> None:
    store = FakeDeliveries([NOW - timedelta(days=8), NOW - timedelta(days=6)], 7)
    assert await purge_finished_deliveries(store, NOW) == 1
    assert store.finished_at == [NOW - timedelta(days=6)]
