"""Faults on the database side: every connection killed mid-traffic, and the server gone
for a while. The pool recovers without a restart and nothing is half-written."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, internal_client, make_settings

KILL_ALL = """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()"""


async def test_the_pool_recovers_when_every_connection_is_killed(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    app: Litestar = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as client, internal_client(app, client) as internal:

        async def traffic() -> list[int]:
            answers = await asyncio.gather(
                *(client.get("/api/v1/content") for _ in range(8)),
                internal.get("/health/ready"),
            )
            return [a.status_code for a in answers]

        assert set(await traffic()) == {200}
        killed = postgresql.execute(KILL_ALL).fetchone()
        assert killed is not None
        assert killed[0] >= 1  # the app's pooled connections were there, and are gone
        postgresql.commit()
        # The very next requests are answered: dead connections are replaced on checkout.
        assert set(await traffic()) == {200}
        ready = await internal.get("/health/ready")
        assert ready.json()["status"] == "ready"


async def test_a_request_during_an_outage_is_a_503_and_nothing_is_half_written(
    database_url: str, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    settings = make_settings(database_url, DATABASE_POOL_TIMEOUT="2")
    app: Litestar = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as client, internal_client(app, client) as internal:
        assert (await internal.get("/health/ready")).status_code == 200
        # Refuse new connections to this database for a moment (from the maintenance
        # database), then kill the open ones.
        database = postgresql.info.dbname
        info = postgresql.info
        admin = psycopg.connect(
            host=info.host, port=info.port, user=info.user, dbname="postgres", autocommit=True
        )
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        postgresql.execute(KILL_ALL)
        postgresql.commit()
        try:
            down = await internal.get("/health/ready")
            assert down.status_code == 503
            assert down.json()["database"] == "unreachable"
            question = await client.post(
                "/api/v1/questions", json={"text": "Вопрос во время сбоя базы данных"}
            )
            assert question.status_code == 503
            assert question.json()["code"] == "service_unavailable"
            assert question.headers["retry-after"] == "5"
        finally:
            admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            admin.close()
        for _ in range(50):  # the pool reconnects in the background
            if (await internal.get("/health/ready")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await internal.get("/health/ready")).json()["status"] == "ready"
        again = await client.post(
            "/api/v1/questions", json={"text": "Вопрос после восстановления базы"}
        )
        assert again.status_code == 202
    assert postgresql.execute("SELECT count(*) FROM ugc_items").fetchone() == (1,)
