"""Retention of the message log: finished deliveries (sent, failed for good, skipped)
are deleted once older than ``retention.notification_deliveries_days`` (90 by default).

A delivery row holds no message text, only who was sent which template when; kept for
support questions ("did the reminder go out?") and not longer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import structlog

logger = structlog.get_logger(__name__)

DEFAULT_DELIVERY_RETENTION_DAYS = 90


class FinishedDeliveries(Protocol):
    async def retention_days(self) -> int | None:
        """The configured retention in days; None when not set."""
        ...

    async def purge_finished(self, before: datetime) -> int:
        """Delete finished deliveries that finished before ``before``; how many went."""
        ...


async def purge_finished_deliveries(store: FinishedDeliveries, now: datetime) -> int:
    """Job ``notifications.retention``: returns how many deliveries were deleted."""
    days = await store.retention_days() or DEFAULT_DELIVERY_RETENTION_DAYS
    purged = await store.purge_finished(now - timedelta(days=days))
    logger.info("deliveries_purged", count=purged, retention_days=days)
    return purged
