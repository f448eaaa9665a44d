"""The identity retention job purges expired codes and sessions and expired archives."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from app.application.access import Principal, ensure_owned
from app.bootstrap import Core
from app.domain.errors import NotFound
from app.domain.identity.model import Role
from tests.conftest import FixedClock


async def test_retention_purges_what_has_expired(
    core: Core, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    now = clock.now()
    old, fresh = now - timedelta(days=2), now + timedelta(minutes=5)
    user = postgresql.execute(
        "INSERT INTO users (email) VALUES ('r@example.org') RETURNING id"
    ).fetchone()[0]  # type: ignore[index]
    for expires in (old, fresh):
        postgresql.execute(
            """INSERT INTO login_codes (email_normalized, code_hash, created_at, expires_at)
               VALUES ('r@example.org', '\\x00', %(c)s, %(e)s)""",
            {"c": expires - timedelta(minutes=10), "e": expires},
        )
        postgresql.execute(
            """INSERT INTO auth_sessions (user_id, token_hash, created_at, expires_at)
               VALUES (%(u)s, %(h)s, %(c)s, %(e)s)""",
            {
                "u": user,
                "h": uuid.uuid4().bytes * 2,
                "c": expires - timedelta(days=1),
                "e": expires,
            },
        )
    postgresql.execute(
        """INSERT INTO data_export_requests (user_id, status, ready_at, expires_at,
               download_token_hash, archive_encrypted)
           VALUES (%(u)s, 'ready', %(r)s, %(e)s, %(h)s, 'enc:v1:k:x')""",
        {"u": user, "r": old, "e": now - timedelta(hours=1), "h": uuid.uuid4().bytes * 2},
    )
    postgresql.commit()

    assert "identity.retention" in await core.scheduler.run_due()

    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM login_codes").fetchone() == (1,)
    assert postgresql.execute("SELECT count(*) FROM auth_sessions").fetchone() == (1,)
    assert postgresql.execute(
        "SELECT status, archive_encrypted, download_token_hash FROM data_export_requests"
    ).fetchone() == ("expired", None, None)


def test_foreign_objects_look_missing() -> None:
    me = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
    ensure_owned(me.user_id, me)
    with pytest.raises(NotFound):
        ensure_owned(uuid.uuid4(), me)


async def test_idempotency_records_are_kept_a_day(
    core: Core, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    now = clock.now()
    for key, created in (("old-key-0001", now - timedelta(days=2)), ("new-key-0001", now)):
        postgresql.execute(
            """INSERT INTO idempotency_records (scope, key, request_hash, response_encrypted,
                                                status_code, created_at)
               VALUES ('booking.hold', %(k)s, %(h)s, 'enc:v1:k:x', 201, %(c)s)""",
            {"k": key, "h": b"\x00" * 32, "c": created},
        )
    postgresql.commit()

    assert "idempotency.purge" in await core.scheduler.run_due()

    postgresql.commit()
    assert postgresql.execute("SELECT key FROM idempotency_records").fetchall() == [
        ("new-key-0001",)
    ]
