"""Holding a slot over in-memory fakes: free, taken, outside hours, consent, replays."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.domain.booking.appointment import AppointmentStatus
from app.domain.errors import ConsentRequired, SlotUnavailable, ValidationFailed
from app.domain.identity.model import Role
from tests.unit.booking.fakes import START, world

TOMORROW_10 = START + timedelta(days=1, hours=1)
GUEST = GuestContact("Гость", "guest@example.org", None)
AGREED = (("personal_data", True, "1"),)


def client(w_consents: set[tuple[uuid.UUID, str]]) -> Caller:
    user = uuid.uuid4()
    w_consents.add((user, "personal_data"))
    return Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))


def request(start=TOMORROW_10, **changes) -> HoldRequest:  # type: ignore[no-untyped-def]
    fields = {"service_slug": "session", "start_at": start, "format": "online",
              "timezone": "UTC", "contact": GUEST, "consents": AGREED} | changes  # fmt: skip
    return HoldRequest(**fields)


async def test_a_guest_holds_a_free_slot_with_a_lead_of_its_own() -> None:
    w = world()
    held = await w.booking.holding.hold(Caller(None), request())
    assert held.appointment.status is AppointmentStatus.PENDING_PAYMENT
    assert held.appointment.hold_expires_at == START + timedelta(minutes=15)
    assert held.manage_token
    assert not held.replayed
    assert held.confirmation_url.startswith("https://pay.example/")
    assert w.repos.leads.events == [(held.appointment.lead_id, "booking.held")]


async def test_hold_minutes_come_from_system_settings() -> None:
    w = world()
    w.repos.settings.values["booking.hold_minutes"] = 7
    held = await w.booking.holding.hold(Caller(None), request())
    assert held.appointment.hold_expires_at == START + timedelta(minutes=7)


async def test_a_taken_slot_is_refused() -> None:
    w = world()
    await w.booking.holding.hold(client(w.repos.consents.granted), request())
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(Caller(None), request(TOMORROW_10 + timedelta(minutes=30)))


async def test_outside_working_hours_is_refused() -> None:
    w = world()
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(Caller(None), request(START + timedelta(days=1, hours=13)))


async def test_a_guest_needs_the_personal_data_consent() -> None:
    w = world()
    with pytest.raises(ConsentRequired):
        await w.booking.holding.hold(Caller(None), request(consents=()))
    assert w.repos.appointments.rows == {}


async def test_a_client_needs_the_personal_data_consent() -> None:
    w = world()
    caller = Caller(Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT})))
    with pytest.raises(ConsentRequired):
        await w.booking.holding.hold(caller, request(contact=None, consents=()))


async def test_the_same_key_and_body_replay_the_first_hold() -> None:
    w = world()
    first = await w.booking.holding.hold(Caller(None), request(), idempotency_key="k1")
    again = await w.booking.holding.hold(Caller(None), request(), idempotency_key="k1")
    assert again.replayed
    assert not first.replayed
    assert again.appointment.id == first.appointment.id
    assert again.manage_token == first.manage_token
    assert again.confirmation_url == first.confirmation_url
    assert len(w.repos.appointments.rows) == 1


async def test_the_same_key_with_another_body_is_refused() -> None:
    w = world()
    await w.booking.holding.hold(Caller(None), request(), idempotency_key="k1")
    with pytest.raises(ValidationFailed) as refused:
        await w.booking.holding.hold(
            Caller(None), request(TOMORROW_10 + timedelta(hours=2)), idempotency_key="k1"
        )
    assert refused.value.field == "Idempotency-Key"
    assert len(w.repos.appointments.rows) == 1


async def test_slots_leave_out_a_held_time() -> None:
    w = world()
    day = START + timedelta(days=1)
    window = (day - timedelta(hours=9), day + timedelta(hours=15))
    before = await w.booking.slots.slots("session", *window)
    await w.booking.holding.hold(Caller(None), request())
    after = await w.booking.slots.slots("session", *window)
    assert TOMORROW_10 in before
    assert TOMORROW_10 not in after


async def test_requests_for_the_same_slots_at_once_share_one_read() -> None:
    w = world()
    day = START + timedelta(days=1)
    window = (day - timedelta(hours=9), day + timedelta(hours=15))
    reads = 0
    busy_in = w.repos.appointments.busy_in

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.01)  # the others arrive while this read is in flight
        return await busy_in(*args, **kwargs)

    w.repos.appointments.busy_in = counted  # type: ignore[method-assign]
    answers = await asyncio.gather(*(w.booking.slots.slots("session", *window) for _ in range(5)))
    assert reads == 1
    assert all(answer == answers[0] for answer in answers)
    assert TOMORROW_10 in answers[0]
    assert len({id(answer) for answer in answers}) == 5, "each caller gets its own list"

    async def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        raise RuntimeError("database went away")

    w.repos.appointments.busy_in = failing  # type: ignore[method-assign]
    later = (window[0] + timedelta(days=1), window[1] + timedelta(days=1))
    failed = await asyncio.gather(
        *(w.booking.slots.slots("session", *later) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(f, RuntimeError) for f in failed), "every waiter hears the failure"
    w.repos.appointments.busy_in = busy_in  # type: ignore[method-assign]
    assert await w.booking.slots.slots("session", *later), "and the next request reads again"


async def test_a_cancelled_shared_read_leaves_its_waiters_to_read_and_a_cancelled_waiter_stops() -> (
    None
):
    w = world()
    day = START + timedelta(days=1)
    window = (day - timedelta(hours=9), day + timedelta(hours=15))
    busy_in = w.repos.appointments.busy_in
    started = asyncio.Event()

    async def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        await asyncio.sleep(0.05)
        return await busy_in(*args, **kwargs)

    w.repos.appointments.busy_in = slow  # type: ignore[method-assign]
    leader = asyncio.create_task(w.booking.slots.slots("session", *window))
    await started.wait()
    waiters = [asyncio.create_task(w.booking.slots.slots("session", *window)) for _ in range(2)]
    await asyncio.sleep(0)
    leader.cancel()
    answers = await asyncio.gather(*waiters)
    assert answers[0] == answers[1]
    assert TOMORROW_10 in answers[0]

    later = (window[0] + timedelta(days=1), window[1] + timedelta(days=1))
    started.clear()
    reader = asyncio.create_task(w.booking.slots.slots("session", *later))
    await started.wait()
    waiter = asyncio.create_task(w.booking.slots.slots("session", *later))
    await asyncio.sleep(0)
    waiter.cancel()
    results = await asyncio.gather(reader, waiter, return_exceptions=True)
    assert TOMORROW_10 + timedelta(days=1) in results[0]  # type: ignore[operator]
    assert isinstance(results[1], asyncio.CancelledError)
