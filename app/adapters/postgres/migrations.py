"""Schema migrations: the numbered SQL files in ``migrations/``, applied with yoyo.

The same yoyo machinery serves ``python -m app migrate``, the test harness and the
readiness probe, so the three can never disagree with ``yoyo apply`` / ``yoyo list``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import structlog
from yoyo import get_backend, read_migrations

logger = structlog.get_logger(__name__)

# How long a second migrator waits for the first to finish before giving up.
LOCK_TIMEOUT_SECONDS = 120


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
    """The ids (file names without ``.sql``) of every migration file, in order."""
    return tuple(m.id for m in read_migrations(str(migrations_dir)))


@contextmanager
def _backend(database_url: str) -> Iterator[Any]:
    backend = get_backend(yoyo_url(database_url))
    try:
        yield backend
    finally:
        backend.connection.close()


def apply_migrations(database_url: str, migrations_dir: Path) -> tuple[str, ...]:
    """Apply every pending migration under yoyo's lock; return the ids applied now.

    A concurrent run waits for the lock and then finds nothing left to do.
    """
    migrations = read_migrations(str(migrations_dir))
    with _backend(database_url) as backend, backend.lock(timeout=LOCK_TIMEOUT_SECONDS):
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
    migrations = read_migrations(str(migrations_dir))
    with _backend(database_url) as backend:
        pending = {m.id for m in backend.to_apply(migrations)}
    return MigrationStatus(
        applied=tuple(m.id for m in migrations if m.id not in pending),
        pending=tuple(m.id for m in migrations if m.id in pending),
    )
