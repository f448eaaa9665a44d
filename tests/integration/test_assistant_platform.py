"""The assistants' platform adapters over the real database: the ai_processing
consent, conversation owners, the model gate (per-caller rate, daily token budget) and
the retention job."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from app.adapters.crypto.aesgcm import KeyedHasher
from app.adapters.postgres.assistants import (
    PostgresAiConsent,
    PostgresConversationOwners,
    PostgresConversationRetention,
    PostgresModelGate,
)
from app.application.assistants.ports import ModelNotAdmitted
from app.application.assistants.retention import purge_idle_conversations
from app.bootstrap import Core
from app.domain.errors import Forbidden
from tests.conftest import FixedClock
from tests.integration import rows

NOON = datetime(2030, 3, 4, 12, 40, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOON)


def consent(db: psycopg.Connection[Any], user_id: uuid.UUID, granted: bool, at: datetime) -> None:
    db.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source,
                                 created_at)
           VALUES (%(u)s, 'ai_processing', %(g)s, '2030-01', 'web', %(at)s)""",
        {"u": user_id, "g": granted, "at": at},
    )
    db.commit()


async def test_the_ai_consent_is_the_latest_record(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    user_id = rows.user(postgresql)
    postgresql.commit()
    adapter = PostgresAiConsent(core.database)
    assert await adapter.granted(user_id) is False
    consent(postgresql, user_id, True, NOON)
    assert await adapter.granted(user_id) is True
    consent(postgresql, user_id, False, NOON + timedelta(minutes=1))
    assert await adapter.granted(user_id) is False
    assert await adapter.granted(uuid.uuid4()) is False


async def test_a_conversation_has_one_owner(
    core: Core, postgresql: psycopg.Connection[Any], clock: FixedClock
) -> None:
    anna, boris = rows.user(postgresql), rows.user(postgresql)
    postgresql.commit()
    owners = PostgresConversationOwners(core.database, clock)
    assert await owners.owner("t-1") is None
    await owners.claim("t-1", anna, "concierge")
    clock.advance(minutes=5)
    await owners.claim("t-1", anna, "concierge")  # her next turn touches the thread
    assert await owners.owner("t-1") == anna
    with pytest.raises(Forbidden):
        await owners.claim("t-1", boris, "concierge")
    with pytest.raises(Forbidden):
        await owners.claim("t-1", anna, "editor")
    created, updated = postgresql.execute(
        "SELECT created_at, updated_at FROM assistant_threads WHERE thread_id = 't-1'"
    ).fetchone()  # type: ignore[misc]
    assert updated - created >= timedelta(minutes=5)
    assert await owners.owner("t-1") == anna

    # An erased account claims nothing, new or old: a request under way when the
    # erasure ran cannot bring a conversation back.
    postgresql.execute(
        "UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = %s", (anna,)
    )
    postgresql.commit()
    with pytest.raises(Forbidden):
        await owners.claim("t-2", anna, "concierge")
    with pytest.raises(Forbidden):
        await owners.claim("t-1", anna, "concierge")


def gate(
    core: Core, clock: FixedClock, *, budget: int = 100, per_hour: int = 2
) -> PostgresModelGate:
    return PostgresModelGate(
        core.database, clock, KeyedHasher(core.cipher.keyring),
        daily_token_budget=budget, requests_per_hour=per_hour,
    )  # fmt: skip


async def test_the_gate_limits_each_caller_per_hour(
    core: Core, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    limits = gate(core, clock, per_hour=2)
    anna = f"user:{uuid.uuid4()}"
    await limits.admit(anna)
    await limits.admit(anna)
    with pytest.raises(ModelNotAdmitted) as refused:
        await limits.admit(anna)
    assert refused.value.reason == "rate"
    assert refused.value.retry_after_seconds == 20 * 60  # until 13:00
    await limits.admit("anon:other")  # another caller has an hour of its own
    clock.advance(minutes=20)
    await limits.admit(anna)  # a new hour
    postgresql.commit()
    stored = postgresql.execute(
        "SELECT caller_hash, calls FROM assistant_call_counts ORDER BY hour, calls"
    ).fetchall()
    assert sorted(calls for _, calls in stored) == [1, 1, 2]
    for caller_hash, _ in stored:
        assert len(caller_hash) == 32
        assert anna.split(":")[1].encode() not in bytes(caller_hash)


async def test_the_gate_stops_at_the_daily_budget(core: Core, clock: FixedClock) -> None:
    limits = gate(core, clock, budget=100, per_hour=100)
    await limits.admit("user:a")
    await limits.spend(60)
    await limits.admit("user:a")
    await limits.spend(45)
    with pytest.raises(ModelNotAdmitted) as refused:
        await limits.admit("user:b")
    assert refused.value.reason == "budget"
    assert refused.value.retry_after_seconds == 11 * 3600 + 20 * 60  # until midnight UTC
    clock.advance(hours=12)
    await limits.admit("user:b")  # a new day


async def test_anonymous_callers_get_half_the_days_budget(core: Core, clock: FixedClock) -> None:
    limits = gate(core, clock, budget=100, per_hour=100)
    await limits.admit("anon:203.0.113.5")
    await limits.spend(55)
    with pytest.raises(ModelNotAdmitted) as refused:
        await limits.admit("anon:198.51.100.7")  # a new address changes nothing
    assert refused.value.reason == "budget"
    await limits.admit("user:a")  # clients and staff keep the rest


async def test_a_zero_budget_admits_no_call(core: Core, clock: FixedClock) -> None:
    with pytest.raises(ModelNotAdmitted) as refused:
        await gate(core, clock, budget=0).admit("user:a")
    assert refused.value.reason == "budget"


def thread(
    db: psycopg.Connection[Any], thread_id: str, user_id: uuid.UUID | None, at: datetime
) -> None:
    if user_id is not None:
        db.execute(
            """INSERT INTO assistant_threads (thread_id, user_id, assistant, created_at, updated_at)
               VALUES (%(t)s, %(u)s, 'concierge', %(at)s, %(at)s)""",
            {"t": thread_id, "u": user_id, "at": at},
        )
    db.execute(
        """INSERT INTO checkpoints (thread_id, checkpoint_id, checkpoint)
           VALUES (%(t)s, '1', jsonb_build_object('ts', %(at)s::text, 'v', 4))""",
        {"t": thread_id, "at": at},
    )
    db.execute(
        """INSERT INTO checkpoint_blobs (thread_id, channel, version, type, blob)
           VALUES (%(t)s, 'messages', '1', 'msgpack+aesgcm:k', '\\x00')""",
        {"t": thread_id},
    )
    db.execute(
        """INSERT INTO checkpoint_writes (thread_id, checkpoint_id, task_id, idx, channel, blob)
           VALUES (%(t)s, '1', 'task', 0, 'messages', '\\x00')""",
        {"t": thread_id},
    )
    db.commit()


def threads_left(db: psycopg.Connection[Any]) -> dict[str, set[str]]:
    db.commit()
    return {
        table: {r[0] for r in db.execute(f"SELECT thread_id FROM {table}").fetchall()}  # noqa: S608
        for table in ("assistant_threads", "checkpoints", "checkpoint_blobs", "checkpoint_writes")
    }


async def test_retention_deletes_idle_conversations_and_old_counters(
    core: Core, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    anna = rows.user(postgresql)
    thread(postgresql, "old", anna, NOON - timedelta(days=31))
    thread(postgresql, "fresh", anna, NOON - timedelta(days=29))
    thread(postgresql, "guest-old", None, NOON - timedelta(days=31))
    thread(postgresql, "guest-fresh", None, NOON - timedelta(days=1))
    # A run cut short: its blob and write, but no checkpoint and no owner.
    postgresql.execute(
        """INSERT INTO checkpoint_blobs (thread_id, channel, version, type, blob)
           VALUES ('fragment', 'messages', '1', 'msgpack+aesgcm:k', '\\x00')"""
    )
    postgresql.execute(
        """INSERT INTO checkpoint_writes (thread_id, checkpoint_id, task_id, idx, channel, type, blob)
           VALUES ('fragment', '1', 't', 0, 'messages', 'msgpack+aesgcm:k', '\\x00')"""
    )
    postgresql.execute(
        """INSERT INTO assistant_call_counts (caller_hash, hour, calls)
           VALUES (decode(repeat('ab', 32), 'hex'), %(old)s, 3),
                  (decode(repeat('cd', 32), 'hex'), %(new)s, 1)""",
        {"old": NOON - timedelta(days=3), "new": NOON - timedelta(hours=1)},
    )
    postgresql.execute(
        "INSERT INTO llm_token_days (day, tokens) VALUES (%(old)s, 10), (%(new)s, 20)",
        {"old": (NOON - timedelta(days=3)).date(), "new": NOON.date()},
    )
    postgresql.commit()

    purged = await purge_idle_conversations(
        PostgresConversationRetention(core.database), NOON, retention_days=30
    )
    assert purged == 3
    left = threads_left(postgresql)
    assert left["assistant_threads"] == {"fresh"}
    for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
        assert left[table] == {"fresh", "guest-fresh"}, table
    assert postgresql.execute("SELECT calls FROM assistant_call_counts").fetchall() == [(1,)]
    assert postgresql.execute("SELECT tokens FROM llm_token_days").fetchall() == [(20,)]


async def test_the_retention_job_is_registered_and_runs(
    core: Core, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    (job,) = [j for j in core.scheduler.jobs if j.name == "assistants.retention"]
    anna = rows.user(postgresql)
    thread(
        postgresql, "old", anna, NOON - timedelta(days=core.settings.assistant_retention_days + 1)
    )
    await job.run(NOON)
    assert threads_left(postgresql)["checkpoints"] == set()
