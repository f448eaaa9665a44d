"""CRM use cases added for staff's daily work, over the in-memory store: manual leads,
conversion that hands the bookings over, the booking's life on the timeline, the
audited lookup by an exact contact, and the leads list's pages."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from app.application.access import Principal
from app.application.crm.booking_steps import BookingSteps
from app.application.crm.leads import lead_for_booking
from app.application.crm.service import CrmService, ManualLead
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentCompleted,
    AppointmentConfirmed,
    AppointmentNoShow,
)
from app.domain.crm.contact import LeadContact
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.domain.identity.model import Role
from tests.unit.crm.fakes import NOW, MemoryLeadStore, unit_of_work

ASSISTANT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.ASSISTANT}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))


def event_of(appointment: uuid.UUID) -> dict[str, Any]:
    return {"event_id": uuid.uuid4(), "occurred_at": NOW, "aggregate_id": str(appointment)}


def service(store: MemoryLeadStore) -> tuple[CrmService, list]:  # type: ignore[type-arg]
    uow = unit_of_work(store)
    return CrmService(lambda: uow), uow.audit_log


async def test_staff_add_a_manual_lead_with_a_note_audited() -> None:
    store = MemoryLeadStore()
    crm, audit = service(store)
    lead = await crm.create_manual(
        ASSISTANT, ManualLead("Ольга", phone="8 916 123-45-67", note="Перезвонить вечером")
    )
    assert (lead.source, lead.status) == ("manual", "new")
    assert [e.event_type for e in lead.timeline] == ["lead.created"]
    assert [(n.author_id, n.body) for n in lead.notes] == [
        (ASSISTANT.user_id, "Перезвонить вечером")
    ]
    assert [(a.action, a.entity_id, a.details) for a in audit] == [
        ("lead.create", str(lead.id), {"source": "manual"})
    ]


@pytest.mark.parametrize(
    ("person", "error"),
    [
        (ManualLead("Без контакта"), ValidationFailed),
        (ManualLead("  ", email="a@example.org"), ValidationFailed),
        (ManualLead("Плохой", email="not-an-address"), ValidationFailed),
    ],
)
async def test_a_manual_lead_needs_a_name_and_a_valid_contact(
    person: ManualLead, error: type[Exception]
) -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    with pytest.raises(error):
        await crm.create_manual(ASSISTANT, person)
    with pytest.raises(Forbidden):
        await crm.create_manual(CLIENT, ManualLead("Ольга", email="o@example.org"))
    assert store.rows == {}


async def test_converting_hands_the_bookings_to_the_account_and_needs_one() -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    guest = await lead_for_booking(store, LeadContact("Гость", "g@example.org"), (), {})
    appointment = uuid.uuid4()
    store.appointments[appointment] = [guest.lead_id, None]
    with pytest.raises(NotFound):  # no such account
        await crm.convert(ASSISTANT, guest.lead_id, CLIENT.user_id)
    store.users[CLIENT.user_id] = ("Гость", "active", "g2@example.org", None, True)
    converted = await crm.convert(ASSISTANT, guest.lead_id, CLIENT.user_id)
    assert converted.converted_user_id == CLIENT.user_id
    assert store.appointments[appointment] == [guest.lead_id, CLIENT.user_id]


async def test_each_step_of_a_booking_is_on_its_leads_timeline_once() -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    steps = BookingSteps(crm)
    guest = await lead_for_booking(store, LeadContact("Гость", "g@example.org"), (), {})
    appointment, account_only = uuid.uuid4(), uuid.uuid4()
    store.appointments[appointment] = [guest.lead_id, None]
    store.appointments[account_only] = [None, CLIENT.user_id]
    paid = AppointmentConfirmed(**event_of(appointment))
    await steps.on_confirmed(paid)
    await steps.on_confirmed(paid)  # a handler may run twice: still one step
    await steps.on_canceled(
        AppointmentCanceled(**event_of(appointment), reason="client", refund_amount="0",
                            currency="RUB")
    )  # fmt: skip
    await steps.on_completed(AppointmentCompleted(**event_of(appointment)))
    await steps.on_no_show(AppointmentNoShow(**event_of(appointment)))
    await steps.on_confirmed(AppointmentConfirmed(**event_of(account_only), by_staff=True))
    lead = await crm.lead(ASSISTANT, guest.lead_id)
    assert [(e.event_type, e.props) for e in lead.timeline] == [
        ("booking.held", {}),
        ("booking.paid", {"appointment": str(appointment)}),
        ("booking.canceled", {"appointment": str(appointment)}),
        ("booking.completed", {"appointment": str(appointment)}),
        ("booking.no_show", {"appointment": str(appointment)}),
    ]


async def test_staff_confirming_without_payment_is_not_called_paid() -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    guest = await lead_for_booking(store, LeadContact("Гость", "g@example.org"), (), {})
    appointment = uuid.uuid4()
    store.appointments[appointment] = [guest.lead_id, None]
    await BookingSteps(crm).on_confirmed(
        AppointmentConfirmed(**event_of(appointment), by_staff=True)
    )
    assert store.events[-1][1] == "booking.confirmed"
    with pytest.raises(ValueError, match="not a booking step"):
        await crm.record_booking_step(appointment, "lead.created")


async def test_lookup_finds_exact_contacts_only_and_is_audited_without_them() -> None:
    store = MemoryLeadStore()
    crm, audit = service(store)
    store.users[CLIENT.user_id] = ("Мария", "active", "maria@example.org", "+79165550011", True)
    lead = await crm.create_manual(ASSISTANT, ManualLead("Мария", phone="8 916 555-00-11"))
    await crm.create_manual(ASSISTANT, ManualLead("Другая", email="maria2@example.org"))
    by_email = await crm.lookup(ASSISTANT, email=" Maria@Example.org ")
    assert [(m.kind, m.id, m.verified) for m in by_email] == [("user", CLIENT.user_id, True)]
    by_phone = await crm.lookup(ASSISTANT, phone="+7 (916) 555-00-11")
    assert [(m.kind, m.id) for m in by_phone] == [("user", CLIENT.user_id), ("lead", lead.id)]
    lookups = [a for a in audit if a.action == "client.lookup"]
    assert [(a.entity_id, a.details) for a in lookups] == [
        (None, {"by": "email", "users": 1, "leads": 0}),
        (None, {"by": "phone", "users": 1, "leads": 1}),
    ]
    with pytest.raises(ValidationFailed):
        await crm.lookup(ASSISTANT)
    with pytest.raises(ValidationFailed):
        await crm.lookup(ASSISTANT, email="a@example.org", phone="+79160000000")
    with pytest.raises(ValidationFailed):
        await crm.lookup(ASSISTANT, phone="12")
    with pytest.raises(Forbidden):
        await crm.lookup(CLIENT, email="maria@example.org")


async def test_the_leads_list_continues_after_the_last_lead_shown() -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    for n in range(3):
        made = await crm.create_manual(ASSISTANT, ManualLead(f"L{n}", email=f"l{n}@example.org"))
        store.rows[made.id]["created_at"] = NOW + timedelta(minutes=n)
    first = await crm.leads(ASSISTANT, None, None, 2)
    assert [lead.display_name for lead in first] == ["L2", "L1"]
    rest = await crm.leads(ASSISTANT, None, None, 2, (first[-1].created_at, first[-1].id))
    assert [lead.display_name for lead in rest] == ["L0"]
