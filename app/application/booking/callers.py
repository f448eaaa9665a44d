"""Who acts on an appointment and whom a booking is for: the signed-in client, a client
recognised by the bot, or a guest with contact details (a lead of its own) and later a
manage token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.application.access import Principal
from app.application.booking.ports import GuestContact
from app.application.booking.transactions import BookingUoW
from app.domain.booking.appointment import Appointment
from app.domain.errors import ConsentRequired, NotFound, ValidationFailed
from app.domain.identity.model import Role, new_token
from app.domain.identity.tokens import token_hash
from app.domain.shared.contact import Email, Phone

BOOKING_STAFF = (Role.OWNER, Role.ASSISTANT)
GUEST_LEAD_EVENT = "booking.held"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts on an appointment: a signed-in person and/or a guest's manage token."""

    principal: Principal | None
    manage_token: str | None = None
    linked_user_id: uuid.UUID | None = None
    """A user recognised by their linked Telegram account (the bot acts for them)."""

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.principal.user_id if self.principal else self.linked_user_id


@dataclass(frozen=True, slots=True)
class Booker:
    """Who a hold or waitlist request is for: a client, or a guest's own lead with the
    e-mail identity given in that request (None for a phone-only guest)."""

    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    contact_identity_id: uuid.UUID | None
    manage_token: str | None


async def who_books(
    uow: BookingUoW, caller: Caller, contact: GuestContact | None,
    consents: tuple[tuple[str, bool, str], ...],
) -> Booker:  # fmt: skip
    """The signed-in client, or a guest: a lead of its own for this request (the
    contacts given are claims, never matched to anyone else's), whose timeline shows
    the booking."""
    if caller.user_id is not None:
        if not await uow.repos.consents.has(caller.user_id, "personal_data"):
            raise ConsentRequired("The personal_data consent is required to book.")
        return Booker(caller.user_id, None, None, None)
    if contact is None:
        raise ValidationFailed("a guest booking needs contact details", field="contact")
    if not any(c[0] == "personal_data" and c[1] for c in consents):
        raise ConsentRequired("The personal_data consent is required to book.")
    if contact.email is None and contact.phone is None:
        raise ValidationFailed("give an e-mail or a phone", field="contact")
    if contact.email is not None:
        Email(contact.email)
    if contact.phone is not None:
        Phone(contact.phone)
    lead = await uow.repos.leads.create(contact, list(consents), "booking")
    await uow.repos.leads.add_event(lead.lead_id, GUEST_LEAD_EVENT)
    return Booker(None, lead.lead_id, lead.email_identity_id, new_token())


async def owned(uow: BookingUoW, caller: Caller, appointment_id: uuid.UUID) -> Appointment:
    """The caller's appointment (by account or manage token); anyone else's is NotFound."""
    appointment = await uow.repos.appointments.get(appointment_id)
    manage_hash = token_hash(caller.manage_token) if caller.manage_token else None
    if appointment is None or not appointment.belongs_to(caller.user_id, manage_hash):
        raise NotFound()
    return appointment
