"""CRM use cases over an in-memory store: every entry point makes a lead of its own,
contacts are claims, only staff merge (audited), staff edits are versioned."""

from __future__ import annotations

import uuid

import pytest

from app.application.access import Principal
from app.application.crm.leads import (
    join_telegram,
    lead_for_booking,
    lead_for_self_check,
    lead_for_telegram,
)
from app.application.crm.service import ContactForm, CrmService
from app.application.ports import AuditEntry
from app.domain.crm.contact import LeadContact
from app.domain.errors import (
    ConsentRequired,
    Forbidden,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from app.domain.identity.model import Role
from tests.unit.crm.fakes import MemoryLeadStore, unit_of_work

OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
PD = (("personal_data", True, "v1"),)


def form(**changes: object) -> ContactForm:
    values: dict[str, object] = {
        "name": "Анна", "email": "anna@example.org", "phone": None, "telegram": None,
        "message": "Хочу записаться", "topic": "anxiety", "consents": PD, "metadata": {},
    }  # fmt: skip
    values.update(changes)
    return ContactForm(**values)  # type: ignore[arg-type]


def service(store: MemoryLeadStore) -> tuple[CrmService, list[AuditEntry]]:
    uow = unit_of_work(store)
    return CrmService(lambda: uow), uow.audit_log


async def test_the_contact_form_makes_a_new_lead_each_time_even_for_a_known_contact() -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    await crm.submit(form())
    await crm.submit(form(name="Кто-то другой"))
    assert len(store.rows) == 2
    first, second = store.rows
    assert [e[1] for e in store.events] == ["web_form.submitted", "web_form.submitted"]
    assert {n[2] for n in store.notes} == {"Хочу записаться"}
    lead = await crm.lead(OWNER, first)
    assert lead.merge_suggestions[0].id == second  # a hint for staff, nothing joined
    assert lead.first_touch == {"entry_point": "web_form"}


async def test_the_contact_form_needs_a_contact_and_the_personal_data_consent() -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    with pytest.raises(ValidationFailed):
        await crm.submit(form(email=None))
    with pytest.raises(ConsentRequired):
        await crm.submit(form(consents=(("personal_data", False, "v1"),)))
    with pytest.raises(ValidationFailed):
        await crm.submit(form(email="not an address"))
    with pytest.raises(ValidationFailed):  # the first touch is P0 codes only
        await crm.submit(form(metadata={"utm_source": "anna@example.org"}))
    assert store.rows == {}


async def test_each_entry_point_makes_its_own_lead_with_its_event() -> None:
    store = MemoryLeadStore()
    contact = LeadContact("Анна", "anna@example.org", "+79990000000")
    booked = await lead_for_booking(store, contact, PD, {"entry_point": "booking"})
    checked = await lead_for_self_check(store, contact, PD, "anxiety-test")
    bot = await lead_for_telegram(store, 4242, "plan")
    assert len({booked.lead_id, checked, bot}) == 3
    assert booked.email_identity_id is not None
    assert [(store.rows[e[0]]["source"], e[1], e[2]) for e in store.events] == [
        ("booking", "booking.held", {}),
        ("interactive", "interactive.completed", {"interactive": "anxiety-test"}),
    ]
    assert store.rows[checked]["first_touch"] == {
        "entry_point": "interactive",
        "page": "anxiety-test",
    }
    assert store.rows[bot]["first_touch"] == {"entry_point": "telegram", "purpose": "plan"}
    assert [i[2:4] for i in store.identities if i[1] == bot] == [("telegram", "4242")]


async def test_a_telegram_account_joins_the_lead_its_link_was_made_for() -> None:
    store = MemoryLeadStore()
    lead = await lead_for_booking(store, LeadContact("Анна", "anna@example.org"), PD, {})
    await join_telegram(store, lead.lead_id, 4242)
    assert [i[2] for i in store.identities if i[1] == lead.lead_id] == ["email", "telegram"]


async def test_staff_merge_moves_everything_and_is_audited() -> None:
    store = MemoryLeadStore()
    crm, audit = service(store)
    await crm.submit(form())
    await crm.submit(form(name="Анна П."))
    target, source = store.rows
    merged = await crm.merge(OWNER, target, source)
    assert len(merged.identities) == 2
    assert [e.event_type for e in merged.timeline][-1] == "lead.merged"
    assert len(merged.notes) == 2
    assert store.rows[source]["merged_into_id"] == target
    assert [a.action for a in audit][-1] == "lead.merge"
    with pytest.raises(NotFound):  # a merged lead is not a lead any more
        await crm.lead(OWNER, source)
    with pytest.raises(ValidationFailed):
        await crm.merge(OWNER, target, target)


async def test_only_staff_read_and_merge_leads() -> None:
    store = MemoryLeadStore()
    crm, _ = service(store)
    await crm.submit(form())
    await crm.submit(form())
    first, second = store.rows
    with pytest.raises(Forbidden):
        await crm.leads(CLIENT, None, None, 10)
    with pytest.raises(Forbidden):
        await crm.merge(CLIENT, first, second)


async def test_status_changes_are_versioned_and_on_the_timeline() -> None:
    store = MemoryLeadStore()
    crm, audit = service(store)
    await crm.submit(form())
    (lead_id,) = store.rows
    updated = await crm.update(OWNER, lead_id, 1, "contacted", None)
    assert (updated.status, updated.version) == ("contacted", 2)
    assert updated.timeline[-1].props == {"from": "new", "to": "contacted"}
    with pytest.raises(VersionConflict):
        await crm.update(OWNER, lead_id, 1, "qualified", None)
    with pytest.raises(ValidationFailed):
        await crm.update(OWNER, lead_id, 2, "converted", None)
    store.users[CLIENT.user_id] = ("Анна", "active", None, None, False)
    converted = await crm.convert(OWNER, lead_id, CLIENT.user_id)
    assert (converted.status, converted.converted_user_id) == ("converted", CLIENT.user_id)
    noted = await crm.add_note(OWNER, lead_id, "Перезвонить")
    assert noted.notes[-1].author_id == OWNER.user_id
    assert {a.action for a in audit} >= {"lead.update", "lead.note_add"}
