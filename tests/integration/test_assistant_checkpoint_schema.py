"""Migration 0049 creates exactly what langgraph-checkpoint-postgres's setup() would,
and records its migrations, so setup() has nothing left to do (the application never
calls it)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.postgres.base import MIGRATIONS

pytestmark = pytest.mark.migrations

TABLES = ["checkpoint_migrations", "checkpoints", "checkpoint_blobs", "checkpoint_writes"]


def shape(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            """SELECT table_name, ordinal_position, column_name, data_type, is_nullable,
                      column_default
               FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = ANY(%(t)s)
               ORDER BY table_name, ordinal_position""",
            {"t": TABLES},
        ).fetchall()
        indexes = conn.execute(
            """SELECT tablename, indexname, indexdef FROM pg_indexes
               WHERE schemaname = 'public' AND tablename = ANY(%(t)s) ORDER BY indexname""",
            {"t": TABLES},
        ).fetchall()
        versions = conn.execute("SELECT v FROM checkpoint_migrations ORDER BY v").fetchall()
    return {"columns": columns, "indexes": indexes, "versions": versions}


async def test_the_migration_matches_the_library_setup(
    database_url: str, empty_database_url: str
) -> None:
    async with AsyncPostgresSaver.from_conn_string(empty_database_url) as saver:
        await saver.setup()
    library = shape(empty_database_url)
    ours = shape(database_url)
    assert ours["columns"] == library["columns"]
    # Index names and definitions; the library's primary keys are named like ours.
    assert ours["indexes"] == library["indexes"]
    assert ours["versions"] == library["versions"] == [(v,) for v in range(len(MIGRATIONS))]


async def test_setup_on_the_migrated_schema_changes_nothing(database_url: str) -> None:
    before = shape(database_url)
    async with AsyncPostgresSaver.from_conn_string(database_url) as saver:
        await saver.setup()
    assert shape(database_url) == before
