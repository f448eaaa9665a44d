"""What a repository works with inside a unit of work: one connection, the named
queries, the cipher, the clock, and a way to hand over aggregates whose events must
reach the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from app.application.ports import Cipher, Clock
from app.domain.errors import VersionConflict
from app.domain.shared.events import Aggregate


@dataclass(frozen=True, slots=True)
class Session:
    conn: psycopg.AsyncConnection[Any]
    queries: Any
    cipher: Cipher
    clock: Clock
    track: Callable[[Aggregate], None]

    def encrypt(self, plaintext: str, table: str, column: str, row_id: object) -> str:
        """Encrypt a P2 value bound to ``<table>.<column>:<row id>``."""
        return self.cipher.encrypt(plaintext, f"{table}.{column}:{row_id}")

    def decrypt(self, token: str, table: str, column: str, row_id: object) -> str:
        return self.cipher.decrypt(token, f"{table}.{column}:{row_id}")


def ensure_version_matched(rowcount: int) -> None:
    """Optimistic locking: ``UPDATE ... WHERE id = :id AND version = :version`` must hit
    exactly one row; none means someone else changed (or removed) it first."""
    if rowcount != 1:
        raise VersionConflict()
