"""Periodic-job locking: one worker runs a job per interval, whatever their number."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg

from app.adapters.postgres.database import Database


class _Run:
    def __init__(self, conn: psycopg.AsyncConnection[Any], queries: Any, name: str) -> None:
        self._conn = conn
        self._q = queries
        self._name = name

    async def finish(self, now: datetime, error: str | None) -> None:
        await self._q.finish_run(self._conn, name=self._name, now=now, last_error=error)


class PostgresJobLock:
    """``JobLock``: a transaction-level advisory lock per job plus its ``job_runs`` row.

    The lock is held by the transaction that wraps the whole run, so a second worker
    skips the job while it runs and, afterwards, until its interval has passed.
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.jobs

    @asynccontextmanager
    async def claim(
        self, name: str, now: datetime, interval: timedelta
    ) -> AsyncIterator[_Run | None]:
        async with self._db.pool.connection() as conn, conn.transaction():
            locked = await self._q.try_lock(conn, name=name)
            if not locked["locked"]:
                yield None
                return
            last = await self._q.last_started(conn, name=name)
            if last is not None and last["last_started_at"] > now - interval:
                yield None
                return
            await self._q.start_run(conn, name=name, now=now)
            yield _Run(conn, self._q, name)
