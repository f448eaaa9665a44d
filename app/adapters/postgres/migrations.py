"""Schema migrations: the numbered SQL files in ``migrations/``, applied with yoyo.

The same yoyo machinery serves ``python -m app migrate`` and the test harness, so they
can never disagree with ``yoyo apply`` / ``yoyo list``. The readiness probe only needs
the migrations' ids, which are the files' names: it reads them without loading yoyo
(and sqlparse, ~3 MB in each long-running process), and
``tests/integration/test_migrations.py`` checks that yoyo reads the same ids in the same
order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import structlog

logger = structlog.get_logger(__name__)

# How long a second migrator waits for the first to finish before giving up.
LOCK_TIMEOUT_SECONDS = 120
LOCK_POLL_SECONDS = 0.2
_MIGRATOR_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('app:migrations', 0))"


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Which migration files the database has applied and which it still lacks."""

    applied: tuple[str, ...]
    pending: tuple[str, ...]


def yoyo_url(database_url: str) -> str:
    """Turn a ``postgresql://`` URL into the scheme yoyo uses for psycopg 3."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError("the database URL must use the postgresql:// scheme")
    return urlunsplit(("postgresql+psycopg", *parts[1:]))


def migration_ids(migrations_dir: Path) -> tuple[str, ...]:
    """The ids (file names without ``.sql``) of every migration file, in order: the
    numbered files sort as yoyo orders them (none declares a dependency)."""
    return tuple(sorted(p.stem for p in migrations_dir.glob("*.sql")))


@contextmanager
def _backend(database_url: str) -> Iterator[Any]:
    from yoyo import get_backend  # noqa: PLC0415 - only the migrators load yoyo

    backend = get_backend(yoyo_url(database_url))
    try:
        yield backend
    finally:
        backend.connection.close()


@contextmanager
def _one_migrator(database_url: str) -> Iterator[None]:
    """Wait for any other migrator of this database, without holding a transaction.

    yoyo's own lock makes a waiting process poll inside an open transaction, and
    ``CREATE INDEX CONCURRENTLY`` in a migration then waits for that transaction, which
    waits for the migration: both stall until the lock times out. Polling a session-level
    advisory lock in autocommit keeps the waiter out of every transaction; yoyo's lock,
    taken next, is then never contended by our own runs (``yoyo apply`` by hand still is).
    """
    with psycopg.connect(database_url, autocommit=True) as conn:
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while conn.execute(_MIGRATOR_LOCK).fetchone() != (True,):
            if time.monotonic() > deadline:
                raise TimeoutError("another migrator has held the database for too long")
            time.sleep(LOCK_POLL_SECONDS)
        yield  # the lock goes with the connection


def apply_migrations(database_url: str, migrations_dir: Path) -> tuple[str, ...]:
    """Apply every pending migration under yoyo's lock; return the ids applied now.

    A concurrent run waits for the first to finish and then finds nothing left to do.
    """
    from yoyo import read_migrations  # noqa: PLC0415

    migrations = read_migrations(str(migrations_dir))
    with (
        _one_migrator(database_url),
        _backend(database_url) as backend,
        backend.lock(timeout=LOCK_TIMEOUT_SECONDS),
    ):
        pending = backend.to_apply(migrations)
        ids = tuple(m.id for m in pending)
        if ids:
            backend.apply_migrations(pending)
    for migration_id in ids:
        logger.info("migration_applied", migration_id=migration_id)
    logger.info("migrations_current", applied_now=len(ids), total=len(migrations))
    return ids


def migration_status(database_url: str, migrations_dir: Path) -> MigrationStatus:
    """Which migrations are applied and which are pending, as ``yoyo list`` shows."""
    from yoyo import read_migrations  # noqa: PLC0415

    migrations = read_migrations(str(migrations_dir))
    with _backend(database_url) as backend:
        pending = {m.id for m in backend.to_apply(migrations)}
    return MigrationStatus(
        applied=tuple(m.id for m in migrations if m.id not in pending),
        pending=tuple(m.id for m in migrations if m.id in pending),
    )
