"""Which store the rate limits count in, from the settings; and the warning a production
start gives when each replica would count on its own."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from app.adapters.postgres.database import Database
from app.adapters.postgres.rate_limit_store import PostgresStore
from app.composition.rate_limits import build_rate_limit_store
from app.config import Settings, load_settings
from tests.unit.test_config import PROD_OK

PER_PROCESS = "rate_limits_counted_per_process"


def unopened_database(settings: Settings) -> Database:
    """A pool that is never opened: choosing a store connects to nothing."""
    return Database.create(
        "postgresql://app@db:5432/app", min_size=1, max_size=1, sql_dir=settings.sql_dir
    )


def chosen(environ: dict[str, str]) -> tuple[Any, list[str]]:
    settings = load_settings(environ)
    with structlog.testing.capture_logs() as logs:
        store = build_rate_limit_store(settings, unopened_database(settings))
    return store, [entry["event"] for entry in logs]


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        ({}, MemoryStore),
        ({"RATE_LIMIT_STORE": "postgres"}, PostgresStore),
        ({"REDIS_URL": "redis://cache:6379/0"}, RedisStore),
    ],
)
def test_the_store_follows_the_settings(environ: dict[str, str], kind: type) -> None:
    store, events = chosen(environ)
    assert isinstance(store, kind)
    assert PER_PROCESS not in events


def test_prod_with_memory_counting_warns_at_start() -> None:
    store, events = chosen(PROD_OK)
    assert isinstance(store, MemoryStore)
    assert PER_PROCESS in events


@pytest.mark.parametrize(
    "shared", [{"RATE_LIMIT_STORE": "postgres"}, {"REDIS_URL": "redis://cache:6379/0"}]
)
def test_prod_with_a_shared_store_does_not_warn(shared: dict[str, str]) -> None:
    _, events = chosen({**PROD_OK, **shared})
    assert PER_PROCESS not in events
