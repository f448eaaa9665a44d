"""What booking use cases need: storage, payments, guests (leads), calendar busy time.
Every repository returns domain objects or the read models of ``read_models``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.application.booking.read_models import (
    ClientAppointment,
    IntakeForm,
    LeftRequest,
    OfferView,
    ReleasedOffer,
    RememberedHold,
    ScheduleExceptionView,
    ScheduleRuleView,
    StaffAppointment,
    StandingOffer,
    WaitlistEntry,
    WaitlistOffer,
)
from app.domain.booking.appointment import Appointment
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.booking.service import Service
from app.domain.crm.contact import NewLead
from app.domain.payments.balance import PaidPart
from app.domain.shared.money import Money
from app.domain.shared.time_range import TimeRange


class ServiceRepository(Protocol):
    async def list(self, include_unpublished: bool) -> list[Service]: ...

    async def by_slug(self, slug: str) -> Service | None: ...

    async def get(self, service_id: uuid.UUID) -> Service | None: ...

    async def add(self, service: Service) -> None: ...

    async def update(self, service: Service, expected_version: int) -> Service: ...


class ScheduleRepository(Protocol):
    async def rules_for(self, service_id: uuid.UUID) -> list[WeeklyRule]: ...

    async def list_rules(self) -> list[ScheduleRuleView]: ...

    async def add_rule(self, rule: WeeklyRule) -> uuid.UUID: ...

    async def delete_rule(self, rule_id: uuid.UUID) -> bool: ...

    async def exceptions_in(self, window: TimeRange) -> list[ScheduleException]: ...

    async def add_exception(
        self, exception: ScheduleException, reason: str | None
    ) -> uuid.UUID: ...

    async def delete_exception(self, exception_id: uuid.UUID) -> bool: ...

    async def get_rule(self, rule_id: uuid.UUID) -> ScheduleRuleView | None: ...

    async def update_rule(
        self, rule_id: uuid.UUID, rule: WeeklyRule, expected_version: int
    ) -> ScheduleRuleView | None:
        """The rule as changed; None when that version is not the current one."""
        ...

    async def list_exceptions(self, window: TimeRange) -> list[ScheduleExceptionView]: ...

    async def get_exception(self, exception_id: uuid.UUID) -> ScheduleExceptionView | None: ...

    async def update_exception(
        self, exception_id: uuid.UUID, exception: ScheduleException, reason: str | None,
        expected_version: int,
    ) -> ScheduleExceptionView | None:  # fmt: skip
        """The exception as changed; None when that version is not the current one."""
        ...


class AppointmentRepository(Protocol):
    async def lock_calendar(self) -> None:
        """Serialise changes to the calendar until the transaction ends."""
        ...

    async def busy_in(self, window: TimeRange) -> list[TimeRange]: ...

    async def add(self, appointment: Appointment) -> None: ...

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None: ...

    async def save(self, appointment: Appointment) -> None: ...

    async def expired_holds(self, now: datetime, limit: int) -> list[uuid.UUID]: ...

    async def guest_appointments_for_email(
        self, email_normalized: str, now: datetime, limit: int
    ) -> list[uuid.UUID]:
        """A guest's live upcoming appointments booked with this e-mail."""
        ...

    async def by_manage_token(self, manage_token_hash: bytes) -> uuid.UUID | None: ...

    async def due_for_reminder(
        self, now: datetime, label: str, lead_hours: int, limit: int
    ) -> list[uuid.UUID]: ...

    async def due_for_remainder_reminder(
        self, now: datetime, lead_hours: int, limit: int
    ) -> list[uuid.UUID]:
        """Confirmed sessions within ``lead_hours`` with part of the price unpaid, not
        yet reminded to pay it (label ``remainder`` in ``reminders_sent``)."""
        ...

    async def upcoming_of(
        self, user_id: uuid.UUID | None, lead_ids: tuple[uuid.UUID, ...], now: datetime
    ) -> list[uuid.UUID]:
        """Live (held or confirmed) appointments of the account or its leads still ahead."""
        ...

    async def list_for_client(
        self, user_id: uuid.UUID, upcoming: bool, now: datetime
    ) -> list[ClientAppointment]: ...

    async def list_between(
        self, window: TimeRange, status: str | None
    ) -> list[StaffAppointment]: ...


