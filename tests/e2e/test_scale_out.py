"""Scale-out: two real ``python -m app serve`` processes over one database, as two API
replicas behind the proxy. A client's requests are counted together whichever replica
answers (the rate limits in PostgreSQL, or in Redis with REDIS_URL), and an edit of a
published article is read at once from both, though each remembers published items
for 300 seconds (the edit is announced through PostgreSQL NOTIFY)."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import redis
from pytest_postgresql.executors import NoopExecutor

from app.application.access import Principal
from app.application.content.editorial import ItemFields
from app.bootstrap import build_core
from app.config import PROJECT_ROOT
from app.domain.content.model import ContentStatus, ContentType
from app.domain.identity.model import Role
from tests.conftest import TEST_KEYRING, PgServer, cloned_database, make_settings

START_SECONDS = 120  # four processes start at once; on a busy two-core machine that is slow
SEEN_WITHIN_SECONDS = 5
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FORMS_LIMIT = 5  # the "forms" throttle: POST /api/v1/leads, 5 a minute per client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/health/live", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    _, err = server.communicate(timeout=5) if server.poll() is not None else ("", "")
    pytest.fail(f"the server at {base} never answered: {err[-2000:]}")


@dataclass(frozen=True)
class Replicas:
    database_url: str
    on_postgres: list[str]  # RATE_LIMIT_STORE=postgres
    on_redis: list[str]  # REDIS_URL set


@pytest.fixture(scope="module")
def scratch_url(pg_server: PgServer, pg_template: NoopExecutor) -> Iterator[str]:
    """One database from the test template for every replica of this module."""
    with cloned_database(pg_server, pg_template, "scale_out") as url:
        yield url


@pytest.fixture(scope="module")
def replicas(scratch_url: str) -> Iterator[Replicas]:
    """Four replicas started at once: two counting in PostgreSQL, two in Redis; rate
    limits on, each remembering published items for 300 s."""
    env = {
        **os.environ, "APP_ENV": "test", "DATABASE_URL": scratch_url,
        "ENCRYPTION_KEYS": TEST_KEYRING, "RATE_LIMITS_ENABLED": "true",
        "RATE_LIMIT_STORE": "postgres", "CONTENT_CACHE_SECONDS": "300",
        "TRUSTED_PROXIES": "127.0.0.1", "DATABASE_POOL_MIN": "1", "DATABASE_POOL_MAX": "3",
        "LOG_LEVEL": "WARNING", "API_INTERNAL_PORT": "0",  # four on one host: no probes
    }  # fmt: skip
    envs = [env, env, {**env, "REDIS_URL": REDIS_URL}, {**env, "REDIS_URL": REDIS_URL}]
    ports = [_free_port() for _ in envs]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)], env=environ,
            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        for port, environ in zip(ports, envs, strict=True)
    ]  # fmt: skip
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(_ready, servers, bases))
        yield Replicas(scratch_url, bases[:2], bases[2:])
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.communicate(timeout=30)


def _client_address() -> str:
    """An address of this test's own (documentation range), forwarded by the trusted
    proxy: counters other runs keep in a shared Redis never meet this test's."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def _alternate_until_limited(bases: list[str], address: str) -> list[httpx.Response]:
    headers = {"X-Forwarded-For": address}
    with httpx.Client(timeout=10) as http:
        return [
            http.post(f"{bases[n % 2]}/api/v1/leads", json={}, headers=headers)
            for n in range(FORMS_LIMIT + 1)
        ]


def _assert_counted_together(answers: list[httpx.Response]) -> None:
    assert [a.status_code == 429 for a in answers] == [False] * FORMS_LIMIT + [True]
    limited = answers[-1]
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0


def test_a_rate_limit_counts_across_replicas_in_postgres(replicas: Replicas) -> None:
    address = _client_address()
    _assert_counted_together(_alternate_until_limited(replicas.on_postgres, address))
    with psycopg.connect(replicas.database_url) as db:
        keys = db.execute(
            "SELECT key FROM rate_limit_store WHERE key LIKE %s", (f"%{address}",)
        ).fetchall()
    assert len(keys) == 1  # one counter for the client's "forms" group, shared by both


def test_a_rate_limit_counts_across_replicas_in_redis(replicas: Replicas) -> None:
    address = _client_address()
    try:
        _assert_counted_together(_alternate_until_limited(replicas.on_redis, address))
    finally:
        store = redis.Redis.from_url(REDIS_URL)
        keys = list(store.scan_iter(match=f"emotional_balance:rate_limit:*{address}"))
        assert len(keys) == 1
        store.delete(*keys)
        store.close()


async def _titles(bases: list[str], slug: str) -> list[str]:
    async with httpx.AsyncClient(timeout=10) as http:
        return [
            (await http.get(f"{b}/api/v1/content/article/{slug}")).json()["title"] for b in bases
        ]


async def test_an_edit_is_read_at_once_from_every_replica(replicas: Replicas) -> None:
    bases = [*replicas.on_postgres, *replicas.on_redis]
    postgresql = psycopg.connect(replicas.database_url, autocommit=True)
    [(owner_id,)] = postgresql.execute(
        "INSERT INTO users (email) VALUES ('owner@example.org') RETURNING id"
    ).fetchall()
    postgresql.execute(
        "INSERT INTO user_roles (user_id, role_code) VALUES (%s, 'owner')", (owner_id,)
    )
    owner = Principal(owner_id, uuid.uuid4(), frozenset({Role.OWNER}))
    # A third process writing through the application's own use cases.
    core = build_core(make_settings(replicas.database_url, CONTENT_CACHE_SECONDS="300"))
    await core.database.open()
    try:
        editorial = core.content.editorial
        item = await editorial.create(
            owner, ContentType.ARTICLE, ItemFields(slug="calm", title="До", body_markdown="Текст")
        )
        for status in (ContentStatus.REVIEW, ContentStatus.PUBLISHED):
            item = await editorial.transition(owner, item.id, status, item.version)
        assert await _titles(bases, "calm") == ["До"] * 4
        # Behind the use cases' back nothing is announced: each replica remembers.
        postgresql.execute("UPDATE content_items SET title = 'Тайком' WHERE id = %s", (item.id,))
        assert await _titles(bases, "calm") == ["До"] * 4
        # An edit through the use case is announced, and both forget at once.
        await editorial.update(owner, item.id, ItemFields(title="После"), None)
        deadline = time.monotonic() + SEEN_WITHIN_SECONDS
        while (titles := await _titles(bases, "calm")) != ["После"] * 4:
            assert time.monotonic() < deadline, titles
            await asyncio.sleep(0.05)
    finally:
        await core.database.close()
        postgresql.close()
