"""Intake forms, the waitlist offer and a service's own invariants, over fakes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.domain.booking.appointment import AppointmentCanceled
from app.domain.errors import ConsentRequired, InvalidState, ValidationFailed
from app.domain.identity.model import Role
from tests.unit.booking.fakes import START, World, a_service, world

IN_THREE_DAYS = START + timedelta(days=3, hours=1)


async def client_hold(w: World, *, health: bool) -> tuple[Caller, uuid.UUID]:
    user = uuid.uuid4()
    w.repos.consents.granted.add((user, "personal_data"))
    if health:
        w.repos.consents.granted.add((user, "health_data"))
    caller = Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))
    held = await w.booking.holding.hold(
        caller, HoldRequest("session", IN_THREE_DAYS, "online", "UTC")
    )
    return caller, held.appointment.id


async def test_intake_needs_the_health_data_consent() -> None:
    w = world()
    caller, appointment_id = await client_hold(w, health=False)
    with pytest.raises(ConsentRequired):
        await w.booking.intake.save(caller, appointment_id, {"q": "a"}, submit=False)


async def test_intake_is_saved_as_draft_then_submitted_once() -> None:
    w = world()
    caller, appointment_id = await client_hold(w, health=True)
    draft = await w.booking.intake.save(caller, appointment_id, {"q": "a"}, submit=False)
    assert draft.status == "draft"
    submitted = await w.booking.intake.save(caller, appointment_id, {"q": "b"}, submit=True)
    assert submitted.is_submitted
    assert submitted.answers == {"q": "b"}
    with pytest.raises(InvalidState, match="already submitted"):
        await w.booking.intake.save(caller, appointment_id, {"q": "c"}, submit=True)
    form = await w.booking.intake.form(caller, appointment_id)
    assert form is not None
    assert form.answers == {"q": "b"}


async def test_a_freed_slot_is_offered_to_the_first_matching_request() -> None:
    w = world()
    guest = HoldRequest("session", START, "online", "UTC",
                        GuestContact("Ждущий", "wait@example.org", None),
                        (("personal_data", True, "1"),))  # fmt: skip
    await w.booking.waitlist.join(Caller(None), "session", {"parts_of_day": ["evening"]}, guest)
    wanted = await w.booking.waitlist.join(Caller(None), "session", {"days": [4]}, guest)
    caller, appointment_id = await client_hold(w, health=False)  # Thursday 10:00 UTC
    await w.booking.client.cancel(caller, appointment_id)
    (event,) = [e for e in w.repos.appointments.events if isinstance(e, AppointmentCanceled)]
    await w.booking.waitlist.offer_freed_slot(event)
    offered = [r for r in w.repos.waitlist.requests if r.status == "offered"]
    assert [r.id for r in offered] == [wanted]
    (message,) = w.uow.notifications_queued
    assert message.template_code == "waitlist.offer"
    assert message.to == "wait@example.org"
    assert message.variables["display_name"] == ""  # a guest's typed name is never sent


def test_the_partial_refund_window_lies_inside_the_free_one() -> None:
    with pytest.raises(ValidationFailed) as refused:
        a_service(cancel_free_hours=12, cancel_partial_hours=24)
    assert refused.value.field == "cancel_partial_hours"


def test_a_deposit_never_exceeds_the_price() -> None:
    with pytest.raises(ValidationFailed) as refused:
        a_service(price_amount=Decimal("1000"), deposit_amount=Decimal("1500"))
    assert refused.value.field == "deposit"
    assert a_service(deposit_amount=Decimal("1000")).charge.amount == Decimal("1000")
