"""Test harness: real PostgreSQL for every database test.

The server is the embedded one under ``.data/postgres`` (started once per session) or
the one named by ``TEST_DATABASE_URL``. Migrations are applied once, through the same
yoyo code the application uses, to a template database; each test that asks for
``database_url`` gets a fresh database cloned from that template.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import msgspec
import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from psycopg.conninfo import conninfo_to_dict
from pytest_postgresql import factories
from pytest_postgresql.executors import NoopExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from app.adapters.observability.logging import configure_logging
from app.adapters.postgres.embedded import start_embedded_postgres
from app.adapters.postgres.migrations import apply_migrations
from app.bootstrap import Core, build_core, create_app
from app.composition.internal import worker_internal_app
from app.config import PROJECT_ROOT, Settings, load_settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# A distinct name lets two test runs share one server (TEST_DB_NAME=eb_test_b ...); each
# pytest-xdist worker (gw0, gw1, ...) gets its own template and test databases.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEST_DB_NAME = os.environ.get("TEST_DB_NAME", "eb_test") + (
    f"_{_XDIST_WORKER}" if _XDIST_WORKER else ""
)
TEST_KEYRING = "test1:" + "t" * 43


class FixedClock:
    """The ``Clock`` port for tests: time moves when the test says so (and by one
    microsecond per reading, so two events never share an instant, as in real life)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        self.current += timedelta(microseconds=1)
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass(frozen=True)
class PgServer:
    """Where the test server listens (a host name or a Unix socket directory)."""

    host: str
    port: int
    user: str
    password: str | None

    def url(self, dbname: str) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        host = quote(self.host, safe="/")
        return f"postgresql://{auth}@/{quote(dbname, safe='')}?host={host}&port={self.port}"


def _server_from_url(url: str) -> PgServer:
    params = conninfo_to_dict(url)
    return PgServer(
        host=str(params.get("host") or "127.0.0.1"),
        port=int(params.get("port") or 5432),
        user=str(params.get("user") or "postgres"),
        password=str(params["password"]) if params.get("password") else None,
    )


@pytest.fixture(scope="session", autouse=True)
def _plain_logs() -> None:
    """Tests log through the project's own configuration (never rich local-variable dumps)."""
    configure_logging("INFO", "console")


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _server_from_url(url)
    embedded = start_embedded_postgres(PROJECT_ROOT / ".data" / "postgres")
    return PgServer(host=embedded.socket_dir, port=embedded.port, user="postgres", password=None)


def _load_schema(pg: PgServer) -> Any:
    def load(*, dbname: str, **_: Any) -> None:
        apply_migrations(pg.url(dbname), MIGRATIONS_DIR)

    return load


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> Iterator[NoopExecutor]:
    """The migrated template database every test database is cloned from."""
    executor = NoopExecutor(
        host=pg_server.host,
        port=pg_server.port,
        user=pg_server.user,
        password=pg_server.password,
        options="",
        dbname=TEST_DB_NAME,
    )
    janitor = DatabaseJanitor(
        user=pg_server.user,
        host=pg_server.host,
        port=pg_server.port,
        password=pg_server.password,
        dbname=executor.template_dbname,
        as_template=True,
    )
    janitor.drop()  # a template left behind by an interrupted run
    with janitor:
        janitor.load(_load_schema(pg_server))
        yield executor


postgresql = factories.postgresql("pg_template")


@contextmanager
def cloned_database(pg_server: PgServer, pg_template: NoopExecutor, purpose: str) -> Iterator[str]:
    """A migrated database of its own, cloned from the template, for a module whose real
    server processes share it (``purpose`` names it beside this run's test databases);
    one left behind by an interrupted run is dropped first."""
    janitor = DatabaseJanitor(
        user=pg_server.user,
        host=pg_server.host,
        port=pg_server.port,
        password=pg_server.password,
        dbname=f"{pg_template.dbname}_{purpose}",
        template_dbname=pg_template.template_dbname,
    )
    janitor.drop()
    with janitor:
        yield pg_server.url(janitor.dbname)


@pytest.fixture
def database_url(postgresql: psycopg.Connection[Any], pg_server: PgServer) -> str:
    """URL of this test's own freshly migrated database."""
    return pg_server.url(postgresql.info.dbname)


@pytest.fixture
def empty_database_url(pg_server: PgServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a database with no migrations applied (for migration tests)."""
    dbname = f"eb_empty_{abs(hash(request.node.nodeid)) % 10**8}"
    janitor = DatabaseJanitor(
        user=pg_server.user,
        host=pg_server.host,
        port=pg_server.port,
        password=pg_server.password,
        dbname=dbname,
    )
    janitor.drop()
    with janitor:
        yield pg_server.url(dbname)


def make_settings(database_url: str, **environ: str) -> Settings:
    """Settings for a test: the test database, a small pool, no rate limits."""
    settings = load_settings(
        {
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "DATABASE_POOL_MIN": "1",
            "DATABASE_POOL_MAX": "4",
            "RATE_LIMITS_ENABLED": "false",
            "ENCRYPTION_KEYS": TEST_KEYRING,
            # Tests read the probes and metrics through ``internal_client`` (and the
            # process tests pick free ports), never a fixed port that runs could share.
            "API_INTERNAL_PORT": "0",
            "WORKER_INTERNAL_PORT": "0",
            "BOT_INTERNAL_PORT": "0",
            **environ,
        }
    )
    return msgspec.structs.replace(settings, data_dir=Path(PROJECT_ROOT / ".data"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def core(settings: Settings, clock: FixedClock) -> AsyncIterator[Core]:
    """The shared machinery over this test's database, with a fixed clock."""
    built = build_core(settings, clock=clock)
    await built.database.open()
    try:
        yield built
    finally:
        await built.database.close()


@pytest.fixture
def app(settings: Settings, clock: FixedClock) -> Litestar:
    """The HTTP application over this test's database, on the test's clock."""
    return create_app(settings, core=build_core(settings, clock=clock))


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def internal(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The API's internal listener (``/health/ready``, ``/metrics``) for ``app``, whose
    lifespan (``client``) holds the pool open."""
    async with internal_client(app, client) as test_client:
        yield test_client


@asynccontextmanager
async def internal_client(
    app: Litestar, beside: AsyncTestClient[Litestar]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client of the internal app ``create_app`` built beside ``app``, answering in the
    event loop of ``beside`` (the client whose lifespan opened the app's pool): a pool's
    connections and waits belong to the loop that opened it, and a probe run in another
    loop hung whenever it had to wait for a connection."""
    internal_app: Litestar = app.state.internal_app
    test_client = AsyncTestClient(app=internal_app)
    test_client.blocking_portal = beside.blocking_portal
    yield test_client  # nothing to close: its transport calls the app in that portal


def worker_internal_client(core: Core) -> httpx.AsyncClient:
    """A client of the worker's internal app over ``core`` (whose pool is open), run in
    the test's own event loop, where the pool lives."""
    app = worker_internal_app(
        core.database, core.calendar_health, core.scheduler, core.worker_telemetry
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://internal")
