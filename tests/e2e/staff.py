"""Signed-in people for tests of other contexts: a user, their role and a session."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg


def signed_in(
    db: psycopg.Connection[Any], role: str, email: str | None = None, now: datetime | None = None
) -> str:
    """Create a user with ``role`` and an open session; return its bearer token."""
    token = secrets.token_urlsafe(32)
    db.commit()
    user_id = db.execute(
        "INSERT INTO users (email) VALUES (%(e)s) RETURNING id",
        {"e": email or f"{role}-{secrets.token_hex(4)}@example.org"},
    ).fetchone()[0]  # type: ignore[index]
    db.execute(
        "INSERT INTO user_roles (user_id, role_code) VALUES (%(u)s, %(r)s)",
        {"u": user_id, "r": role},
    )
    now = now or datetime.now(UTC)
    db.execute(
        """INSERT INTO auth_sessions (user_id, token_hash, created_at, expires_at, last_seen_at)
           VALUES (%(u)s, %(h)s, %(now)s, %(exp)s, %(now)s)""",
        {"u": user_id, "h": hashlib.sha256(token.encode()).digest(), "now": now,
         "exp": now + timedelta(hours=12)},
    )  # fmt: skip
    db.commit()
    return token
