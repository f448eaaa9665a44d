"""Process memories kept in step through PostgreSQL NOTIFY: an announcement sent on one
connection pool is heard by a listener of another process's kind and clears the named
memory; the outbox triggers' own notifications clear nothing; a dropped listener comes
back and forgets everything it may have missed; a database that cannot be reached
delays nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
import pytest
import structlog

from app.adapters.postgres.memory_invalidation import (
    MemoryInvalidationListener,
    PostgresMemoryInvalidation,
)
from app.application.recent_reads import ProcessMemories, RecentReads
from app.bootstrap import Core

DEADLINE_SECONDS = 10.0


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait for an effect of a notification, which arrives on its own connection."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the notification never took effect"
        await asyncio.sleep(0.01)


class Memories:
    def __init__(self) -> None:
        self.content: RecentReads[str, str] = RecentReads(300, str, name="content")
        self.slots: RecentReads[str, str] = RecentReads(300, str, name="slots")
        self.process = ProcessMemories(self.content, self.slots)

    def fill(self) -> None:
        self.content.put("article", "old")
        self.slots.put("first-session", "old")

    def held(self) -> tuple[str | None, str | None]:
        return self.content.get("article"), self.slots.get("first-session")


@pytest.fixture
async def listening(core: Core) -> AsyncIterator[tuple[Memories, MemoryInvalidationListener]]:
    memories = Memories()
    listener = MemoryInvalidationListener(
        str(core.settings.database_url), core.database.queries, memories.process,
        first_retry=0.01, max_retry=0.05,
    )  # fmt: skip
    await listener.start()
    assert listener.listening
    try:
        yield memories, listener
    finally:
        await listener.close()


async def test_an_announcement_clears_the_named_memory_in_the_listening_process(
    core: Core, listening: tuple[Memories, MemoryInvalidationListener]
) -> None:
    memories, _ = listening
    memories.fill()
    await PostgresMemoryInvalidation(core.database).announce("slots")
    await eventually(lambda: memories.slots.get("first-session") is None)
    assert memories.held() == ("old", None)
    await PostgresMemoryInvalidation(core.database).announce("content")
    await eventually(lambda: memories.held() == (None, None))


async def test_a_process_passes_its_own_announcements_by(core: Core) -> None:
    # The writer forgot at its commit; what it remembered since (a start just found
    # taken) must not be dropped when its own announcement comes back a moment later.
    memories = Memories()
    own = PostgresMemoryInvalidation(core.database)
    listener = MemoryInvalidationListener(
        str(core.settings.database_url), core.database.queries, memories.process,
        origin=own.origin, first_retry=0.01, max_retry=0.05,
    )  # fmt: skip
    await listener.start()
    try:
        memories.fill()
        await own.announce("slots")
        await PostgresMemoryInvalidation(core.database).announce("content")
        # In commit order: its own came first and was passed by; the other's was heard.
        await eventually(lambda: memories.content.get("article") is None)
        assert memories.held() == (None, "old")
    finally:
        await listener.close()


async def test_the_relays_own_wakeups_clear_nothing(
    core: Core, listening: tuple[Memories, MemoryInvalidationListener],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    memories, _ = listening
    memories.fill()
    postgresql.execute("SELECT pg_notify('outbox_events', '')")
    postgresql.commit()
    await PostgresMemoryInvalidation(core.database).announce("content")
    # Notifications arrive in commit order: the empty one came first and was ignored.
    await eventually(lambda: memories.content.get("article") is None)
    assert memories.held() == (None, "old")


async def test_a_dropped_listener_returns_and_forgets_what_it_may_have_missed(
    core: Core, listening: tuple[Memories, MemoryInvalidationListener],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    memories, listener = listening
    memories.fill()
    with structlog.testing.capture_logs() as logs:
        dropped = postgresql.execute(
            """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()
                 AND query LIKE '%LISTEN outbox_events%'"""
        ).fetchall()
        postgresql.commit()
        assert dropped == [(True,)]
        await eventually(lambda: memories.held() == (None, None))
        await eventually(lambda: listener.listening)
    assert "memory_listener_unavailable" in [entry["event"] for entry in logs]
    memories.fill()
    await PostgresMemoryInvalidation(core.database).announce("slots")
    await eventually(lambda: memories.slots.get("first-session") is None)


async def test_an_unreachable_database_delays_the_start_briefly_and_fails_nothing(
    core: Core,
) -> None:
    memories = Memories()
    listener = MemoryInvalidationListener(
        "postgresql://postgres@127.0.0.1:9/none?connect_timeout=1",
        core.database.queries, memories.process, first_retry=0.01, max_retry=0.05,
    )  # fmt: skip
    with structlog.testing.capture_logs() as logs:
        await listener.start(wait_seconds=0.5)
        assert not listener.listening
        memories.fill()
        assert memories.held() == ("old", "old")  # time expiry only, meanwhile
        await listener.close()
    assert "memory_listener_unavailable" in [entry["event"] for entry in logs]


async def test_an_announcement_without_an_origin_is_still_heard(
    listening: tuple[Memories, MemoryInvalidationListener], postgresql: psycopg.Connection[Any]
) -> None:
    # A process of the previous release announces ``memory:<name>`` without its origin.
    memories, _ = listening
    memories.fill()
    postgresql.execute("SELECT pg_notify('outbox_events', 'memory:slots')")
    postgresql.commit()
    await eventually(lambda: memories.slots.get("first-session") is None)
    assert memories.held() == ("old", None)
