"""Where a session happens and the links messages carry, over in-memory fakes: the place
rule and the named local time; the Meet link in the confirmation (or a "where" message
when the confirmation went first); staff changing the place; the guest's hold message,
the manage-link re-send and the token it rotates; the YooKassa return page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldOutcome, HoldRequest
from app.application.booking.ports import CalendarEvent, GuestContact
from app.application.booking.reactions import CalendarSync
from app.application.booking.transactions import BookingTransactions
from app.application.ports import NotificationRequest
from app.domain.booking.appointment import AppointmentConfirmed
from app.domain.booking.place import (
    Place,
    checked_meeting_url,
    describe_place,
    local_time_label,
    place_at_booking,
)
from app.domain.errors import Forbidden, NotFound, ValidationFailed, VersionConflict
from app.domain.identity.model import Role
from app.domain.shared.ids import new_id
from app.domain.shared.links import SiteLinks
from app.domain.shared.time_range import TimeRange
from tests.unit.booking.fakes import START, World, world

SITE = "https://example.org"
MEET = "https://meet.google.com/abc-defg-hij"
IN_THREE_DAYS = START + timedelta(days=3, hours=1)
OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
GUEST = GuestContact("Гость", "Guest@example.org", None)


def sent(w: World, template: str) -> list[NotificationRequest]:
    return [n for n in w.uow.notifications_queued if n.template_code == template]


def no_bare_root(w: World) -> None:
    for n in w.uow.notifications_queued:
        for value in n.variables.values():
            assert value.rstrip("/") != SITE, n


async def guest_hold(w: World, start: datetime = IN_THREE_DAYS, fmt: str = "online") -> HoldOutcome:
    request = HoldRequest("session", start, fmt, "Europe/Moscow", GUEST,
                          (("personal_data", True, "1"),))  # fmt: skip
    return await w.booking.holding.hold(Caller(None), request)


# -- the domain rules -------------------------------------------------------------


def test_the_local_time_names_the_clients_zone() -> None:
    moment = datetime(2030, 6, 5, 7, 0, tzinfo=UTC)
    assert local_time_label(moment, "Europe/Moscow") == "05.06.2030 10:00 (Europe/Moscow, UTC+3)"
    assert local_time_label(moment, "Asia/Kolkata") == "05.06.2030 12:30 (Asia/Kolkata, UTC+5:30)"
    assert local_time_label(moment, "America/New_York").endswith("(America/New_York, UTC-4)")


def test_the_place_rule() -> None:
    assert place_at_booking("online", MEET, "addr") == Place(meeting_url=MEET)
    assert place_at_booking("offline", MEET, "addr") == Place(location_text="addr")
    assert describe_place("online", Place(meeting_url=MEET)).endswith(MEET)
    assert "пришлём" in describe_place("online", Place())
    assert describe_place("offline", Place(location_text="каб. 5")) == "Очно, адрес: каб. 5"
    for bad in ("http://meet.example/x", "https://", "https://a b", "javascript:alert(1)"):
        with pytest.raises(ValidationFailed):
            checked_meeting_url(bad)
    assert checked_meeting_url(f" {MEET} ") == MEET


# -- the hold, the guest's message, the manage link --------------------------------


async def test_a_guests_hold_sends_the_payment_and_manage_links() -> None:
    w = world()
    held = await guest_hold(w)
    [email] = sent(w, "booking.held")
    assert email.to == "Guest@example.org"
    assert email.variables["payment_url"] == held.confirmation_url
    assert email.variables["manage_url"] == f"{SITE}/booking/manage#token={held.manage_token}"
    assert email.variables["hold_expires_local"].endswith("(Europe/Moscow, UTC+3)")
    no_bare_root(w)


async def test_a_signed_in_client_gets_no_hold_message_and_a_replay_sends_none() -> None:
    w = world()
    user = uuid.uuid4()
    w.repos.consents.granted.add((user, "personal_data"))
    caller = Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))
    await w.booking.holding.hold(caller, HoldRequest("session", IN_THREE_DAYS, "online", "UTC"))
    assert sent(w, "booking.held") == []
    request = HoldRequest("session", IN_THREE_DAYS + timedelta(hours=2), "online", "UTC", GUEST,
                          (("personal_data", True, "1"),))  # fmt: skip
    await w.booking.holding.hold(Caller(None), request, idempotency_key="k-1")
    await w.booking.holding.hold(Caller(None), request, idempotency_key="k-1")
    assert len(sent(w, "booking.held")) == 1


async def test_a_new_manage_link_goes_to_the_booking_e_mail_and_retires_the_old_one() -> None:
    w = world()
    held = await guest_hold(w)
    assert (await w.booking.guest_links.managed(held.manage_token or "")).id == held.appointment.id

    assert await w.booking.guest_links.resend("nobody@example.org") == 0
    assert sent(w, "booking.manage_link") == []
    assert await w.booking.guest_links.resend("  GUEST@example.org ") == 1
    [fresh] = sent(w, "booking.manage_link")
    assert fresh.to == "Guest@example.org"
    token = fresh.variables["manage_url"].split("#token=")[1]
    assert token != held.manage_token
    with pytest.raises(NotFound):
        await w.booking.guest_links.managed(held.manage_token or "")
    assert (await w.booking.guest_links.managed(token)).id == held.appointment.id
    # Asked again at once: nothing is sent and the link just sent keeps working.
    assert await w.booking.guest_links.resend("guest@example.org") == 0
    assert (await w.booking.guest_links.managed(token)).id == held.appointment.id
    # Ten minutes later: another new link; only the newest works.
    w.clock.advance(minutes=10)
    assert await w.booking.guest_links.resend("guest@example.org") == 1
    assert len(sent(w, "booking.manage_link")) == 2
    with pytest.raises(NotFound):
        await w.booking.guest_links.managed(token)
    with pytest.raises(ValidationFailed):
        await w.booking.guest_links.resend("not an address")


async def test_later_messages_to_a_guest_link_the_appointment_page() -> None:
    w = world()
    held = await guest_hold(w)
    await w.booking.payments.payment_succeeded(held.payment_id, "provider-1")
    await w.booking.messages.on_confirmed(
        AppointmentConfirmed(event_id=new_id(), occurred_at=START,
                             aggregate_id=str(held.appointment.id))
    )  # fmt: skip
    [confirmed] = sent(w, "booking.confirmed")
    assert confirmed.variables["manage_url"] == f"{SITE}/cabinet/appointments/{held.appointment.id}"
    assert confirmed.variables["start_local"] == local_time_label(IN_THREE_DAYS, "Europe/Moscow")


# -- the Meet link ---------------------------------------------------------------


class MeetCalendar:
    problem: str | None = None

    def __init__(self) -> None:
        self.fail = False

    async def busy(self, window: TimeRange) -> list[TimeRange]:
        return []

    async def upsert_event(
        self, appointment_id: uuid.UUID, session: TimeRange, title: str
    ) -> CalendarEvent:
        if self.fail:
            raise RuntimeError("calendar down")
        return CalendarEvent(f"ev{appointment_id.hex[:8]}", MEET)

    async def delete_event(self, appointment_id: uuid.UUID) -> None:
        return None


async def confirmed(w: World) -> tuple[HoldOutcome, AppointmentConfirmed]:
    held = await guest_hold(w)
    await w.booking.payments.payment_succeeded(held.payment_id, "provider-1")
    event = AppointmentConfirmed(event_id=new_id(), occurred_at=START,
                                 aggregate_id=str(held.appointment.id))  # fmt: skip
    return held, event


async def test_the_calendar_step_puts_the_meet_link_into_the_confirmation() -> None:
    w = world()
    calendar = MeetCalendar()
    sync = CalendarSync(BookingTransactions(lambda: w.uow), calendar, SiteLinks(SITE))  # type: ignore[arg-type]
    held, event = await confirmed(w)
    await sync.calendar_add(event)  # subscribed before the message handler
    await w.booking.messages.on_confirmed(event)
    [message] = sent(w, "booking.confirmed")
    assert message.variables["location"] == f"Онлайн, ссылка на встречу: {MEET}"
    assert sent(w, "booking.location_changed") == []
    stored = w.repos.appointments.rows[held.appointment.id]
    assert (stored.meeting_url, stored.external_calendar_event_id) == (
        MEET, f"ev{held.appointment.id.hex[:8]}",
    )  # fmt: skip
    await sync.calendar_add(event)  # a redelivery changes and sends nothing
    assert len(w.uow.notifications_queued) == 2  # held + confirmed


async def test_a_meet_link_after_the_confirmation_is_sent_as_a_where_message() -> None:
    w = world()
    calendar = MeetCalendar()
    sync = CalendarSync(BookingTransactions(lambda: w.uow), calendar, SiteLinks(SITE))  # type: ignore[arg-type]
    _held, event = await confirmed(w)
    calendar.fail = True
    with pytest.raises(RuntimeError):
        await sync.calendar_add(event)  # the outbox will retry it
    await w.booking.messages.on_confirmed(event)
    [message] = sent(w, "booking.confirmed")
    assert "пришлём" in message.variables["location"]
    calendar.fail = False
    await sync.calendar_add(event)  # the retry
    [where] = sent(w, "booking.location_changed")
    assert where.variables["location"].endswith(MEET)
    no_bare_root(w)


# -- staff set the place ---------------------------------------------------------


async def test_staff_change_the_place_and_the_client_is_told() -> None:
    w = world()
    held, _ = await confirmed(w)
    appointment_id = held.appointment.id
    with pytest.raises(Forbidden):
        await w.booking.places.change(CLIENT, appointment_id, MEET, None)
    with pytest.raises(ValidationFailed):
        await w.booking.places.change(OWNER, appointment_id, None, "каб. 5")  # online: a link
    version = w.repos.appointments.rows[appointment_id].version
    with pytest.raises(VersionConflict):
        await w.booking.places.change(OWNER, appointment_id, MEET, None, version - 1)
    room = "https://video.example.org/room/7"
    changed = await w.booking.places.change(OWNER, appointment_id, room, None, version)
    assert changed.meeting_url == room
    [told] = sent(w, "booking.location_changed")
    assert told.variables["location"].endswith(room)
    assert [e.action for e in w.uow.audit_log] == ["appointment.place_changed"]
    await w.booking.places.change(OWNER, appointment_id, room, None)  # no change: no message
    assert len(sent(w, "booking.location_changed")) == 1
    await w.booking.places.change(OWNER, appointment_id, MEET, None)
    await w.booking.places.change(OWNER, appointment_id, room, None)  # back again: told again
    assert len(sent(w, "booking.location_changed")) == 3
    with pytest.raises(NotFound):
        await w.booking.places.change(OWNER, uuid.uuid4(), room, None)


async def test_an_in_person_booking_carries_the_services_address() -> None:
    w = world(format="offline", address="Москва, каб. 5", meeting_url=MEET)
    held = await guest_hold(w, fmt="offline")
    assert held.appointment.location_text == "Москва, каб. 5"
    assert held.appointment.meeting_url is None