@dataclass(frozen=True, slots=True)
class PaymentStart:
    payment_id: uuid.UUID
    confirmation_url: str


class PaymentPort(Protocol):
    """The payments context as booking sees it (in the booking's transaction)."""

    async def start(
        self, appointment: Appointment, amount: Money, description: str, kind: str = "full"
    ) -> PaymentStart:
        """Record a payment of ``kind`` (full, deposit, remainder); ``ReceiptContactMissing``
        when receipts are on and the client left neither e-mail nor phone, and
        ``RemainderPending`` when a remainder payment is already open."""
        ...

    async def paid_parts(self, appointment_id: uuid.UUID) -> list[PaidPart]:
        """The appointment's succeeded payments, oldest first."""
        ...

    async def paid_amount(self, appointment_id: uuid.UUID) -> Money | None:
        """Everything paid for the appointment; None when nothing was."""
        ...

    async def refund(self, appointment_id: uuid.UUID, amount: Money, reason: str) -> None:
        """Refund ``amount`` split over the payments (``split_refund``)."""
        ...

    async def move(self, from_id: uuid.UUID, to_id: uuid.UUID) -> None: ...

    async def mark_succeeded(
        self, payment_id: uuid.UUID, provider_payment_id: str
    ) -> uuid.UUID | None: ...

    async def open_payment(
        self, appointment_id: uuid.UUID, kind: str | None = None
    ) -> tuple[uuid.UUID, str] | None:
        """The appointment's payment (of ``kind`` when given) still waiting to be made,
        with its link (may be "")."""
        ...

    async def cancel_open(self, payment_id: uuid.UUID) -> uuid.UUID | None:
        """Cancel a payment not yet made; returns its appointment (None if not open)."""
        ...


@dataclass(frozen=True, slots=True)
class GuestContact:
    name: str
    email: str | None
    phone: str | None


class LeadDirectory(Protocol):
    async def create(
        self,
        contact: GuestContact,
        consents: list[tuple[str, bool, str]],
        first_touch: str,
        source: str = "booking",
    ) -> NewLead:
        """A lead of the guest's own (contacts are claims: an existing lead that has them
        is never joined); ``first_touch`` names the entry point; ``source`` is "manual"
        when staff enter the person."""
        ...

    async def add_event(self, lead_id: uuid.UUID, event_type: str) -> None:
        """A timeline event on the lead."""
        ...

    async def contact(
        self, lead_id: uuid.UUID, identity_id: uuid.UUID | None
    ) -> tuple[str | None, str | None]: ...


@dataclass(frozen=True, slots=True)
class OfferHold:
    """What an offer keeps: the freed slot (with its buffers) until ``expires_at``, and the
    hash of the token in the offer's link."""

    start_at: datetime
    blocked: TimeRange
    expires_at: datetime
    token_hash: bytes


