"""CRM use cases: the contact form makes or merges a lead; staff (owner, assistant) read
leads with their timeline and notes (audited: notes are P2), change status and
assignment, add notes and convert a lead to a client."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.crm.ports import Consent, LeadPosition, LeadStore
from app.application.ports import AuditEntry, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.crm.contact import LeadContact
from app.domain.crm.lead import ClientMatch, Lead, LeadSummary
from app.domain.crm.timeline import BOOKING_LIFECYCLE, LEAD_STATUSES, validate_first_touch
from app.domain.errors import ConsentRequired, NotFound, ValidationFailed, VersionConflict
from app.domain.identity.model import Role
from app.domain.shared.contact import Email, Phone

logger = structlog.get_logger(__name__)

CRM_STAFF = (Role.OWNER, Role.ASSISTANT)
MAX_NOTE = 5000


@dataclass(frozen=True, slots=True)
class ContactForm:
    name: str
    email: str | None
    phone: str | None
    telegram: str | None
    message: str | None
    topic: str | None
    consents: tuple[Consent, ...]
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ManualLead:
    """A person staff met outside the site (a call, a referral): what they said."""

    name: str
    email: str | None = None
    phone: str | None = None
    telegram: str | None = None
    note: str | None = None


CrmUoW = UnitOfWork[LeadStore]


class CrmService:
    def __init__(self, uow: Callable[[], CrmUoW]) -> None:
        self._uow = uow

    async def submit(self, form: ContactForm) -> None:
        """``POST /leads``: a new lead of its own. The contacts are claims: a lead that
        already has one of them is not joined, extended or revealed (staff see it as a
        merge suggestion)."""
        if not (form.email or form.phone or form.telegram):
            raise ValidationFailed("give an e-mail, a phone or a Telegram", field="email")
        if not any(kind == "personal_data" and granted for kind, granted, _ in form.consents):
            raise ConsentRequired("The personal_data consent is required to contact us.")
        first_touch = validate_first_touch({"entry_point": "web_form", **form.metadata})
        props = {"entry_point": "web_form", "topic": form.topic}
        contact = LeadContact(form.name, form.email, form.phone, form.telegram)
        contact.identities()  # malformed contacts are refused before anything is written

        async def work(uow: CrmUoW) -> None:
            lead_id = (
                await uow.repos.create("web_form", contact, form.consents, first_touch)
            ).lead_id
            await uow.repos.add_event(lead_id, "web_form.submitted", props)
            if form.message:
                await uow.repos.add_note(lead_id, None, form.message)

        await in_transaction(self._uow, work)
        logger.info("lead_form_received", topic=form.topic)

    async def leads(
        self, actor: Principal, status: str | None, q: str | None, limit: int,
        after: LeadPosition | None = None,
    ) -> list[LeadSummary]:  # fmt: skip
        ensure_roles(actor, *CRM_STAFF)

        async def work(uow: CrmUoW) -> list[LeadSummary]:
            return await uow.repos.leads(status, q, limit, after)

        return await in_transaction(self._uow, work)

    async def lead(self, actor: Principal, lead_id: uuid.UUID) -> Lead:
        """One lead with identities, timeline and notes; the read is audited."""
        ensure_roles(actor, *CRM_STAFF)

        async def work(uow: CrmUoW) -> Lead:
            found = await uow.repos.lead(lead_id)
            if found is None:
                raise NotFound()
            await _audit(uow, actor, "lead.read", lead_id)
            return found

        return await in_transaction(self._uow, work)

    async def update(
        self, actor: Principal, lead_id: uuid.UUID, version: int, status: str | None,
        assigned_to: uuid.UUID | None,
    ) -> Lead:  # fmt: skip
        ensure_roles(actor, *CRM_STAFF)
        if status is not None and status not in LEAD_STATUSES:
            raise ValidationFailed("unknown lead status", field="status")
        if status == "converted":
            raise ValidationFailed("convert a lead with /convert", field="status")

        async def work(uow: CrmUoW) -> Lead:
            found = await uow.repos.lead(lead_id)
            if found is None:
                raise NotFound()
            new_status = status or found.status
            if not await uow.repos.update(lead_id, version, new_status, assigned_to):
                raise VersionConflict()
            if new_status != found.status:
                await uow.repos.add_event(
                    lead_id, "lead.status_changed", {"from": found.status, "to": new_status}
                )
            if assigned_to != found.assigned_to:
                await uow.repos.add_event(lead_id, "lead.assigned", {})
            await _audit(uow, actor, "lead.update", lead_id, {"status": new_status})
            return await _reread(uow, lead_id)

        return await in_transaction(self._uow, work)

    async def add_note(self, actor: Principal, lead_id: uuid.UUID, body: str) -> Lead:
        ensure_roles(actor, *CRM_STAFF)
        if not body.strip() or len(body) > MAX_NOTE:
            raise ValidationFailed(f"a note has 1 to {MAX_NOTE} characters", field="body")

        async def work(uow: CrmUoW) -> Lead:
            if await uow.repos.lead(lead_id) is None:
                raise NotFound()
            await uow.repos.add_note(lead_id, actor.user_id, body)
            await uow.repos.add_event(lead_id, "lead.note_added", {})
            await _audit(uow, actor, "lead.note_add", lead_id)
            return await _reread(uow, lead_id)

        return await in_transaction(self._uow, work)

    async def convert(self, actor: Principal, lead_id: uuid.UUID, user_id: uuid.UUID) -> Lead:
        """The lead became a client: linked to their account."""
        ensure_roles(actor, *CRM_STAFF)

        async def work(uow: CrmUoW) -> Lead:
            if not await uow.repos.convert(lead_id, user_id):
                raise NotFound()
            await uow.repos.add_event(lead_id, "lead.converted", {})
            await _audit(uow, actor, "lead.convert", lead_id)
            return await _reread(uow, lead_id)

        return await in_transaction(self._uow, work)

    async def merge(self, actor: Principal, target_id: uuid.UUID, source_id: uuid.UUID) -> Lead:
        """Staff decided two leads are one person: the source's identities, timeline,
        notes, bookings, waitlist requests and Telegram accounts move to the target; the
        source row stays (merged) as the anchor of its consents. Audited."""
        ensure_roles(actor, *CRM_STAFF)
        if target_id == source_id:
            raise ValidationFailed("a lead cannot be merged into itself", field="source_lead_id")

        async def work(uow: CrmUoW) -> Lead:
            if await uow.repos.lead(target_id) is None or await uow.repos.lead(source_id) is None:
                raise NotFound()
            if not await uow.repos.merge(source_id, target_id):
                raise NotFound()  # pragma: no cover (both read in this transaction)
            await uow.repos.add_event(target_id, "lead.merged", {})
            await _audit(uow, actor, "lead.merge", target_id, {"source_lead_id": str(source_id)})
            return await _reread(uow, target_id)

        return await in_transaction(self._uow, work)

    async def create_manual(self, actor: Principal, person: ManualLead) -> Lead:
        """Staff add someone they met outside the site (``source=manual``): a lead of
        its own, like every other entry point; the note is encrypted. Audited."""
        ensure_roles(actor, *CRM_STAFF)
        if not person.name.strip():
            raise ValidationFailed("give the person's name", field="name")
        if person.note is not None and (not person.note.strip() or len(person.note) > MAX_NOTE):
            raise ValidationFailed(f"a note has 1 to {MAX_NOTE} characters", field="note")
        contact = LeadContact(person.name.strip(), person.email, person.phone, person.telegram)
        if not contact.identities():  # (also refuses a malformed contact)
            raise ValidationFailed("give an e-mail, a phone or a Telegram", field="email")

        async def work(uow: CrmUoW) -> Lead:
            lead_id = (
                await uow.repos.create("manual", contact, (), {"entry_point": "manual"})
            ).lead_id
            await uow.repos.add_event(lead_id, "lead.created", {})
            if person.note:
                await uow.repos.add_note(lead_id, actor.user_id, person.note)
            await _audit(uow, actor, "lead.create", lead_id, {"source": "manual"})
            return await _reread(uow, lead_id)

        return await in_transaction(self._uow, work)

    async def lookup(
        self, actor: Principal, email: str | None = None, phone: str | None = None
    ) -> list[ClientMatch]:
        """Who has exactly this e-mail or phone: accounts and leads, for staff answering
        a call or a letter. Exact match on the normalised contact only (no partial
        search that would list strangers); the lookup is audited without the contact."""
        ensure_roles(actor, *CRM_STAFF)
        if (email is None) == (phone is None):
            raise ValidationFailed("give an e-mail or a phone", field="email")
        kind, normalized = (
            ("email", Email(email).normalized) if email is not None
            else ("phone", Phone(phone or "").normalized)
        )  # fmt: skip

        async def work(uow: CrmUoW) -> list[ClientMatch]:
            found = await uow.repos.find_by_contact(kind, normalized)
            await uow.audit.record(
                AuditEntry(
                    actor_id=str(actor.user_id), actor_role=actor.primary_role,
                    action="client.lookup", entity_type="client", entity_id=None,
                    details={"by": kind, "users": sum(m.kind == "user" for m in found),
                             "leads": sum(m.kind == "lead" for m in found)},
                )
            )  # fmt: skip
            return found

        return await in_transaction(self._uow, work)

    async def record_booking_step(
        self, appointment_id: uuid.UUID, event_type: str, props: dict[str, Any] | None = None
    ) -> None:
        """Event handler: a step of a booking's life (paid, canceled, completed, no-show,
        rescheduled) goes on its lead's timeline, once (handlers may run again)."""
        if event_type not in BOOKING_LIFECYCLE:
            raise ValueError(f"{event_type} is not a booking step")

        async def work(uow: CrmUoW) -> None:
            await uow.repos.add_booking_event(
                appointment_id, event_type, {"appointment": str(appointment_id), **(props or {})}
            )

        await in_transaction(self._uow, work)


async def _reread(uow: CrmUoW, lead_id: uuid.UUID) -> Lead:
    found = await uow.repos.lead(lead_id)
    if found is None:  # pragma: no cover (read in this transaction)
        raise NotFound()
    return found


async def _audit(
    uow: UnitOfWork[Any], actor: Principal, action: str, lead_id: uuid.UUID,
    details: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    await audit_action(uow, actor, action, "lead", str(lead_id), details)
