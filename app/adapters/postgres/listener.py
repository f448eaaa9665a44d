"""Wakes the worker when an event is committed (LISTEN/NOTIFY), polling as fallback."""

from __future__ import annotations

from typing import Any

import psycopg
import structlog

logger = structlog.get_logger(__name__)


class OutboxWakeup:
    """A dedicated autocommit connection listening on ``outbox_events``."""

    def __init__(self, database_url: str, queries: Any) -> None:
        self._url = database_url
        self._queries = queries
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            await self._queries.events.listen(self._conn)
        return self._conn

    async def start(self) -> None:
        """Listen before the first round, so no event committed after start is missed."""
        try:
            await self._connection()
        except psycopg.OperationalError:
            logger.warning("outbox_listener_unavailable")

    async def wait(self, seconds: float) -> None:
        """Return on a notification or after ``seconds``, whichever is first."""
        try:
            conn = await self._connection()
            async for _ in conn.notifies(timeout=seconds, stop_after=1):
                return
        except psycopg.OperationalError:
            # No listener: fall back to polling; reconnect on the next wait.
            logger.warning("outbox_listener_unavailable")
            if self._conn is not None:
                await self._conn.close()
            self._conn = None

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
