"""A waitlist offer keeps the freed slot for the person offered it: the slot search and
holds treat it as taken by anybody else until the offer lapses or is declined; offers go
by e-mail and (when the bot is linked) Telegram with the link that takes them; a client
lists and leaves their own requests."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.domain.booking.appointment import AppointmentCanceled
from app.domain.errors import NotFound, SlotUnavailable
from app.domain.identity.model import Role
from tests.unit.booking.fakes import START, World, world

SLOT = START + timedelta(days=3, hours=1)
WINDOW = (SLOT - timedelta(hours=3), SLOT + timedelta(hours=3))
CONSENT = (("personal_data", True, "1"),)


def a_client(w: World) -> Caller:
    user = uuid.uuid4()
    w.repos.consents.granted.add((user, "personal_data"))
    return Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))


def at_slot(**changes: object) -> HoldRequest:
    return HoldRequest("session", SLOT, "online", "UTC", **changes)  # type: ignore[arg-type]


async def free_the_slot(w: World) -> None:
    """Somebody holds the slot and cancels; the worker offers it from the waitlist."""
    somebody = a_client(w)
    held = await w.booking.holding.hold(somebody, at_slot())
    await w.booking.client.cancel(somebody, held.appointment.id)
    event = [e for e in w.repos.appointments.events if isinstance(e, AppointmentCanceled)][-1]
    await w.booking.waitlist.offer_freed_slot(event)


async def test_the_offered_slot_is_kept_for_the_offered_client_only() -> None:
    w = world()
    anna, boris = a_client(w), a_client(w)
    chats = {anna.user_id: 4242}

    async def telegram_chat(user_id: uuid.UUID | None, lead_id: uuid.UUID | None) -> int | None:
        return chats.get(user_id) if user_id else None

    w.repos.contacts.telegram_chat = telegram_chat  # type: ignore[method-assign]
    request_id = await w.booking.waitlist.join(anna, "session", {}, None)
    await free_the_slot(w)

    sent = [(m.channel, m.template_code) for m in w.uow.notifications_queued
            if m.recipient_id == str(anna.user_id)]  # fmt: skip
    assert sent == [("email", "waitlist.offer"), ("telegram", "waitlist.offer")]
    link = w.uow.notifications_queued[-1].variables["booking_url"]
    assert link.startswith("https://example.org/waitlist/offer#token=")

    assert SLOT not in await w.booking.slots.slots("session", *WINDOW)
    assert SLOT not in await w.booking.slots.slots("session", *WINDOW, boris.user_id)
    assert SLOT in await w.booking.slots.slots("session", *WINDOW, anna.user_id)
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(boris, at_slot())
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(boris, at_slot(offer_token="guessed"))

    held = await w.booking.holding.hold(anna, at_slot())
    assert held.appointment.client_user_id == anna.user_id
    [mine] = await w.booking.waitlist.mine(anna.user_id)
    assert (mine.id, mine.status) == (request_id, "fulfilled")


async def test_after_the_offer_lapses_the_slot_is_anybodys() -> None:
    w = world()
    anna, boris = a_client(w), a_client(w)
    await w.booking.waitlist.join(anna, "session", {}, None)
    await free_the_slot(w)
    [offer] = await w.booking.waitlist.mine(anna.user_id)
    assert offer.offer_expires_at == START + timedelta(hours=24)
    w.clock.advance(hours=24)
    [lapsed] = await w.booking.waitlist.mine(anna.user_id)
    assert lapsed.status == "expired"
    assert SLOT in await w.booking.slots.slots("session", *WINDOW)
    held = await w.booking.holding.hold(boris, at_slot())
    assert held.appointment.client_user_id == boris.user_id


async def test_declining_frees_the_slot_and_nobody_leaves_anothers_request() -> None:
    w = world()
    anna, boris = a_client(w), a_client(w)
    request_id = await w.booking.waitlist.join(anna, "session", {"days": [4]}, None)
    await free_the_slot(w)
    [offered] = await w.booking.waitlist.mine(anna.user_id)
    assert (offered.status, offered.offer_start_at) == ("offered", SLOT)
    assert await w.booking.waitlist.mine(boris.user_id) == []
    with pytest.raises(NotFound):
        await w.booking.waitlist.leave(boris.user_id, request_id)
    await w.booking.waitlist.leave(anna.user_id, request_id)
    [left] = await w.booking.waitlist.mine(anna.user_id)
    assert left.status == "canceled"
    assert SLOT in await w.booking.slots.slots("session", *WINDOW)
    with pytest.raises(NotFound):
        await w.booking.waitlist.leave(anna.user_id, request_id)


async def test_a_guest_takes_the_offer_with_the_links_token() -> None:
    w = world()
    guest = at_slot(contact=GuestContact("Ждущая", "wait@example.org", None), consents=CONSENT)
    await w.booking.waitlist.join(Caller(None), "session", {}, guest)
    await free_the_slot(w)
    [offer_mail] = [m for m in w.uow.notifications_queued if m.to == "wait@example.org"]
    token = offer_mail.variables["booking_url"].split("#token=")[1]
    view = await w.booking.waitlist.offer(token)
    assert view.offer_start_at == SLOT
    with pytest.raises(NotFound):
        await w.booking.waitlist.offer("garbage")

    with pytest.raises(SlotUnavailable):  # a guest without the token is anybody
        await w.booking.holding.hold(Caller(None), guest)
    held = await w.booking.holding.hold(
        Caller(None), at_slot(contact=guest.contact, consents=CONSENT, offer_token=token)
    )
    assert held.appointment.session.start == SLOT
    assert [r.status for r in w.repos.waitlist.requests] == ["fulfilled"]
    with pytest.raises(NotFound):
        await w.booking.waitlist.offer(token)


async def test_a_declined_or_lapsed_offer_goes_to_the_next_in_line() -> None:
    w = world()
    anna, carla, dima, boris = a_client(w), a_client(w), a_client(w), a_client(w)
    anna_request = await w.booking.waitlist.join(anna, "session", {}, None)
    await w.booking.waitlist.join(carla, "session", {}, None)
    await w.booking.waitlist.join(dima, "session", {}, None)
    await free_the_slot(w)

    def offered_to() -> list[str]:
        return [m.recipient_id for m in w.uow.notifications_queued if m.channel == "email"]

    assert offered_to() == [str(anna.user_id)]
    await w.booking.waitlist.leave(anna.user_id, anna_request)  # Anna declines
    assert offered_to() == [str(anna.user_id), str(carla.user_id)]
    assert SLOT in await w.booking.slots.slots("session", *WINDOW, carla.user_id)
    assert SLOT not in await w.booking.slots.slots("session", *WINDOW, anna.user_id)

    w.clock.advance(hours=24)  # Carla lets it lapse: the job offers it to Dima
    assert await w.booking.waitlist.expire_offers(w.clock.now()) == 1
    assert offered_to()[-1] == str(dima.user_id)
    [dimas] = await w.booking.waitlist.mine(dima.user_id)
    assert dimas.offer_expires_at == w.clock.now() + timedelta(hours=24)
    with pytest.raises(SlotUnavailable):
        await w.booking.holding.hold(boris, at_slot())
    assert (await w.booking.holding.hold(dima, at_slot())).appointment.session.start == SLOT


async def test_a_slot_taken_before_the_offer_is_not_offered() -> None:
    w = world()
    anna, boris, carla = a_client(w), a_client(w), a_client(w)
    await w.booking.waitlist.join(anna, "session", {}, None)
    held = await w.booking.holding.hold(boris, at_slot())
    await w.booking.client.cancel(boris, held.appointment.id)
    await w.booking.holding.hold(carla, at_slot())  # before the worker made the offer
    event = [e for e in w.repos.appointments.events if isinstance(e, AppointmentCanceled)][-1]
    await w.booking.waitlist.offer_freed_slot(event)
    assert w.uow.notifications_queued == []
    [mine] = await w.booking.waitlist.mine(anna.user_id)
    assert mine.status == "active"
