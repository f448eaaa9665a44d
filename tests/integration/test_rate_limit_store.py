"""The rate limits' shared stores against the real servers: the PostgreSQL store
(RATE_LIMIT_STORE=postgres) and Litestar's Redis store (REDIS_URL), each behaving as
Litestar's ``Store`` promises, and the limiter counting across two applications that
share one of them (two API replicas)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest
from litestar import Litestar, post
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore

from app.adapters.postgres.rate_limit_store import PostgresStore
from app.bootstrap import Core
from app.composition.rate_limits import build_rate_limit_store
from tests.conftest import make_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Expires before the next statement can read it.
AT_ONCE = timedelta(microseconds=1)


@pytest.fixture(params=["postgres", "redis"])
async def store(request: pytest.FixtureRequest, core: Core) -> AsyncIterator[Store]:
    """Each store as the application builds it from its settings; Redis in a namespace
    of its own, emptied afterwards."""
    environ = {"RATE_LIMIT_STORE": "postgres"}
    if request.param == "redis":
        environ["REDIS_URL"] = REDIS_URL
    settings = make_settings(str(core.settings.database_url), **environ)
    built = build_rate_limit_store(
        settings, core.database, redis_namespace=f"test:{uuid.uuid4().hex}"
    )
    assert isinstance(built, PostgresStore if request.param == "postgres" else RedisStore)
    try:
        yield built
    finally:
        if isinstance(built, RedisStore):
            await built.delete_all()
        await built.__aexit__(None, None, None)


async def test_a_value_is_kept_replaced_and_deleted(store: Store) -> None:
    assert await store.get("k") is None
    await store.set("k", "first", expires_in=60)
    await store.set("k", b"second", expires_in=60)
    assert await store.get("k") == b"second"
    assert await store.exists("k")
    await store.delete("k")
    await store.delete("k")  # deleting what is gone is no error
    assert await store.get("k") is None
    assert not await store.exists("k")


async def test_an_expired_value_is_gone(core: Core) -> None:
    # PostgreSQL only: Redis counts expiry in whole seconds, and this test does not sleep.
    store = PostgresStore(core.database)
    await store.set("short", b"x", expires_in=AT_ONCE)
    assert await store.get("short") is None
    assert not await store.exists("short")
    assert await store.expires_in("short") is None


async def test_expiry_is_reported_and_renewed(store: Store) -> None:
    await store.set("counted", b"1", expires_in=60)
    await store.set("kept", b"1")
    assert 58 <= (await store.expires_in("counted") or 0) <= 60
    # The interface says None for "no expiry"; Litestar's own Redis and memory stores
    # answer -1. The limiter never asks.
    assert await store.expires_in("kept") in (None, -1)
    assert await store.expires_in("absent") is None
    assert await store.get("counted", renew_for=3600) == b"1"
    assert 3598 <= (await store.expires_in("counted") or 0) <= 3600
    assert await store.get("kept", renew_for=3600) == b"1"
    assert await store.expires_in("kept") in (None, -1)


async def test_delete_all_empties_the_store(store: Store) -> None:
    await store.set("a", b"1", expires_in=60)
    await store.set("b", b"2")
    await store.delete_all()
    assert (await store.get("a"), await store.get("b")) == (None, None)


async def test_expired_rows_are_removed_by_the_read_and_by_cleanup(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    now = [0.0]
    store = PostgresStore(core.database, cleanup_every=60, monotonic=lambda: now[0])
    await store.set("read-later", b"x", expires_in=AT_ONCE)  # no cleanup due yet
    await store.set("never-read", b"x", expires_in=AT_ONCE)
    assert await store.get("read-later") is None
    postgresql.commit()
    keys = [r[0] for r in postgresql.execute("SELECT key FROM rate_limit_store").fetchall()]
    assert keys == ["never-read"]
    now[0] = 61.0
    await store.set("live", b"x", expires_in=60)  # a cleanup is due: the expired batch goes
    postgresql.commit()
    keys = [r[0] for r in postgresql.execute("SELECT key FROM rate_limit_store").fetchall()]
    assert keys == ["live"]


def _replica(store: Store) -> Litestar:
    """A minimal application limited to 3 requests a minute, counting in ``store``."""

    @post("/limited", status_code=200)
    async def limited() -> str:
        return "ok"

    limits = RateLimitConfig(rate_limit=("minute", 3), store="shared")
    return Litestar([limited], middleware=[limits.middleware], stores={"shared": store})


async def test_two_replicas_sharing_a_store_count_one_client_together(store: Store) -> None:
    # In this test's event loop, where the store's connections live (no lifespan needed).
    one, two = (
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://replica")
        for app in (_replica(store), _replica(store))
    )
    async with one, two:
        codes = [(await client.post("/limited")).status_code for client in (one, two, one, two)]
    assert codes == [200, 200, 200, 429]
