"""In-memory fakes of booking's ports: enough of PostgreSQL's behaviour (the exclusion
constraint, optimistic versions) for the use cases' rules to be tested without it."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.booking.ports import GuestContact, OfferHold, PaymentStart
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
from app.application.booking.use_cases import Booking, BookingConfig, build_booking
from app.application.events import EventHandlers
from app.domain.booking.appointment import Appointment
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.booking.service import Service
from app.domain.crm.contact import NewLead
from app.domain.errors import SlotUnavailable, VersionConflict
from app.domain.payments.balance import PaidPart, amount_paid, split_refund
from app.domain.payments.model import RemainderPending
from app.domain.shared.events import DomainEvent
from app.domain.shared.money import Money
from app.domain.shared.time_range import TimeRange

# A Monday, 09:00 UTC.
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class ManualClock:
    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def a_service(**changes: Any) -> Service:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(), "slug": "session", "title": "Сеанс", "description_markdown": "",
        "format": "online", "duration_minutes": 60, "price_amount": Decimal("5000"),
        "deposit_amount": None, "currency": "RUB", "buffer_before_minutes": 0,
        "buffer_after_minutes": 0, "min_notice_minutes": 0, "horizon_days": 60,
        "cancel_free_hours": 24, "cancel_partial_hours": 12,
        "cancel_partial_refund_percent": 50, "reschedule_min_hours": 24, "status": "published",
    }  # fmt: skip
    fields.update(changes)
    return Service(**fields)


class FakeServices:
    def __init__(self) -> None:
        self.items: dict[uuid.UUID, Service] = {}

    async def list(self, include_unpublished: bool) -> list[Service]:
        return [s for s in self.items.values() if include_unpublished or s.is_published]

    async def by_slug(self, slug: str) -> Service | None:
        return next((s for s in self.items.values() if s.slug == slug), None)

    async def get(self, service_id: uuid.UUID) -> Service | None:
        return self.items.get(service_id)

    async def add(self, service: Service) -> None:
        self.items[service.id] = service

    async def update(self, service: Service, expected_version: int) -> Service:
        if self.items[service.id].version != expected_version:
            raise VersionConflict()
        import msgspec  # noqa: PLC0415

        self.items[service.id] = msgspec.structs.replace(service, version=expected_version + 1)
        return self.items[service.id]


class FakeSchedule:
    def __init__(self) -> None:
        self.rules: dict[uuid.UUID, WeeklyRule] = {}
        self.exceptions: dict[uuid.UUID, ScheduleException] = {}
        self.reasons: dict[uuid.UUID, str | None] = {}
        self.versions: dict[uuid.UUID, int] = {}

    async def rules_for(self, service_id: uuid.UUID) -> list[WeeklyRule]:
        return [r for r in self.rules.values() if r.service_id in (None, service_id)]

    async def list_rules(self) -> list[ScheduleRuleView]:
        return [
            ScheduleRuleView(id=i, weekday=r.weekday, start_time=r.start, end_time=r.end,
                             timezone=r.timezone, valid_from=r.valid_from,
                             valid_to=r.valid_to, service_id=r.service_id,
                             version=self.versions.get(i, 1))
            for i, r in self.rules.items()
        ]  # fmt: skip

    async def add_rule(self, rule: WeeklyRule) -> uuid.UUID:
        rule_id = uuid.uuid4()
        self.rules[rule_id] = rule
        return rule_id

    async def delete_rule(self, rule_id: uuid.UUID) -> bool:
        return self.rules.pop(rule_id, None) is not None

    async def exceptions_in(self, window: TimeRange) -> list[ScheduleException]:
        return [e for e in self.exceptions.values() if e.period.overlaps(window)]

    async def add_exception(self, exception: ScheduleException, reason: str | None) -> uuid.UUID:
        exception_id = uuid.uuid4()
        self.exceptions[exception_id] = exception
        self.reasons[exception_id] = reason
        return exception_id

    async def delete_exception(self, exception_id: uuid.UUID) -> bool:
        self.versions.pop(exception_id, None)
        return self.exceptions.pop(exception_id, None) is not None

    async def get_rule(self, rule_id: uuid.UUID) -> ScheduleRuleView | None:
        return next((r for r in await self.list_rules() if r.id == rule_id), None)

    async def update_rule(
        self, rule_id: uuid.UUID, rule: WeeklyRule, expected_version: int
    ) -> ScheduleRuleView | None:
        if rule_id not in self.rules or self.versions.get(rule_id, 1) != expected_version:
            return None
        self.rules[rule_id] = rule
        self.versions[rule_id] = expected_version + 1
        return await self.get_rule(rule_id)

    async def list_exceptions(self, window: TimeRange) -> list[ScheduleExceptionView]:
        return sorted(
            (ScheduleExceptionView(id=i, start_at=e.period.start, end_at=e.period.end,
                                   kind=e.kind, reason=self.reasons.get(i),
                                   version=self.versions.get(i, 1))
             for i, e in self.exceptions.items() if e.period.overlaps(window)),
            key=lambda v: v.start_at,
        )  # fmt: skip

    async def get_exception(self, exception_id: uuid.UUID) -> ScheduleExceptionView | None:
        e = self.exceptions.get(exception_id)
        if e is None:
            return None
        return ScheduleExceptionView(
            id=exception_id, start_at=e.period.start, end_at=e.period.end, kind=e.kind,
            reason=self.reasons.get(exception_id), version=self.versions.get(exception_id, 1),
        )  # fmt: skip

    async def update_exception(
        self, exception_id: uuid.UUID, exception: ScheduleException, reason: str | None,
        expected_version: int,
    ) -> ScheduleExceptionView | None:  # fmt: skip
        if (exception_id not in self.exceptions
                or self.versions.get(exception_id, 1) != expected_version):  # fmt: skip
            return None
        self.exceptions[exception_id] = exception
        self.reasons[exception_id] = reason
        self.versions[exception_id] = expected_version + 1
        return await self.get_exception(exception_id)


class FakeAppointments:
    """Stores copies, as a table would; ``add`` refuses an overlap like the constraint."""

    def __init__(self, services: FakeServices) -> None:
        self.rows: dict[uuid.UUID, Appointment] = {}
        self._services = services
        self.locks = 0
        self.events: list[DomainEvent] = []
        self.guest_emails: dict[uuid.UUID, str] = {}
        """lead id -> the e-mail given with its booking (kept by FakeLeads)."""

    async def lock_calendar(self) -> None:
        self.locks += 1

    def _live(self) -> list[Appointment]:
        return [a for a in self.rows.values() if a.is_live]

    async def busy_in(self, window: TimeRange) -> list[TimeRange]:
        return [a.blocked for a in self._live() if a.blocked.overlaps(window)]

    async def add(self, appointment: Appointment) -> None:
        if any(a.blocked.overlaps(appointment.blocked) for a in self._live()):
            raise SlotUnavailable()
        self.events.extend(appointment.pull_events())
        self.rows[appointment.id] = copy.deepcopy(appointment)

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        found = self.rows.get(appointment_id)
        return copy.deepcopy(found) if found else None

    async def save(self, appointment: Appointment) -> None:
        if self.rows[appointment.id].version != appointment.version:
            raise VersionConflict()
        appointment.version += 1
        self.events.extend(appointment.pull_events())
        self.rows[appointment.id] = copy.deepcopy(appointment)

    async def guest_appointments_for_email(
        self, email_normalized: str, now: datetime, limit: int
    ) -> list[uuid.UUID]:
        found = [
            a for a in self._live()
            if a.client_user_id is None and a.lead_id in self.guest_emails
            and self.guest_emails[a.lead_id].lower() == email_normalized and a.session.end > now
        ]  # fmt: skip
        return [a.id for a in sorted(found, key=lambda a: a.session.start)][:limit]

    async def by_manage_token(self, manage_token_hash: bytes) -> uuid.UUID | None:
        return next(
            (a.id for a in self.rows.values() if a.manage_token_hash == manage_token_hash), None
        )

    async def expired_holds(self, now: datetime, limit: int) -> list[uuid.UUID]:
        return [
            a.id for a in self._live() if a.hold_expires_at is not None and a.hold_expires_at <= now
        ][:limit]

    async def due_for_reminder(
        self, now: datetime, label: str, lead_hours: int, limit: int
    ) -> list[uuid.UUID]:
        return [
            a.id for a in self._live()
            if a.hold_expires_at is None and label not in a.reminders_sent
            and now < a.session.start <= now + timedelta(hours=lead_hours)
        ][:limit]  # fmt: skip

    payments: FakePayments | None = None

    async def due_for_remainder_reminder(
        self, now: datetime, lead_hours: int, limit: int
    ) -> list[uuid.UUID]:
        due = []
        for a in self.rows.values():
            service = self._services.items[a.service_id]
            paid = await self.payments.paid_amount(a.id) if self.payments else None
            if (
                a.status.value == "confirmed"
                and "remainder" not in a.reminders_sent
                and now < a.session.start <= now + timedelta(hours=lead_hours)
                and service.price_amount > (paid.amount if paid else 0)
            ):
                due.append(a.id)
        return due[:limit]  # fmt: skip

    async def upcoming_of(
        self, user_id: uuid.UUID | None, lead_ids: tuple[uuid.UUID, ...], now: datetime
    ) -> list[uuid.UUID]:
        return [
            a.id for a in self._live()
            if ((user_id is not None and a.client_user_id == user_id) or a.lead_id in lead_ids)
            and a.session.start > now
        ]  # fmt: skip

    def _titles(self, a: Appointment) -> tuple[str, str]:
        service = self._services.items[a.service_id]
        return service.slug, service.title

    async def list_for_client(
        self, user_id: uuid.UUID, upcoming: bool, now: datetime
    ) -> list[ClientAppointment]:
        return [
            ClientAppointment(id=a.id, start_at=a.session.start, end_at=a.session.end,
                              status=a.status.value, format=a.format, timezone=a.timezone,
                              service_slug=self._titles(a)[0], service_title=self._titles(a)[1])
            for a in self.rows.values()
            if a.client_user_id == user_id and (a.session.end > now) == upcoming
        ]  # fmt: skip

    async def list_between(self, window: TimeRange, status: str | None) -> list[StaffAppointment]:
        return [
            StaffAppointment(id=a.id, start_at=a.session.start, end_at=a.session.end,
                             status=a.status.value, format=a.format, timezone=a.timezone,
                             client_user_id=a.client_user_id, lead_id=a.lead_id,
                             service_slug=self._titles(a)[0], service_title=self._titles(a)[1])
            for a in self.rows.values()
            if window.start <= a.session.start < window.end
            and (status is None or a.status.value == status)
        ]  # fmt: skip


@dataclass
class FakePayment:
    id: uuid.UUID
    appointment_id: uuid.UUID
    amount: Money
    status: str = "pending"
    url: str = ""
    kind: str = "full"


class FakePayments:
    """Payments as booking sees them; like the database, it keeps one open remainder
    payment per appointment, and refunds are split by the domain's rule."""

    def __init__(self) -> None:
        self.payments: dict[uuid.UUID, FakePayment] = {}
        self.refunds: list[tuple[uuid.UUID, Money, str]] = []
        self.payment_refunds: list[tuple[uuid.UUID, Money, str]] = []

    async def start(
        self, appointment: Appointment, amount: Money, description: str, kind: str = "full"
    ) -> PaymentStart:
        if kind == "remainder" and any(
            p.appointment_id == appointment.id and p.kind == kind and p.status == "pending"
            for p in self.payments.values()
        ):
            raise RemainderPending()
        payment_id = uuid.uuid4()
        url = f"https://pay.example/{payment_id}"
        self.payments[payment_id] = FakePayment(payment_id, appointment.id, amount, url=url,
                                                kind=kind)  # fmt: skip
        return PaymentStart(payment_id, url)

    async def paid_parts(self, appointment_id: uuid.UUID) -> list[PaidPart]:
        parts = []
        for p in self.payments.values():
            if p.appointment_id == appointment_id and p.status == "succeeded":
                refunded = Money.zero(p.amount.currency)
                for payment_id, amount, _ in self.payment_refunds:
                    if payment_id == p.id:
                        refunded = refunded + amount
                parts.append(PaidPart(p.id, p.amount, refunded))
        return parts

    async def paid_amount(self, appointment_id: uuid.UUID) -> Money | None:
        parts = await self.paid_parts(appointment_id)
        return amount_paid(parts, parts[0].amount.currency) if parts else None

    async def refund(self, appointment_id: uuid.UUID, amount: Money, reason: str) -> None:
        parts = await self.paid_parts(appointment_id)
        if parts:
            self.refunds.append((appointment_id, amount, reason))
        for payment_id, share in split_refund(amount, parts):
            self.payment_refunds.append((payment_id, share, reason))

    def succeed(self, payment_id: uuid.UUID) -> None:
        self.payments[payment_id].status = "succeeded"

    async def move(self, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        for p in self.payments.values():
            if p.appointment_id == from_id:
                p.appointment_id = to_id

    async def mark_succeeded(
        self, payment_id: uuid.UUID, provider_payment_id: str
    ) -> uuid.UUID | None:
        payment = self.payments.get(payment_id)
        if payment is None or payment.status == "succeeded":
            return None
        payment.status = "succeeded"
        return payment.appointment_id

    async def open_payment(
        self, appointment_id: uuid.UUID, kind: str | None = None
    ) -> tuple[uuid.UUID, str] | None:
        return next(
            ((p.id, p.url) for p in self.payments.values()
             if p.appointment_id == appointment_id and p.status == "pending"
             and kind in (None, p.kind)), None,
        )  # fmt: skip

    async def cancel_open(self, payment_id: uuid.UUID) -> uuid.UUID | None:
        payment = self.payments.get(payment_id)
        if payment is None or payment.status != "pending":
            return None
        payment.status = "canceled"
        return payment.appointment_id


class FakeLeads:
    def __init__(self) -> None:
        self.leads: dict[uuid.UUID, GuestContact] = {}
        self.events: list[tuple[uuid.UUID, str]] = []
        self.emails: dict[uuid.UUID, str] | None = None
        self.sources: dict[uuid.UUID, str] = {}

    async def create(
        self,
        contact: GuestContact,
        consents: list[tuple[str, bool, str]],
        first_touch: str,
        source: str = "booking",
    ) -> NewLead:
        lead_id = uuid.uuid4()
        self.leads[lead_id] = contact
        if contact.email and self.emails is not None:
            self.emails[lead_id] = contact.email
        self.sources[lead_id] = source
        return NewLead(lead_id, uuid.uuid4() if contact.email else None)

    async def add_event(self, lead_id: uuid.UUID, event_type: str) -> None:
        self.events.append((lead_id, event_type))

    async def contact(
        self, lead_id: uuid.UUID, identity_id: uuid.UUID | None
    ) -> tuple[str | None, str | None]:
        contact = self.leads.get(lead_id)
        return (contact.name, contact.email) if contact else (None, None)


class FakeIntake:
    def __init__(self) -> None:
        self.forms: dict[uuid.UUID, IntakeForm] = {}

    async def get(self, appointment_id: uuid.UUID) -> IntakeForm | None:
        return self.forms.get(appointment_id)

    async def save(
        self, appointment_id: uuid.UUID, current: IntakeForm | None, answers: dict[str, Any],
        submit: bool,
    ) -> IntakeForm:  # fmt: skip
        form = IntakeForm(
            id=current.id if current else uuid.uuid4(),
            status="submitted" if submit else "draft", answers=answers,
            submitted_at=START if submit else None, updated_at=START,
            version=current.version + 1 if current else 1,
        )  # fmt: skip
        self.forms[appointment_id] = form
        return form


@dataclass
class WaitRequest:
    id: uuid.UUID
    service_id: uuid.UUID
    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    contact_identity_id: uuid.UUID | None
    preferences: dict[str, Any]
    status: str = "active"
    hold: OfferHold | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class FakeWaitlist:
    def __init__(self) -> None:
        self.requests: list[WaitRequest] = []

    async def add(
        self, service_id: uuid.UUID, user_id: uuid.UUID | None, lead_id: uuid.UUID | None,
        contact_identity_id: uuid.UUID | None, preferences: dict[str, Any],
    ) -> uuid.UUID:  # fmt: skip
        request = WaitRequest(uuid.uuid4(), service_id, user_id, lead_id, contact_identity_id,
                              preferences)  # fmt: skip
        self.requests.append(request)
        return request.id

    async def offer_first_matching(
        self, service_id: uuid.UUID, weekday: int, part_of_day: str,
        hold: OfferHold | None = None,
    ) -> WaitlistOffer | None:  # fmt: skip
        for r in self.requests:
            if r.service_id != service_id or r.status != "active":
                continue
            if weekday not in r.preferences.get("days", [weekday]):
                continue
            if part_of_day not in r.preferences.get("parts_of_day", [part_of_day]):
                continue
            r.status, r.hold = "offered", hold
            return WaitlistOffer(id=r.id, user_id=r.user_id, lead_id=r.lead_id,
                                 contact_identity_id=r.contact_identity_id)  # fmt: skip
        return None

    async def fulfil(
        self, service_id: uuid.UUID, user_id: uuid.UUID | None, lead_id: uuid.UUID | None,
        offer_id: uuid.UUID | None = None,
    ) -> None:  # fmt: skip
        for r in self.requests:
            if (
                r.service_id == service_id
                and r.status in ("active", "offered")
                and ((user_id and r.user_id == user_id) or (lead_id and r.lead_id == lead_id)
                     or r.id == offer_id)
            ):  # fmt: skip
                r.status = "fulfilled"

    async def expire_offers(self, before: datetime) -> list[ReleasedOffer]:
        now = before + timedelta(hours=24)  # the use case passes now minus the lifetime
        released = []
        for r in self.requests:
            if r.status == "offered" and r.hold and r.hold.expires_at <= now:
                r.status = "expired"
                released.append(self._released(r.service_id, r.hold))
        return released

    @staticmethod
    def _released(service_id: uuid.UUID, hold: OfferHold) -> ReleasedOffer:
        return ReleasedOffer(service_id=service_id, offer_start_at=hold.start_at,
                             blocked_start=hold.blocked.start, blocked_end=hold.blocked.end)  # fmt: skip

    def _standing(self, now: datetime) -> list[WaitRequest]:
        return [r for r in self.requests
                if r.status == "offered" and r.hold and r.hold.expires_at > now]  # fmt: skip

    async def standing_offers(self, window: TimeRange, now: datetime) -> list[StandingOffer]:
        return [
            StandingOffer(
                id=r.id, service_id=r.service_id, user_id=r.user_id, lead_id=r.lead_id,
                offer_token_hash=r.hold.token_hash, offer_start_at=r.hold.start_at,
                blocked_start=r.hold.blocked.start, blocked_end=r.hold.blocked.end,
            )
            for r in self._standing(now)
            if r.hold and r.hold.blocked.overlaps(window)
        ]  # fmt: skip

    async def offer_by_token(self, token_hash: bytes, now: datetime) -> OfferView | None:
        for r in self._standing(now):
            if r.hold and r.hold.token_hash == token_hash:
                return OfferView(id=r.id, service_slug="session", service_title="Сессия",
                                 offer_start_at=r.hold.start_at,
                                 offer_expires_at=r.hold.expires_at)  # fmt: skip
        return None

    async def of_user(self, user_id: uuid.UUID) -> list[WaitlistEntry]:
        return [
            WaitlistEntry(
                id=r.id, service_slug="session", service_title="Сессия", status=r.status,
                preferences=r.preferences, created_at=r.created_at,
                offer_start_at=r.hold.start_at if r.hold else None,
                offer_expires_at=r.hold.expires_at if r.hold else None,
            )
            for r in reversed(self.requests)
            if r.user_id == user_id
        ]  # fmt: skip

    async def leave(self, request_id: uuid.UUID, user_id: uuid.UUID) -> LeftRequest | None:
        for r in self.requests:
            if r.id == request_id and r.user_id == user_id and r.status in ("active", "offered"):
                hold = r.hold if r.status == "offered" else None
                r.status, r.hold = "canceled", None
                released = self._released(r.service_id, hold) if hold else None
                return LeftRequest(id=r.id, released=released)
        return None


class FakeIdempotency:
    def __init__(self) -> None:
        self.holds: dict[str, RememberedHold] = {}

    async def find_hold(self, key: str) -> RememberedHold | None:
        return self.holds.get(key)

    async def remember_hold(self, key: str, hold: RememberedHold) -> None:
        self.holds[key] = hold


@dataclass
class FakeConsents:
    granted: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    lead_granted: set[tuple[uuid.UUID, str]] = field(default_factory=set)

    async def has(self, user_id: uuid.UUID, consent_type: str) -> bool:
        return (user_id, consent_type) in self.granted

    async def lead_has(self, lead_id: uuid.UUID, consent_type: str) -> bool:
        return (lead_id, consent_type) in self.lead_granted

    async def record(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None, consent_type: str,
        granted: bool, document_version: str,
    ) -> None:  # fmt: skip
        subject, kept = (user_id, self.granted) if user_id else (lead_id, self.lead_granted)
        assert subject is not None
        (kept.add if granted else kept.discard)((subject, consent_type))


@dataclass
class FakeContacts:
    granted: set[str] = field(default_factory=set)
    chat: int | None = None

    async def granted_consents(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None
    ) -> frozenset[str]:
        return frozenset(self.granted)

    async def user_contact(self, user_id: uuid.UUID) -> tuple[str | None, str | None]:
        return "Анна", f"{user_id.hex[:8]}@example.org"

    async def user_timezone(self, user_id: uuid.UUID) -> str | None:
        return "Asia/Yekaterinburg"

    async def telegram_chat(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None
    ) -> int | None:
        return self.chat


@dataclass
class FakeSettings:
    values: dict[str, object] = field(default_factory=dict)

    async def get(self, key: str) -> object:
        return self.values.get(key)


class FakeBookingRepos:
    def __init__(self) -> None:
        self.services = FakeServices()
        self.schedule = FakeSchedule()
        self.appointments = FakeAppointments(self.services)
        self.payments = FakePayments()
        self.appointments.payments = self.payments
        self.leads = FakeLeads()
        self.leads.emails = self.appointments.guest_emails
        self.intake = FakeIntake()
        self.waitlist = FakeWaitlist()
        self.idempotency = FakeIdempotency()
        self.consents = FakeConsents()
        self.contacts = FakeContacts()
        self.settings = FakeSettings({"practitioner.timezone": "UTC"})


@dataclass
class World:
    """Booking's use cases over fakes: a published service, open every day 08:00–20:00 UTC."""

    repos: FakeBookingRepos
    uow: InMemoryUnitOfWork[FakeBookingRepos]
    clock: ManualClock
    booking: Booking
    service: Service


def world(**service_changes: Any) -> World:
    repos = FakeBookingRepos()
    service = a_service(**service_changes)
    repos.services.items[service.id] = service
    for weekday in range(1, 8):
        repos.schedule.rules[uuid.uuid4()] = WeeklyRule(weekday, time(8), time(20), "UTC")
    uow = InMemoryUnitOfWork(repos, InMemoryEventBus(EventHandlers()))
    clock = ManualClock()
    config = BookingConfig(hold_minutes=15, reminder_offsets_hours=(24, 2),
                           public_base_url="https://example.org", practitioner_timezone="UTC")  # fmt: skip
    booking = build_booking(lambda: uow, clock, config)  # type: ignore[arg-type,return-value]
    return World(repos, uow, clock, booking, service)
