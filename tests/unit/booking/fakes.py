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
from app.application.booking.ports import GuestContact, PaymentStart
from app.application.booking.read_models import (
    ClientAppointment,
    IntakeForm,
    RememberedHold,
    ScheduleRuleView,
    StaffAppointment,
    WaitlistOffer,
)
from app.application.booking.use_cases import Booking, BookingConfig, build_booking
from app.application.events import EventHandlers
from app.domain.booking.appointment import Appointment
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.booking.service import Service
from app.domain.crm.contact import NewLead
from app.domain.errors import SlotUnavailable, VersionConflict
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

    async def rules_for(self, service_id: uuid.UUID) -> list[WeeklyRule]:
        return [r for r in self.rules.values() if r.service_id in (None, service_id)]

    async def list_rules(self) -> list[ScheduleRuleView]:
        return [
            ScheduleRuleView(id=i, weekday=r.weekday, start_time=r.start, end_time=r.end,
                             timezone=r.timezone, valid_from=r.valid_from,
                             valid_to=r.valid_to, service_id=r.service_id)
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
        return exception_id

    async def delete_exception(self, exception_id: uuid.UUID) -> bool:
        return self.exceptions.pop(exception_id, None) is not None


class FakeAppointments:
    """Stores copies, as a table would; ``add`` refuses an overlap like the constraint."""

    def __init__(self, services: FakeServices) -> None:
        self.rows: dict[uuid.UUID, Appointment] = {}
        self._services = services
        self.locks = 0
        self.events: list[DomainEvent] = []

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

    async def upcoming_of(
        self, user_id: uuid.UUID, lead_ids: tuple[uuid.UUID, ...], now: datetime
    ) -> list[uuid.UUID]:
        return [
            a.id for a in self._live()
            if (a.client_user_id == user_id or a.lead_id in lead_ids) and a.session.start > now
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


class FakePayments:
    def __init__(self) -> None:
        self.payments: dict[uuid.UUID, FakePayment] = {}
        self.refunds: list[tuple[uuid.UUID, Money, str]] = []

    async def start(
        self, appointment: Appointment, amount: Money, description: str
    ) -> PaymentStart:
        payment_id = uuid.uuid4()
        url = f"https://pay.example/{payment_id}"
        self.payments[payment_id] = FakePayment(payment_id, appointment.id, amount, url=url)
        return PaymentStart(payment_id, url)

    async def paid_amount(self, appointment_id: uuid.UUID) -> Money | None:
        return next(
            (p.amount for p in self.payments.values()
             if p.appointment_id == appointment_id and p.status == "succeeded"), None,
        )  # fmt: skip

    async def refund(self, appointment_id: uuid.UUID, amount: Money, reason: str) -> None:
        if await self.paid_amount(appointment_id) is not None:
            self.refunds.append((appointment_id, amount, reason))

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

    async def open_payment(self, appointment_id: uuid.UUID) -> tuple[uuid.UUID, str] | None:
        return next(
            ((p.id, p.url) for p in self.payments.values()
             if p.appointment_id == appointment_id and p.status == "pending"), None,
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

    async def create(
        self, contact: GuestContact, consents: list[tuple[str, bool, str]], first_touch: str
    ) -> NewLead:
        lead_id = uuid.uuid4()
        self.leads[lead_id] = contact
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
        self, service_id: uuid.UUID, weekday: int, part_of_day: str
    ) -> WaitlistOffer | None:
        for r in self.requests:
            if r.service_id != service_id or r.status != "active":
                continue
            if weekday not in r.preferences.get("days", [weekday]):
                continue
            if part_of_day not in r.preferences.get("parts_of_day", [part_of_day]):
                continue
            r.status = "offered"
            return WaitlistOffer(id=r.id, user_id=r.user_id, lead_id=r.lead_id,
                                 contact_identity_id=r.contact_identity_id)  # fmt: skip
        return None

    async def fulfil(
        self, service_id: uuid.UUID, user_id: uuid.UUID | None, lead_id: uuid.UUID | None
    ) -> None:
        for r in self.requests:
            if (
                r.service_id == service_id
                and r.status in ("active", "offered")
                and ((user_id and r.user_id == user_id) or (lead_id and r.lead_id == lead_id))
            ):
                r.status = "fulfilled"

    async def expire_offers(self, before: datetime) -> int:
        return 0


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

    async def has(self, user_id: uuid.UUID, consent_type: str) -> bool:
        return (user_id, consent_type) in self.granted


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
        self.leads = FakeLeads()
        self.intake = FakeIntake()
        self.waitlist = FakeWaitlist()
        self.idempotency = FakeIdempotency()
        self.consents = FakeConsents()
        self.contacts = FakeContacts()
        self.settings = FakeSettings()


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
