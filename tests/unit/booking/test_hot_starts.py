"""Holds racing for one start: a start found taken is refused again from memory, one
request at a time asks the database, and every write forgets what was refused."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.hot_starts import HotStarts
from app.application.booking.ports import GuestContact
from app.application.booking.transactions import BookingTransactions, RefusedStart
from app.application.booking.use_cases import Booking, BookingConfig, build_booking
from app.application.events import EventHandlers
from app.application.recent_reads import RecentReads
from app.domain.errors import ConsentRequired, NotFound, SlotUnavailable
from app.domain.identity.model import Role
from tests.unit.booking.fakes import START, FakeBookingRepos, world

TOMORROW_10 = START + timedelta(days=1, hours=1)
AGREED = (("personal_data", True, "1"),)


class Counted:
    """A booking over fakes whose transactions are counted and whose service look-up
    takes a moment, so concurrent holds really overlap."""

    def __init__(self, memory_seconds: float = 60, lookup_pause: float = 0.0) -> None:
        base = world()
        self.repos: FakeBookingRepos = base.repos
        self.clock = base.clock
        self.transactions = 0
        uow = InMemoryUnitOfWork(self.repos, InMemoryEventBus(EventHandlers()))
        by_slug = self.repos.services.by_slug

        async def slow_by_slug(slug: str) -> Any:
            await asyncio.sleep(lookup_pause)
            return await by_slug(slug)

        self.repos.services.by_slug = slow_by_slug  # type: ignore[method-assign]

        def factory() -> Any:
            self.transactions += 1
            return uow

        self.refused: RecentReads[RefusedStart, bool] = RecentReads(memory_seconds, bool)
        config = BookingConfig(hold_minutes=15, reminder_offsets_hours=(24, 2),
                               public_base_url="https://example.org",
                               practitioner_timezone="UTC")  # fmt: skip
        self.booking: Booking = build_booking(
            factory, self.clock, config, refused_starts=self.refused
        )


def guest(n: int = 0, **changes: Any) -> HoldRequest:
    fields = {"service_slug": "session", "start_at": TOMORROW_10, "format": "online",
              "timezone": "UTC", "contact": GuestContact("Гость", f"g{n}@example.org", None),
              "consents": AGREED} | changes  # fmt: skip
    return HoldRequest(**fields)


def a_client(w: Counted) -> Caller:
    user = uuid.uuid4()
    w.repos.consents.granted.add((user, "personal_data"))
    return Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))


async def taken_and_refused(w: Counted) -> None:
    """Guest 1 holds the start; guest 2 is refused by the database (then remembered)."""
    await w.booking.holding.hold(Caller(None), guest(1))
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(Caller(None), guest(2))


async def test_a_start_found_taken_is_refused_again_without_a_transaction() -> None:
    w = Counted()
    await taken_and_refused(w)
    before = w.transactions
    for n in range(3, 8):
        with pytest.raises(SlotUnavailable):
            await w.booking.holding.hold(Caller(None), guest(n))
    assert w.transactions == before  # refused from memory
    assert len(w.repos.appointments.rows) == 1


async def test_the_winners_start_is_remembered_as_taken_at_once() -> None:
    w = Counted()
    await w.booking.holding.hold(Caller(None), guest(1))
    before = w.transactions
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(Caller(None), guest(2))
    assert w.transactions == before


async def test_a_cancellation_forgets_what_was_refused() -> None:
    w = Counted()
    owner = a_client(w)
    held = await w.booking.holding.hold(owner, guest(contact=None, consents=()))
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(Caller(None), guest(2))
    await w.booking.client.cancel(owner, held.appointment.id)
    again = await w.booking.holding.hold(Caller(None), guest(3))
    assert again.appointment.session.start == TOMORROW_10


async def test_a_retry_under_the_key_of_the_winning_hold_gets_it_back() -> None:
    w = Counted()
    first = await w.booking.holding.hold(Caller(None), guest(1), idempotency_key="k-1")
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(Caller(None), guest(2))
    retried = await w.booking.holding.hold(Caller(None), guest(1), idempotency_key="k-1")
    assert retried.replayed
    assert retried.appointment.id == first.appointment.id
    with pytest.raises(SlotUnavailable):  # another key, never used: refused from memory
        await w.booking.holding.hold(Caller(None), guest(3), idempotency_key="k-3")


async def test_one_request_at_a_time_asks_for_a_contended_start() -> None:
    w = Counted(lookup_pause=0.01)
    answers = await asyncio.gather(
        *(w.booking.holding.hold(Caller(None), guest(n)) for n in range(20)),
        return_exceptions=True,
    )
    held = [a for a in answers if not isinstance(a, BaseException)]
    refused = [a for a in answers if isinstance(a, SlotUnavailable)]
    assert (len(held), len(refused)) == (1, 19)
    alone = Counted()
    await alone.booking.holding.hold(Caller(None), guest(0))
    assert w.transactions == alone.transactions  # the winner's, and nobody else's


async def test_other_starts_do_not_wait_for_a_contended_one() -> None:
    w = Counted(lookup_pause=0.01)
    later = TOMORROW_10 + timedelta(hours=3)
    answers = await asyncio.gather(
        w.booking.holding.hold(Caller(None), guest(1)),
        w.booking.holding.hold(Caller(None), guest(2, start_at=later)),
    )
    assert {a.appointment.session.start for a in answers} == {TOMORROW_10, later}


async def test_a_waiter_goes_on_when_the_request_before_it_failed_otherwise() -> None:
    w = Counted(lookup_pause=0.01)
    no_consent, good = await asyncio.gather(
        w.booking.holding.hold(Caller(None), guest(1, consents=())),
        w.booking.holding.hold(Caller(None), guest(2)),
        return_exceptions=True,
    )
    assert isinstance(no_consent, ConsentRequired)
    assert not isinstance(good, BaseException)
    assert good.appointment.session.start == TOMORROW_10


async def test_a_waiter_goes_on_when_the_request_before_it_was_cancelled() -> None:
    w = Counted(lookup_pause=0.05)
    first = asyncio.create_task(w.booking.holding.hold(Caller(None), guest(1)))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(w.booking.holding.hold(Caller(None), guest(2)))
    await asyncio.sleep(0.01)
    first.cancel()
    held = await second
    assert held.appointment.session.start == TOMORROW_10
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_hold_with_an_offer_token_always_asks_the_database() -> None:
    w = Counted()
    await w.booking.holding.hold(Caller(None), guest(1))
    before = w.transactions
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(Caller(None), guest(2, offer_token="not-an-offer"))
    assert w.transactions == before + 1


async def test_a_signed_in_client_has_memory_of_their_own() -> None:
    w = Counted()
    await taken_and_refused(w)
    before = w.transactions
    with pytest.raises(SlotUnavailable):  # not the guests' memory: asks for itself
        await w.booking.holding.hold(a_client(w), guest(contact=None, consents=()))
    assert w.transactions == before + 1


async def test_with_the_memory_off_every_request_asks_for_itself() -> None:
    w = Counted(memory_seconds=0)
    await w.booking.holding.hold(Caller(None), guest(1))
    before = w.transactions
    for n in range(2, 5):
        with pytest.raises(SlotUnavailable):
            await w.booking.holding.hold(Caller(None), guest(n))
    assert w.transactions == before + 3


async def test_a_refused_write_keeps_the_refusals_and_other_writes_forget_them() -> None:
    key: RefusedStart = ("session", TOMORROW_10, "online", None)
    memory: RecentReads[RefusedStart, bool] = RecentReads(60, bool)
    uow = InMemoryUnitOfWork(FakeBookingRepos(), InMemoryEventBus(EventHandlers()))
    tx = BookingTransactions(lambda: uow, refused_starts=memory)  # type: ignore[arg-type,return-value]

    async def refuse(_: object) -> None:
        raise SlotUnavailable()

    async def fail(_: object) -> None:
        raise NotFound()

    async def commit(_: object) -> None:
        return None

    memory.put(key, True)
    with pytest.raises(SlotUnavailable):
        await tx.write(refuse)
    assert memory.get(key)
    with pytest.raises(NotFound):
        await tx.write(fail)
    assert memory.get(key) is None
    memory.put(key, True)
    await tx.write(commit)
    assert memory.get(key) is None


async def test_a_replay_of_a_released_hold_does_not_mark_its_start_taken() -> None:
    w = Counted()
    first = await w.booking.holding.hold(Caller(None), guest(1), idempotency_key="k-1")
    await w.booking.client.cancel(Caller(None, first.manage_token), first.appointment.id)
    replayed = await w.booking.holding.hold(Caller(None), guest(1), idempotency_key="k-1")
    assert replayed.replayed
    again = await w.booking.holding.hold(Caller(None), guest(2))  # the start is free
    assert again.appointment.session.start == TOMORROW_10


async def test_requests_that_waited_for_one_that_failed_otherwise_go_on_together() -> None:
    w = Counted(lookup_pause=0.05)
    loop = asyncio.get_running_loop()
    began = loop.time()
    answers = await asyncio.gather(
        *(w.booking.holding.hold(Caller(None), guest(n, consents=())) for n in range(10)),
        return_exceptions=True,
    )
    assert all(isinstance(a, ConsentRequired) for a in answers)
    # Two rounds (the first asker, then all the others at once), not ten in a row.
    assert loop.time() - began < 0.05 * 5


async def test_a_refusal_read_before_a_write_freed_the_start_is_not_remembered() -> None:
    memory: RecentReads[RefusedStart, bool] = RecentReads(60, bool)
    hot = HotStarts(memory)
    key: RefusedStart = ("session", TOMORROW_10, "online", None)

    async def never() -> bool:
        return False

    async def refused_after(clear: bool) -> None:
        with pytest.raises(SlotUnavailable):
            async with hot.turn(key, never):
                if clear:
                    memory.clear()  # a write freed the start while this one was reading
                raise SlotUnavailable()

    await refused_after(clear=True)
    assert memory.get(key) is None
    await refused_after(clear=False)
    assert memory.get(key)
