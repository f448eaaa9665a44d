"""Retention of the assistants' conversations and usage counters.

Job ``assistants.retention``: a conversation (its owner row and every checkpoint, blob
and pending write) idle for ``ASSISTANT_RETENTION_DAYS`` is deleted, and so are the rate
and budget counters older than two days. Nothing about a conversation is kept after it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import structlog

logger = structlog.get_logger(__name__)

USAGE_RETENTION = timedelta(days=2)


class IdleConversations(Protocol):
    async def purge_idle(self, before: datetime) -> int:
        """Delete conversations last updated before ``before``; how many went."""
        ...

    async def purge_usage(self, before: datetime) -> int:
        """Delete rate and budget counters older than ``before``; how many rows went."""
        ...


async def purge_idle_conversations(
    store: IdleConversations, now: datetime, retention_days: int
) -> int:
    """Returns how many conversations were deleted."""
    purged = await store.purge_idle(now - timedelta(days=retention_days))
    counters = await store.purge_usage(now - USAGE_RETENTION)
    logger.info(
        "assistant_conversations_purged",
        count=purged, counters=counters, retention_days=retention_days,
    )  # fmt: skip
    return purged