class WaitlistRepository(Protocol):
    async def add(
        self, service_id: uuid.UUID, user_id: uuid.UUID | None, lead_id: uuid.UUID | None,
        contact_identity_id: uuid.UUID | None, preferences: dict[str, Any],
    ) -> uuid.UUID: ...  # fmt: skip

    async def offer_first_matching(
        self, service_id: uuid.UUID, weekday: int, part_of_day: str,
        hold: OfferHold | None = None,
    ) -> WaitlistOffer | None:  # fmt: skip
        """The oldest matching active request, marked offered (keeping ``hold``)."""
        ...

    async def fulfil(
        self, service_id: uuid.UUID, user_id: uuid.UUID | None, lead_id: uuid.UUID | None,
        offer_id: uuid.UUID | None = None,
    ) -> None: ...  # fmt: skip

    async def expire_offers(self, before: datetime) -> list[ReleasedOffer]:
        """Mark lapsed offers expired; the slots they kept (offers made since 0044)."""
        ...

    async def standing_offers(self, window: TimeRange, now: datetime) -> list[StandingOffer]:
        """Offered slots overlapping ``window`` whose offer has not lapsed at ``now``."""
        ...

    async def offer_by_token(self, token_hash: bytes, now: datetime) -> OfferView | None: ...

    async def of_user(self, user_id: uuid.UUID) -> list[WaitlistEntry]: ...

    async def leave(self, request_id: uuid.UUID, user_id: uuid.UUID) -> LeftRequest | None:
        """Cancel the user's own active or offered request (freeing an offered slot);
        None when there is no such request of theirs still open."""
        ...


class IntakeRepository(Protocol):
    async def get(self, appointment_id: uuid.UUID) -> IntakeForm | None: ...

    async def save(
        self, appointment_id: uuid.UUID, current: IntakeForm | None, answers: dict[str, Any],
        submit: bool,
    ) -> IntakeForm:  # fmt: skip
        """Write the form (a new one when ``current`` is None, else that version of it)."""
        ...


class IdempotencyStore(Protocol):
    async def find_hold(self, key: str) -> RememberedHold | None: ...

    async def remember_hold(self, key: str, hold: RememberedHold) -> None: ...


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """The practitioner's calendar event of an appointment, with the video link the
    calendar made for it (Google Meet, when asked for)."""

    event_id: str
    meeting_url: str | None = None


class CalendarGateway(Protocol):
    """The practitioner's external calendar (Google Calendar)."""

    problem: str | None

    async def busy(self, window: TimeRange) -> list[TimeRange]:
        """External busy time; an outage returns [] and sets ``problem``."""
        ...

    async def upsert_event(
        self, appointment_id: uuid.UUID, session: TimeRange, title: str
    ) -> CalendarEvent: ...

    async def delete_event(self, appointment_id: uuid.UUID) -> None: ...


class SettingsReader(Protocol):
    async def get(self, key: str) -> object:
        """The JSON value of a system setting, or None."""
        ...


class ConsentReader(Protocol):
    """The consents booking checks, and the one it records (health data, given with
    the intake form by a client or a guest)."""

    async def has(self, user_id: uuid.UUID, consent_type: str) -> bool: ...

    async def lead_has(self, lead_id: uuid.UUID, consent_type: str) -> bool:
        """The latest choice of that kind the guest (lead) made."""
        ...

    async def record(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None, consent_type: str,
        granted: bool, document_version: str,
    ) -> None:  # fmt: skip
        """Append a consent of the account, or else of the guest's lead."""
        ...


class ContactReader(Protocol):
    async def user_contact(self, user_id: uuid.UUID) -> tuple[str | None, str | None]: ...

    async def user_timezone(self, user_id: uuid.UUID) -> str | None:
        """The zone the client chose for their account (None: no such user)."""
        ...

    async def telegram_chat(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None
    ) -> int | None:
        """The chat of a linked Telegram account that agreed to messages, if any."""
        ...

    async def granted_consents(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None
    ) -> frozenset[str]:
        """The consent types whose latest answer is yes (for ``consent.may_send``)."""
        ...


class BookingRepos(Protocol):
    @property
    def services(self) -> ServiceRepository: ...

    @property
    def schedule(self) -> ScheduleRepository: ...

    @property
    def appointments(self) -> AppointmentRepository: ...

    @property
    def payments(self) -> PaymentPort: ...

    @property
    def leads(self) -> LeadDirectory: ...

    @property
    def intake(self) -> IntakeRepository: ...

    @property
    def waitlist(self) -> WaitlistRepository: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def consents(self) -> ConsentReader: ...

    @property
    def contacts(self) -> ContactReader: ...

    @property
    def settings(self) -> SettingsReader: ...
