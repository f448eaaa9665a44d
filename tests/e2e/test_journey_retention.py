"""Retention that runs: a day-old idempotency record, messages finished past their
retention and an export past its expiry are deleted by the worker's periodic jobs, and
the worker's /metrics says when each job last succeeded."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.composition.root import Core
from app.config import Settings
from tests.conftest import FixedClock, worker_internal_client
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
PERSONAL = {"consent_type": "personal_data", "granted": True, "document_version": "1"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def client(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The API process; the worker is the shared ``core`` fixture, on the same clock."""
    postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status)
           VALUES ('konsultatsiya', 'Консультация', 'online', 60, 3500, 'published')"""
    )
    postgresql.execute(
        """INSERT INTO schedule_rules (weekday, start_time, end_time, timezone)
           SELECT d, '09:00', '18:00', 'Europe/Moscow' FROM generate_series(1, 7) d"""
    )
    postgresql.commit()
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def work(core: Core) -> None:
    """One worker round, as `python -m app worker` runs it."""
    while await core.relay.run_once() or await core.sender.run_once():
        pass
    await core.infrastructure.scheduler.run_due()


def counts(db: psycopg.Connection[Any]) -> tuple[int, int, int, int]:
    db.commit()
    row = db.execute(
        """SELECT (SELECT count(*) FROM idempotency_records),
                  (SELECT count(*) FROM notification_deliveries WHERE status <> 'pending'),
                  (SELECT count(*) FROM notification_deliveries WHERE status = 'pending'),
                  (SELECT count(*) FROM data_export_requests)"""
    ).fetchone()
    assert row is not None
    return row  # type: ignore[return-value]


def fresh_session(db: psycopg.Connection[Any], email: str, now: datetime) -> str:
    """The person signs in again (their first session has long expired)."""
    token = secrets.token_urlsafe(32)
    db.execute(
        """INSERT INTO auth_sessions (user_id, token_hash, created_at, expires_at, last_seen_at)
           SELECT id, %(h)s, %(now)s, %(exp)s, %(now)s FROM users WHERE email = %(e)s""",
        {"h": hashlib.sha256(token.encode()).digest(), "now": now,
         "exp": now + timedelta(hours=12), "e": email},
    )  # fmt: skip
    db.commit()
    return token


def last_success(metrics: str, job: str) -> float:
    match = re.search(
        rf'^balance_job_last_success_timestamp_seconds{{periodic_job="{re.escape(job)}"}} (\S+)$',
        metrics, re.MULTILINE,
    )  # fmt: skip
    assert match, metrics[-2000:]
    return float(match.group(1))


async def test_old_records_messages_and_exports_are_purged_by_the_jobs(
    client: AsyncTestClient[Litestar], core: Core, clock: FixedClock,
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    # A guest's hold, sent with an Idempotency-Key: its answer is kept for replays.
    held = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": "2030-06-05T07:00:00+00:00",
              "format": "online", "contact": {"name": "Гость", "email": "guest@example.org"},
              "consents": [PERSONAL]},
        headers={"Idempotency-Key": "retention-hold-1"},
    )  # fmt: skip
    assert held.status_code == 201, held.text
    # A client asks for a copy of their data: the worker builds it and e-mails the link.
    token = bearer(signed_in(postgresql, "client", "export@example.org", now=NOW))
    asked = await client.post("/api/v1/me/data-exports", headers=token)
    assert asked.status_code == 202, asked.text
    export = f"/api/v1/me/data-exports/{asked.json()['id']}"
    await work(core)
    assert (await client.get(export, headers=token)).json()["status"] == "ready"
    # A message that failed for good, and one still waiting for its next attempt.
    postgresql.execute(
        """INSERT INTO notification_deliveries (channel, template_code, recipient_kind,
               recipient_id, dedupe_key, status, last_error, created_at, next_attempt_at)
           VALUES ('email', 'booking.confirmed', 'user', gen_random_uuid()::text, 'old-failed',
                   'failed', 'smtp_refused', %(then)s, %(then)s),
                  ('email', 'booking.confirmed', 'user', gen_random_uuid()::text, 'waiting',
                   'pending', NULL, %(then)s, '2040-01-01T00:00:00Z')""",
        {"then": NOW},
    )  # fmt: skip
    records, finished, pending, exports = counts(postgresql)
    assert (records, exports) == (1, 1)
    assert finished >= 2
    assert pending >= 1

    # Two hours on: the hold's record is still fresh; nothing is purged.
    clock.advance(hours=2)
    await work(core)
    assert counts(postgresql)[0] == 1
    assert counts(postgresql)[1] == finished

    # A day on: the idempotency record is gone, the messages stay (90 days).
    clock.advance(days=1)
    await work(core)
    records, later_finished, _, _ = counts(postgresql)
    assert records == 0
    assert later_finished >= finished  # (the expired hold was told, too)
    async with worker_internal_client(core) as internal:
        metrics = (await internal.get("/metrics")).text
    now = clock.now().timestamp()
    assert last_success(metrics, "idempotency.purge") == pytest.approx(now, abs=1)

    # Past 90 days: finished messages and the long-expired export are gone; a message
    # still waiting is never purged.
    clock.advance(days=91)
    await work(core)
    assert counts(postgresql) == (0, 0, pending, 0)
    again = bearer(fresh_session(postgresql, "export@example.org", clock.now()))
    assert (await client.get(export, headers=again)).status_code == 404

    # The worker's /metrics says when each periodic job last succeeded.
    async with worker_internal_client(core) as internal:
        metrics = (await internal.get("/metrics")).text
    for job in ("notifications.retention", "identity.retention", "idempotency.purge"):
        assert last_success(metrics, job) == pytest.approx(clock.now().timestamp(), abs=1)
