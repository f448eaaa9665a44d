"""What booking's repositories hand to the use cases besides domain objects: lists for
people to read, the intake form, a waitlist offer, a remembered hold."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

import msgspec


class ClientAppointment(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a client's own list."""

    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    status: str
    format: str
    timezone: str
    service_slug: str
    service_title: str
    amount_paid: str | None = None
    """What the client paid, before refunds ("1000.00")."""
    amount_due: str | None = None
    """What is left of the price while the appointment is live (a deposit's remainder)."""


class StaffAppointment(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the staff calendar."""

    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    status: str
    format: str
    timezone: str
    client_user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    service_slug: str
    service_title: str
    amount_paid: str | None = None
    """What the client paid, before refunds ("3500.00")."""
    amount_due: str | None = None
    """What is left of the price while the appointment is live (a deposit's remainder)."""


class ScheduleRuleView(msgspec.Struct, frozen=True, kw_only=True):
    """Weekly working hours as staff see and remove them."""

    id: uuid.UUID
    weekday: int
    start_time: time
    end_time: time
    timezone: str
    valid_from: date | None
    valid_to: date | None
    service_id: uuid.UUID | None
    version: int = 1


class ScheduleExceptionView(msgspec.Struct, frozen=True, kw_only=True):
    """A closed period (holiday, vacation) or extra hours as staff see and edit them."""

    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    kind: str
    reason: str | None
    version: int = 1


class IntakeForm(msgspec.Struct, frozen=True, kw_only=True):
    """An intake form, decrypted; ``answers`` is the client's own JSON document."""

    id: uuid.UUID
    status: str
    answers: dict[str, Any]
    submitted_at: datetime | None
    updated_at: datetime | None
    version: int

    @property
    def is_submitted(self) -> bool:
        return self.status == "submitted"


class WaitlistOffer(msgspec.Struct, frozen=True, kw_only=True):
    """The waitlist request that was just offered a freed slot: a client or a guest's lead."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    contact_identity_id: uuid.UUID | None


class RememberedHold(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a hold made with an Idempotency-Key, for replaying a retry."""

    request_hash: bytes
    appointment_id: uuid.UUID
    payment_id: uuid.UUID
    confirmation_url: str
    manage_token: str | None


class StandingOffer(msgspec.Struct, frozen=True, kw_only=True):
    """A freed slot kept for the waitlist request it was offered to, until it lapses:
    busy for everybody but that person (their account, their lead, or the offer's token)."""

    id: uuid.UUID
    service_id: uuid.UUID
    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    offer_token_hash: bytes | None
    offer_start_at: datetime
    blocked_start: datetime
    blocked_end: datetime


class ReleasedOffer(msgspec.Struct, frozen=True, kw_only=True):
    """The slot an offer kept until it lapsed or was declined."""

    service_id: uuid.UUID
    offer_start_at: datetime
    blocked_start: datetime
    blocked_end: datetime


class LeftRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A request its client left; ``released`` when it had an offer that still stood."""

    id: uuid.UUID
    released: ReleasedOffer | None


class WaitlistEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One of a client's own waitlist requests, with the offer that stands, if any."""

    id: uuid.UUID
    service_slug: str
    service_title: str
    status: str
    preferences: dict[str, Any]
    created_at: datetime
    offer_start_at: datetime | None
    offer_expires_at: datetime | None


class OfferView(msgspec.Struct, frozen=True, kw_only=True):
    """A standing offer as its link's holder sees it."""

    id: uuid.UUID
    service_slug: str
    service_title: str
    offer_start_at: datetime
    offer_expires_at: datetime
