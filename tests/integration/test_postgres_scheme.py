"""A ``postgres://`` DATABASE_URL reaches the real server through every path that uses it."""

from __future__ import annotations

from app.adapters.postgres.database import Database
from app.adapters.postgres.migrations import migration_ids, migration_status
from app.config import MIGRATIONS_DIR, SQL_DIR


def _short_scheme(database_url: str) -> str:
    assert database_url.startswith("postgresql://")
    return "postgres://" + database_url.removeprefix("postgresql://")


def test_migration_status_over_a_postgres_url(database_url: str) -> None:
    status = migration_status(_short_scheme(database_url), MIGRATIONS_DIR)
    assert status.pending == ()
    assert status.applied == migration_ids(MIGRATIONS_DIR)


async def test_the_pool_and_readiness_over_a_postgres_url(database_url: str) -> None:
    database = Database.create(_short_scheme(database_url), min_size=1, max_size=1, sql_dir=SQL_DIR)
    await database.open()
    try:
        readiness = await database.readiness(migration_ids(MIGRATIONS_DIR))
    finally:
        await database.close()
    assert readiness.ready, readiness.reason
