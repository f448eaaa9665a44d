"""A guest fills the intake form through the manage token, with the health_data consent
given there and recorded on the guest's lead; nobody else opens it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.domain.errors import ConsentRequired, NotFound
from app.domain.identity.model import Role
from tests.unit.booking.fakes import START, World, world

IN_THREE_DAYS = START + timedelta(days=3, hours=1)
AGREED = (("personal_data", True, "1"),)


async def guest_hold(w: World) -> tuple[Caller, uuid.UUID, uuid.UUID]:
    held = await w.booking.holding.hold(
        Caller(None),
        HoldRequest("session", IN_THREE_DAYS, "online", "UTC",
                    GuestContact("Гость", "guest@example.org", None), AGREED),
    )  # fmt: skip
    assert held.manage_token is not None
    lead_id = held.appointment.lead_id
    assert lead_id is not None
    return Caller(None, manage_token=held.manage_token), held.appointment.id, lead_id


async def test_a_guest_fills_the_form_with_the_consent_given_there() -> None:
    w = world()
    guest, appointment_id, lead_id = await guest_hold(w)
    with pytest.raises(ConsentRequired):
        await w.booking.intake.save(guest, appointment_id, {"q": "a"}, submit=False)
    saved = await w.booking.intake.save(
        guest, appointment_id, {"q": "a"}, submit=True, consent=(True, "2030-01")
    )
    assert saved.is_submitted
    assert (lead_id, "health_data") in w.repos.consents.lead_granted
    form = await w.booking.intake.form(guest, appointment_id)
    assert form is not None
    assert form.answers == {"q": "a"}


async def test_a_withdrawn_consent_closes_the_form() -> None:
    w = world()
    guest, appointment_id, _ = await guest_hold(w)
    await w.booking.intake.save(guest, appointment_id, {"q": "a"}, False, consent=(True, "1"))
    with pytest.raises(ConsentRequired):
        await w.booking.intake.save(guest, appointment_id, {"q": "b"}, False, consent=(False, "1"))


async def test_without_the_manage_token_the_form_is_nobody_elses() -> None:
    w = world()
    guest, appointment_id, _ = await guest_hold(w)
    await w.booking.intake.save(guest, appointment_id, {"q": "a"}, False, consent=(True, "1"))
    stranger = Caller(Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT})))
    for caller in (stranger, Caller(None), Caller(None, manage_token="not-the-token")):
        with pytest.raises(NotFound):
            await w.booking.intake.form(caller, appointment_id)
        with pytest.raises(NotFound):
            await w.booking.intake.save(caller, appointment_id, {"q": "x"}, False, (True, "1"))
