"""Litestar's key/value ``Store`` in PostgreSQL: the rate limits shared by API replicas.

``RATE_LIMIT_STORE=postgres`` puts every counter in the UNLOGGED table
``rate_limit_store`` (migration 0047), so a client's requests are counted together
whichever replica answers them. Expiry is the database's clock, the one every replica
shares. Expired rows are removed by the read that finds them and, at most once a
cleanup interval per process, in a bounded batch after a write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from litestar.stores.base import Store

from app.adapters.postgres.database import Database

CLEANUP_INTERVAL_SECONDS = 60.0
CLEANUP_BATCH = 1000


def _seconds(value: int | timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PostgresStore(Store):
    """Thread- and process-safe key/value store over the database's pool."""

    __slots__ = ("_cleanup_every", "_database", "_monotonic", "_next_cleanup")

    def __init__(
        self,
        database: Database,
        *,
        cleanup_every: float = CLEANUP_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._cleanup_every = cleanup_every
        self._monotonic = monotonic
        self._next_cleanup = monotonic() + cleanup_every

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        queries = self._database.queries.rate_limits
        async with self._database.pool.connection() as conn:
            await queries.put(conn, key=key, value=data, ttl_seconds=_seconds(expires_in))
            if self._monotonic() >= self._next_cleanup:
                self._next_cleanup = self._monotonic() + self._cleanup_every
                await queries.remove_expired(conn, batch_size=CLEANUP_BATCH)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        queries = self._database.queries.rate_limits
        async with self._database.pool.connection() as conn:
            if renew_for is None:
                row = await queries.fetch(conn, key=key)
            else:
                row = await queries.fetch_renewed(conn, key=key, ttl_seconds=_seconds(renew_for))
        return None if row is None else bytes(row["value"])

    async def delete(self, key: str) -> None:
        async with self._database.pool.connection() as conn:
            await self._database.queries.rate_limits.remove(conn, key=key)

    async def delete_all(self) -> None:
        async with self._database.pool.connection() as conn:
            await self._database.queries.rate_limits.remove_all(conn)

    async def exists(self, key: str) -> bool:
        async with self._database.pool.connection() as conn:
            row = await self._database.queries.rate_limits.seconds_left(conn, key=key)
        return row is not None

    async def expires_in(self, key: str) -> int | None:
        async with self._database.pool.connection() as conn:
            row = await self._database.queries.rate_limits.seconds_left(conn, key=key)
        if row is None or row["seconds"] is None:
            return None
        return int(row["seconds"])
