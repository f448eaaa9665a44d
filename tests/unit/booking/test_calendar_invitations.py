"""The calendar invitation queued with an appointment's e-mail, over fakes: one event per
reschedule chain (the first appointment's UID), its sequence growing with each move and
the cancellation, and nothing for a booking the client never had confirmed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.ports import NotificationRequest
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
)
from app.domain.errors import ValidationFailed
from app.domain.identity.model import Role
from app.domain.notifications.calendar_invitation import (
    CalendarInvitation,
    invitation_sequence,
    invitation_uid,
)
from tests.unit.booking.fakes import START, World, world

IN_THREE_DAYS = START + timedelta(days=3, hours=1)
E = TypeVar("E")


async def confirmed_booking(w: World) -> tuple[Caller, uuid.UUID]:
    user = uuid.uuid4()
    w.repos.consents.granted.add((user, "personal_data"))
    caller = Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))
    held = await w.booking.holding.hold(
        caller, HoldRequest("session", IN_THREE_DAYS, "online", "UTC")
    )
    appointment = await w.repos.appointments.get(held.appointment.id)
    assert appointment is not None
    appointment.confirm(w.clock.now())
    await w.repos.appointments.save(appointment)
    return caller, appointment.id


def last_event(w: World, kind: type[E]) -> E:
    return [e for e in w.repos.appointments.events if isinstance(e, kind)][-1]


def queued(w: World, key: str) -> dict[str, NotificationRequest]:
    """The messages queued under ``key`` (confirmed, rescheduled...), by channel."""
    return {n.channel: n for n in w.uow.notifications_queued if n.dedupe_key.split(":")[2] == key}


async def test_the_confirmation_e_mail_carries_the_event_and_telegram_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = world()

    async def linked_bot(user_id: uuid.UUID | None, lead_id: uuid.UUID | None) -> int:
        return 4242

    monkeypatch.setattr(w.repos.contacts, "telegram_chat", linked_bot)
    _, appointment_id = await confirmed_booking(w)
    event = last_event(w, AppointmentConfirmed)
    await w.booking.messages.on_confirmed(event)

    sent = queued(w, "confirmed")
    assert sent["telegram"].invitation is None
    invitation = sent["email"].invitation
    assert invitation == CalendarInvitation(
        uid=f"{appointment_id}@example.org", sequence=0, method="REQUEST",
        start=IN_THREE_DAYS, end=IN_THREE_DAYS + timedelta(minutes=60),
        summary=w.service.title, stamp=event.occurred_at,
    )  # fmt: skip


async def test_a_move_updates_the_same_event_and_a_cancellation_removes_it() -> None:
    w = world()
    caller, first_id = await confirmed_booking(w)
    await w.booking.messages.on_confirmed(last_event(w, AppointmentConfirmed))

    later = IN_THREE_DAYS + timedelta(days=1)
    moved = await w.booking.client.reschedule(caller, first_id, later)
    # The move confirms the new appointment at once: its confirmation carries no event,
    # the reschedule message does (one invitation per change).
    await w.booking.messages.on_confirmed(last_event(w, AppointmentConfirmed))
    await w.booking.messages.on_rescheduled(last_event(w, AppointmentRescheduled))
    assert [n.invitation for n in w.uow.notifications_queued].count(None) == 1
    invitation = queued(w, "rescheduled")["email"].invitation
    assert invitation is not None
    assert (invitation.uid, invitation.sequence, invitation.method) == (
        f"{first_id}@example.org", 1, "REQUEST",
    )  # fmt: skip
    assert invitation.start == later

    again = await w.booking.client.reschedule(caller, moved.id, later + timedelta(hours=2))
    await w.booking.messages.on_rescheduled(last_event(w, AppointmentRescheduled))
    newest = [n for n in w.uow.notifications_queued if str(again.id) in n.dedupe_key]
    assert newest[0].invitation is not None
    assert newest[0].invitation.sequence == 2

    await w.booking.client.cancel(caller, again.id)
    await w.booking.messages.on_canceled(last_event(w, AppointmentCanceled))
    canceled = queued(w, "canceled")["email"].invitation
    assert canceled is not None
    assert (canceled.uid, canceled.sequence, canceled.method) == (
        f"{first_id}@example.org", 3, "CANCEL",
    )  # fmt: skip
    assert canceled.start == later + timedelta(hours=2)


async def test_a_booking_never_confirmed_has_no_event_to_add_or_remove() -> None:
    w = world()
    user = uuid.uuid4()
    w.repos.consents.granted.add((user, "personal_data"))
    caller = Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))
    held = await w.booking.holding.hold(
        caller, HoldRequest("session", IN_THREE_DAYS, "online", "UTC")
    )
    moved = await w.booking.client.reschedule(
        caller, held.appointment.id, IN_THREE_DAYS + timedelta(days=1)
    )
    await w.booking.messages.on_rescheduled(last_event(w, AppointmentRescheduled))
    await w.booking.client.cancel(caller, moved.id)
    await w.booking.messages.on_canceled(last_event(w, AppointmentCanceled))
    assert {n.dedupe_key.split(":")[2] for n in w.uow.notifications_queued} == {
        "rescheduled", "canceled",
    }  # fmt: skip
    assert all(n.invitation is None for n in w.uow.notifications_queued)


async def test_where_it_happens_goes_into_the_event_when_known() -> None:
    w = world()
    _, appointment_id = await confirmed_booking(w)
    appointment = await w.repos.appointments.get(appointment_id)
    assert appointment is not None
    appointment.meeting_url = "https://meet.example.org/abc-defg-hij"
    await w.repos.appointments.save(appointment)
    await w.booking.messages.on_confirmed(last_event(w, AppointmentConfirmed))
    invitation = queued(w, "confirmed")["email"].invitation
    assert invitation is not None
    assert invitation.url == invitation.location == "https://meet.example.org/abc-defg-hij"


def test_the_uid_names_the_first_appointment_at_the_site() -> None:
    root = uuid.UUID("0b6c1f0e-8d2a-4c55-9a39-2f1f6f1d7c10")
    assert invitation_uid(root, "praktika.example") == f"{root}@praktika.example"
    assert [invitation_sequence(n, "REQUEST") for n in (0, 1, 2)] == [0, 1, 2]
    assert invitation_sequence(2, "CANCEL") == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"sequence": -1},
        {"start": datetime(2030, 6, 4, 7, 0)},  # noqa: DTZ001 (no zone: the time is ambiguous)
        {"end": datetime(2030, 6, 4, 7, 0, tzinfo=UTC)},  # ends when it starts
    ],
)
def test_an_invitation_that_cannot_be_written_is_refused(changes: dict[str, object]) -> None:
    values: dict[str, object] = {
        "uid": "x@example.org", "sequence": 0, "method": "REQUEST",
        "start": datetime(2030, 6, 4, 7, 0, tzinfo=UTC),
        "end": datetime(2030, 6, 4, 8, 0, tzinfo=UTC),
        "summary": "Консультация", "stamp": datetime(2030, 6, 3, tzinfo=UTC),
    }  # fmt: skip
    with pytest.raises(ValidationFailed):
        CalendarInvitation(**{**values, **changes})  # type: ignore[arg-type]
