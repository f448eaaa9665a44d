"""The assistants' records in PostgreSQL (queries in sql/assistants/): the
``ai_processing`` consent, who owns each conversation, the model gate's counters,
retention, and the assistants' part of data-subject export and erasure."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from app.adapters.crypto.aesgcm import KeyedHasher
from app.adapters.postgres.database import Database
from app.adapters.postgres.session import Session
from app.application.assistants.ports import ModelNotAdmitted
from app.application.identity.personal_data import DataSubject
from app.application.ports import Clock
from app.domain.errors import Forbidden
from app.domain.identity.model import ConsentRecord, ConsentSource, ConsentState, ConsentType

# Retention deletes conversations in batches of this many, each batch one transaction.
PURGE_BATCH = 200


class PostgresAiConsent:
    """``AiConsent``: the user's latest ``ai_processing`` record is a grant."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.identity

    async def granted(self, user_id: uuid.UUID) -> bool:
        async with self._db.pool.connection() as conn:
            history = [
                ConsentRecord(
                    consent_type=ConsentType(r["consent_type"]),
                    granted=r["granted"],
                    document_version=r["document_version"],
                    source=ConsentSource(r["source"]),
                    created_at=r["created_at"],
                )
                async for r in self._q.consent_history(conn, user_id=user_id)
            ]
        return ConsentState.from_history(history).has(ConsentType.AI_PROCESSING)


class PostgresConversationOwners:
    """``ConversationOwners`` over ``assistant_threads``."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._q = database.queries.assistants
        self._clock = clock

    async def claim(self, thread_id: str, user_id: uuid.UUID, assistant: str) -> None:
        async with self._db.pool.connection() as conn:
            row = await self._q.claim_thread(
                conn, thread_id=thread_id, user_id=user_id, assistant=assistant,
                now=self._clock.now(),
            )  # fmt: skip
        if row is None:
            raise Forbidden("This conversation belongs to someone else.")

    async def owner(self, thread_id: str) -> uuid.UUID | None:
        async with self._db.pool.connection() as conn:
            row = await self._q.thread_owner(conn, thread_id=thread_id)
        return row["user_id"] if row else None


def _seconds_until(now: datetime, then: datetime) -> int:
    return max(1, math.ceil((then - now).total_seconds()))


# Anonymous visitors (``anon:<address>``) may use at most this share of the day's budget,
# so addresses that change cannot spend what clients and staff need.
ANONYMOUS_SHARE = 0.5


class PostgresModelGate:
    """``ModelGate``: a fixed hourly window of calls per caller (the caller kept as an
    HMAC under a key derived from the keyring) and a daily (UTC) token budget, of which
    anonymous callers get half. A budget of 0 admits no call."""

    def __init__(
        self, database: Database, clock: Clock, hasher: KeyedHasher, *,
        daily_token_budget: int, requests_per_hour: int,
    ) -> None:  # fmt: skip
        self._db = database
        self._q = database.queries.assistants
        self._clock = clock
        self._hasher = hasher
        self._budget = daily_token_budget
        self._per_hour = requests_per_hour

    async def admit(self, caller: str) -> None:
        now = self._clock.now().astimezone(UTC)
        tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), UTC)
        if self._budget <= 0:
            raise ModelNotAdmitted("budget", _seconds_until(now, tomorrow))
        hour = now.replace(minute=0, second=0, microsecond=0)
        async with self._db.pool.connection() as conn:
            spent = await self._q.tokens_of_day(conn, day=now.date())
            budget = self._budget * (ANONYMOUS_SHARE if caller.startswith("anon:") else 1)
            if spent is not None and spent["tokens"] >= budget:
                raise ModelNotAdmitted("budget", _seconds_until(now, tomorrow))
            counted = await self._q.count_call(
                conn, caller_hash=self._hasher.keyed_hash(f"assistant-caller:{caller}"),
                hour=hour, limit=self._per_hour,
            )  # fmt: skip
        if counted is None:
            raise ModelNotAdmitted("rate", _seconds_until(now, hour + timedelta(hours=1)))

    async def spend(self, tokens: int) -> None:
        if tokens <= 0:
            return
        day = self._clock.now().astimezone(UTC).date()
        async with self._db.pool.connection() as conn:
            await self._q.add_tokens(conn, day=day, tokens=tokens)


class PostgresConversationRetention:
    """``IdleConversations``: idle conversations with every checkpoint row, orphaned
    checkpoints (no account claimed them) by their latest checkpoint's time, and old
    usage counters."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.assistants

    async def purge_idle(self, before: datetime) -> int:
        purged = 0
        for orphans in (False, True):
            while True:
                async with self._db.pool.connection() as conn:
                    if orphans:
                        rows = self._q.stale_orphan_threads(conn, before=before, limit=PURGE_BATCH)
                    else:
                        rows = self._q.stale_threads(conn, before=before, limit=PURGE_BATCH)
                    ids = [r["thread_id"] async for r in rows]
                    if ids:
                        await _delete_threads(self._q, conn, ids)
                purged += len(ids)
                if len(ids) < PURGE_BATCH:
                    break
        return purged

    async def purge_usage(self, before: datetime) -> int:
        async with self._db.pool.connection() as conn:
            calls = await self._q.purge_call_counts(conn, before=before)
            days = await self._q.purge_token_days(conn, before=before.date())
        return int(calls) + int(days)


async def _delete_threads(q: Any, conn: Any, thread_ids: list[str]) -> None:
    await q.delete_thread_checkpoint_writes(conn, thread_ids=thread_ids)
    await q.delete_thread_checkpoint_blobs(conn, thread_ids=thread_ids)
    await q.delete_thread_checkpoints(conn, thread_ids=thread_ids)
    await q.delete_threads(conn, thread_ids=thread_ids)


class AssistantsPersonalData:
    """The assistants' section: the person's conversations (ids, assistant, dates; the
    messages stay encrypted in the checkpoints and are not exported); erasure deletes
    the conversations with every checkpoint, blob and pending write."""

    name = "assistants"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.assistants

    async def bind(self, subject: DataSubject) -> DataSubject:
        return subject

    async def export(self, subject: DataSubject) -> object:
        if subject.user_id is None:
            return {"conversations": []}
        rows = self._q.export_threads(self._s.conn, user_id=subject.user_id)
        return {"conversations": [dict(r) async for r in rows]}

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        conn, q, user_id = self._s.conn, self._q, subject.user_id
        if user_id is None:
            return {}
        # The checkpoints first: they are found through the threads being deleted.
        writes = int(await q.erase_user_checkpoint_writes(conn, user_id=user_id))
        blobs = int(await q.erase_user_checkpoint_blobs(conn, user_id=user_id))
        checkpoints = int(await q.erase_user_checkpoints(conn, user_id=user_id))
        return {
            "checkpoint_writes": writes,
            "checkpoint_blobs": blobs,
            "checkpoints": checkpoints,
            "assistant_threads": int(await q.erase_user_threads(conn, user_id=user_id)),
        }
