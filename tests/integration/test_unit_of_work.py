"""The unit of work over real PostgreSQL: all or nothing, events with the change,
optimistic locking, and database errors as domain errors."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any, ClassVar

import psycopg
import pytest

from app.adapters.postgres.session import Session, ensure_version_matched
from app.application.ports import AuditEntry
from app.application.transactions import in_transaction
from app.bootstrap import Core
from app.domain.errors import SlotUnavailable, SlugTaken, ValidationFailed, VersionConflict
from app.domain.shared.events import Aggregate, DomainEvent


class TagCreated(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "test.tag_created"
    aggregate_type: ClassVar[str] = "tag"
    slug: str


class Tag(Aggregate):
    def __init__(self, slug: str, now: datetime) -> None:
        super().__init__()
        self.id = uuid.uuid4()
        self.slug = slug
        self.record(
            TagCreated(event_id=uuid.uuid4(), occurred_at=now, aggregate_id=str(self.id), slug=slug)
        )


async def add_tag(session: Session, tag: Tag) -> None:
    await session.conn.execute(
        "INSERT INTO tags (id, slug, title) VALUES (%(id)s, %(slug)s, 'Тег')",
        {"id": tag.id, "slug": tag.slug},
    )
    session.track(tag)


def count(postgresql: psycopg.Connection[Any], sql: str) -> int:
    postgresql.commit()
    return int(postgresql.execute(sql).fetchone()[0])  # type: ignore[index]


async def test_commit_writes_the_change_and_its_events_together(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    uow = core.unit_of_work(lambda s: s)
    async with uow() as work:
        await add_tag(work.repos, Tag("spokoystvie", core.clock.now()))
        await work.audit.record(
            AuditEntry(actor_id=None, actor_role="owner", action="tag.create", entity_type="tag")
        )
        await work.commit()
    assert count(postgresql, "SELECT count(*) FROM tags") == 1
    assert count(postgresql, "SELECT count(*) FROM audit_log_entries") == 1
    row = postgresql.execute(
        "SELECT event_type, aggregate_type, payload FROM outbox_events"
    ).fetchone()
    assert row == ("test.tag_created", "tag", {"slug": "spokoystvie"})


async def test_leaving_without_commit_leaves_nothing(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    uow = core.unit_of_work(lambda s: s)
    async with uow() as work:
        await add_tag(work.repos, Tag("zabytyy", core.clock.now()))
    assert count(postgresql, "SELECT count(*) FROM tags") == 0
    assert count(postgresql, "SELECT count(*) FROM outbox_events") == 0


async def test_an_exception_inside_leaves_nothing(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    uow = core.unit_of_work(lambda s: s)
    with pytest.raises(RuntimeError):
        async with uow() as work:
            await add_tag(work.repos, Tag("oshibka", core.clock.now()))
            raise RuntimeError("boom")
    assert count(postgresql, "SELECT count(*) FROM tags") == 0
    assert count(postgresql, "SELECT count(*) FROM outbox_events") == 0


async def test_constraint_violations_become_domain_errors(core: Core) -> None:
    uow = core.unit_of_work(lambda s: s)
    async with uow() as work:
        await add_tag(work.repos, Tag("dubl", core.clock.now()))
        await work.commit()
    with pytest.raises(SlugTaken) as raised:
        async with uow() as work:
            await add_tag(work.repos, Tag("dubl", core.clock.now()))
    assert raised.value.code == "slug_taken"
    assert isinstance(raised.value.__cause__, psycopg.errors.UniqueViolation)
    with pytest.raises(ValidationFailed):
        async with uow() as work:
            await work.repos.conn.execute(
                "INSERT INTO content_item_tags (content_item_id, tag_id) VALUES (%(a)s, %(a)s)",
                {"a": uuid.uuid4()},
            )


async def test_double_booking_surfaces_as_slot_unavailable(core: Core) -> None:
    uow = core.unit_of_work(lambda s: s)
    insert = """
        WITH s AS (INSERT INTO services (slug, title, format, duration_minutes, price_amount)
                   VALUES (%(slug)s, 'x', 'online', 60, 100) RETURNING id),
             u AS (INSERT INTO users (email) VALUES (%(email)s) RETURNING id)
        INSERT INTO appointments (service_id, client_user_id, start_at, end_at, blocked_period,
                                  timezone, format, hold_expires_at)
        SELECT s.id, u.id, '2030-01-01 10:00Z', '2030-01-01 11:00Z',
               tstzrange('2030-01-01 10:00Z', '2030-01-01 11:00Z'), 'UTC', 'online', now()
        FROM s, u"""
    async with uow() as work:
        await work.repos.conn.execute(insert, {"slug": "a", "email": "a@example.org"})
        await work.commit()
    with pytest.raises(SlotUnavailable):
        async with uow() as work:
            await work.repos.conn.execute(insert, {"slug": "b", "email": "b@example.org"})


async def test_concurrent_updates_of_one_version_let_exactly_one_win(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    service_id = postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount)
           VALUES ('konsultatsiya', 'Старое', 'online', 50, 3500) RETURNING id"""
    ).fetchone()[0]  # type: ignore[index]
    postgresql.commit()
    uow = core.unit_of_work(lambda s: s)
    both_read = asyncio.Barrier(2)

    async def rename(title: str) -> str:
        async def work(w: Any) -> str:
            await both_read.wait()
            cursor = await w.repos.conn.execute(
                """UPDATE services SET title = %(title)s, version = version + 1
                   WHERE id = %(id)s AND version = 1""",
                {"title": title, "id": service_id},
            )
            ensure_version_matched(cursor.rowcount)
            return title

        try:
            return await in_transaction(uow, work)
        except VersionConflict:
            return "conflict"

    results = await asyncio.gather(rename("Первое"), rename("Второе"))
    assert results.count("conflict") == 1
    winner = next(r for r in results if r != "conflict")
    postgresql.commit()
    assert postgresql.execute(
        "SELECT title, version FROM services WHERE id = %(id)s", {"id": service_id}
    ).fetchone() == (winner, 2)


async def test_repositories_are_unusable_after_the_block(core: Core) -> None:
    uow = core.unit_of_work(lambda s: s)
    async with uow() as work:
        await work.commit()
        with pytest.raises(RuntimeError):
            _ = work.repos


async def test_a_reading_unit_runs_outside_a_transaction_and_cannot_publish(
    core: Core,
) -> None:
    reader = core.infrastructure.unit_of_work(lambda s: s, autocommit=True)
    async with reader() as work:
        conn = work.repos.conn
        await conn.execute("SELECT 1")
        # No BEGIN was sent: after a statement the connection is idle, not in a transaction.
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        event = TagCreated(
            event_id=uuid.uuid4(), occurred_at=core.clock.now(), aggregate_id="x", slug="x"
        )
        work.publish(event)
        with pytest.raises(RuntimeError, match="cannot publish"):
            await work.commit()
    # The connection went back to the pool as the pool hands them out: transactional.
    async with core.unit_of_work(lambda s: s)() as work:
        await work.repos.conn.execute("SELECT 1")
        assert work.repos.conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert not work.repos.conn.autocommit
