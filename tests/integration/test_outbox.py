"""The outbox relay over real PostgreSQL: at least once, once per handler, backoff,
parking, crash recovery, and no concurrent double delivery."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any, ClassVar

import psycopg
import pytest

from app.adapters.postgres.listener import OutboxWakeup
from app.adapters.postgres.outbox import PostgresOutboxStore
from app.application.events import EventHandlers
from app.application.outbox_relay import OutboxRelay, StoredEvent
from app.bootstrap import Core
from app.domain.errors import ValidationFailed
from app.domain.shared.events import DomainEvent
from tests.conftest import FixedClock


class SessionBooked(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "test.session_booked"
    aggregate_type: ClassVar[str] = "appointment"
    service_slug: str


class ContactLeaked(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "test.contact_leaked"
    aggregate_type: ClassVar[str] = "lead"
    email: str


def booked(core: Core, n: int = 0) -> SessionBooked:
    return SessionBooked(
        event_id=uuid.uuid4(), occurred_at=core.clock.now(), aggregate_id=f"a{n}",
        service_slug="konsultatsiya",
    )  # fmt: skip


async def publish(core: Core, *events: DomainEvent) -> None:
    uow = core.unit_of_work(lambda s: s)
    async with uow() as work:
        work.publish(*events)
        await work.commit()


def outbox_rows(postgresql: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    postgresql.commit()
    return postgresql.execute(
        "SELECT attempts, processed_at IS NOT NULL, parked_at IS NOT NULL, last_error, handled_by "
        "FROM outbox_events ORDER BY id"
    ).fetchall()


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, event: SessionBooked) -> None:
        self.calls.append(event.aggregate_id)


def relay_for(core: Core, handlers: EventHandlers, **options: Any) -> OutboxRelay:
    return OutboxRelay(PostgresOutboxStore(core.database), handlers, core.clock, **options)


async def test_events_exist_only_once_their_transaction_commits(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    uow = core.unit_of_work(lambda s: s)
    async with uow() as work:
        work.publish(booked(core))
    assert outbox_rows(postgresql) == []
    await publish(core, booked(core))
    assert len(outbox_rows(postgresql)) == 1


async def test_personal_data_never_enters_the_outbox(core: Core) -> None:
    with pytest.raises(ValidationFailed):
        await publish(
            core,
            ContactLeaked(event_id=uuid.uuid4(), occurred_at=core.clock.now(), aggregate_id="l1",
                          email="anna@example.org"),
        )  # fmt: skip


async def test_each_handler_gets_each_event_once(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    handlers = EventHandlers()
    first, second = Recorder(), Recorder()
    handlers.subscribe(SessionBooked, "first", first)
    handlers.subscribe(SessionBooked, "second", second)
    await publish(core, booked(core, 1), booked(core, 2))
    relay = relay_for(core, handlers)
    assert await relay.run_once() == 2
    assert await relay.run_once() == 0
    core.clock.advance(hours=1)  # type: ignore[attr-defined]
    assert await relay.run_once() == 0
    assert first.calls == ["a1", "a2"]
    assert second.calls == ["a1", "a2"]
    assert [r[:3] for r in outbox_rows(postgresql)] == [(1, True, False), (1, True, False)]


async def test_failing_handler_is_retried_with_backoff_without_repeating_the_others(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    handlers = EventHandlers()
    steady = Recorder()
    failures = 0

    async def flaky(_: SessionBooked) -> None:
        nonlocal failures
        failures += 1
        if failures < 3:
            raise ConnectionError("smtp down")

    handlers.subscribe(SessionBooked, "steady", steady)
    handlers.subscribe(SessionBooked, "flaky", flaky)
    await publish(core, booked(core))
    relay = relay_for(core, handlers)
    clock: FixedClock = core.clock  # type: ignore[assignment]

    await relay.run_once()
    assert outbox_rows(postgresql)[0][:5] == (1, False, False, "ConnectionError", ["steady"])
    assert await relay.run_once() == 0  # backing off: not due yet
    clock.advance(seconds=5)
    await relay.run_once()  # second failure, next delay 10 s
    clock.advance(seconds=9)
    assert await relay.run_once() == 0
    clock.advance(seconds=1)
    await relay.run_once()
    assert failures == 3
    assert steady.calls == ["a0"]  # the handler that succeeded ran once
    assert outbox_rows(postgresql)[0][:3] == (3, True, False)


async def test_event_is_parked_after_too_many_failures(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    handlers = EventHandlers()

    async def broken(_: SessionBooked) -> None:
        raise ValidationFailed("template missing")

    handlers.subscribe(SessionBooked, "broken", broken)
    await publish(core, booked(core))
    relay = relay_for(core, handlers, max_attempts=3)
    for _ in range(3):
        await relay.run_once()
        core.clock.advance(hours=2)  # type: ignore[attr-defined]
    attempts, processed, parked, error, _ = outbox_rows(postgresql)[0]
    assert (attempts, processed, parked) == (3, False, True)
    assert error == "ValidationFailed:validation_failed"
    core.clock.advance(days=1)  # type: ignore[attr-defined]
    assert await relay.run_once() == 0  # parked events wait for an operator


class Crash(BaseException):
    """Stands for the process dying: not an Exception, nothing catches it."""


class CrashBeforeAcknowledging(PostgresOutboxStore):
    async def mark_handled(self, event: StoredEvent, handler: str) -> None:
        raise Crash


async def test_event_is_redelivered_after_a_crash_between_delivery_and_acknowledgement(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    handlers = EventHandlers()
    recorder = Recorder()
    handlers.subscribe(SessionBooked, "record", recorder)
    await publish(core, booked(core))

    doomed = OutboxRelay(CrashBeforeAcknowledging(core.database), handlers, core.clock)
    with pytest.raises(Crash):
        await doomed.run_once()
    assert recorder.calls == ["a0"]
    survivor = relay_for(core, handlers)
    assert await survivor.run_once() == 0  # still leased to the dead relay
    core.clock.advance(minutes=6)  # type: ignore[attr-defined]
    assert await survivor.run_once() == 1
    assert recorder.calls == ["a0", "a0"]  # at least once: delivered again
    assert outbox_rows(postgresql)[0][1] is True


async def test_two_relays_never_deliver_the_same_event(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    handlers = EventHandlers()
    delivered: list[str] = []
    in_flight: set[str] = set()

    async def slow(event: SessionBooked) -> None:
        assert event.aggregate_id not in in_flight
        in_flight.add(event.aggregate_id)
        await asyncio.sleep(0)
        delivered.append(event.aggregate_id)
        in_flight.discard(event.aggregate_id)

    handlers.subscribe(SessionBooked, "slow", slow)
    await publish(core, *(booked(core, n) for n in range(60)))
    relays = [relay_for(core, handlers, batch_size=7) for _ in range(2)]

    async def drain(relay: OutboxRelay) -> None:
        while await relay.run_once():
            pass

    await asyncio.gather(*(drain(r) for r in relays))
    assert sorted(delivered) == sorted(f"a{n}" for n in range(60))
    assert all(row[:2] == (1, True) for row in outbox_rows(postgresql))


async def test_a_commit_wakes_a_listening_worker(core: Core, database_url: str) -> None:
    wakeup = OutboxWakeup(database_url, core.database.queries)
    try:
        await wakeup.wait(0.01)  # connects and listens
        waiting = asyncio.ensure_future(wakeup.wait(60))
        await asyncio.sleep(0.05)
        await publish(core, booked(core))
        await asyncio.wait_for(waiting, timeout=10)
    finally:
        await wakeup.close()


async def test_processed_events_are_purged_after_retention(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    handlers = EventHandlers()
    handlers.subscribe(SessionBooked, "record", Recorder())
    await publish(core, booked(core))
    await relay_for(core, handlers).run_once()
    store = PostgresOutboxStore(core.database)
    await store.purge_processed(core.clock.now() - timedelta(days=7))
    assert len(outbox_rows(postgresql)) == 1
    await store.purge_processed(core.clock.now() + timedelta(seconds=1))
    assert outbox_rows(postgresql) == []


async def test_the_relay_reports_how_each_event_ended(core: Core) -> None:
    """What the worker's balance_outbox_events_handled_total{outcome} counts."""
    handlers = EventHandlers()
    outcomes: list[str] = []

    async def failing(_: SessionBooked) -> None:
        raise ConnectionError("calendar down")

    handlers.subscribe(SessionBooked, "failing", failing)
    await publish(core, booked(core))
    relay = relay_for(core, handlers, max_attempts=2, on_outcome=outcomes.append)
    clock: FixedClock = core.clock  # type: ignore[assignment]
    await relay.run_once()
    clock.advance(minutes=10)
    await relay.run_once()
    assert outcomes == ["retried", "parked"]

    fine = EventHandlers()
    fine.subscribe(SessionBooked, "recorder", Recorder())
    await publish(core, booked(core, 1))
    await relay_for(core, fine, on_outcome=outcomes.append).run_once()
    assert outcomes == ["retried", "parked", "processed"]
