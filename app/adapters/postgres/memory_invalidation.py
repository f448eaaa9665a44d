"""The process memories kept in step across processes by PostgreSQL NOTIFY.

A write that changes published content or free time announces the memory's name on
the ``outbox_events`` channel the worker already listens on (payload
``memory:<name>@<origin>``, after the write committed); every API process listens on a
connection of its own and forgets the named memory when it hears one from another
process (the writer forgot its own at commit; hearing its own announcement a moment
later would drop what it remembered since, such as a start just found taken). The outbox
triggers' notifications (empty payload) are ignored here. While the listener is away
(the database restarts, the network drops) it reconnects with a growing pause, logs
``memory_listener_unavailable``, and the memories fall back to their time expiry; on
each (re)connection every memory is forgotten, since announcements may have been
missed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import psycopg
import structlog
from psycopg_pool import PoolTimeout

from app.adapters.postgres.database import Database
from app.application.recent_reads import ProcessMemories

logger = structlog.get_logger(__name__)

PAYLOAD_PREFIX = "memory:"
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0


class PostgresMemoryInvalidation:
    """Sends the announcement on a pooled connection (one statement, autocommit),
    signed with this process's ``origin`` so that its own listener passes it by."""

    def __init__(self, database: Database, origin: str | None = None) -> None:
        self._database = database
        self.origin = origin or uuid.uuid4().hex

    async def announce(self, memory: str) -> None:
        try:
            async with self._database.pool.connection() as conn:
                await self._database.queries.events.announce_memory_change(
                    conn, memory=f"{memory}@{self.origin}"
                )
        except (PoolTimeout, psycopg.Error):
            # The write has committed; the other processes forget by time instead.
            logger.warning("memory_change_not_announced", memory=memory)


class MemoryInvalidationListener:
    """LISTENs in the background for the life of the API process."""

    def __init__(
        self,
        database_url: str,
        queries: Any,
        memories: ProcessMemories,
        *,
        origin: str | None = None,
        first_retry: float = FIRST_RETRY_SECONDS,
        max_retry: float = MAX_RETRY_SECONDS,
    ) -> None:
        self._url = database_url
        self._queries = queries
        self._memories = memories
        self._origin = origin
        self._first_retry = first_retry
        self._max_retry = max_retry
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._conn: psycopg.AsyncConnection[Any] | None = None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def start(self, *, wait_seconds: float = 2.0) -> None:
        """Start listening; wait a little for the first connection so that a write
        committed right after start-up is heard, but never fail the start."""
        # Made here, in the loop that serves: an app may be started more than once.
        self._listening = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="memory-invalidation-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout=wait_seconds)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _run(self) -> None:
        pause = self._first_retry
        while True:
            with contextlib.suppress(psycopg.Error, OSError):
                await self._listen()
            if self._listening.is_set():  # it was listening: start the pauses over
                pause = self._first_retry
            self._listening.clear()
            logger.warning("memory_listener_unavailable", retry_in_seconds=pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._max_retry)

    async def _listen(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        self._conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        await self._queries.events.listen(self._conn)
        self._memories.forget_all()
        self._listening.set()
        logger.info("memory_listener_started", memories=list(self._memories.names))
        async for notice in self._conn.notifies():
            if notice.payload.startswith(PAYLOAD_PREFIX):
                name, _, origin = notice.payload.removeprefix(PAYLOAD_PREFIX).rpartition("@")
                if not name:  # a payload without an origin (``memory:<name>``)
                    name, origin = origin, ""
                if origin and origin == self._origin:
                    continue  # this process's own write: forgotten at its commit
                if self._memories.forget(name):
                    logger.debug("memory_forgotten", memory=name)
