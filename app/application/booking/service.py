"""Booking use cases. The exclusion constraint in the database is the guarantee against
double booking; the availability check before a hold only gives a friendlier answer."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.booking.ports import (
    BookingRepos,
    CalendarGateway,
    GuestContact,
    Row,
    Service,
)
from app.application.ports import Clock, NotificationRequest, UnitOfWork
from app.application.recent_reads import RecentReads, write_then_forget
from app.application.transactions import in_transaction
from app.domain.booking.appointment import (
    Appointment,
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
    AppointmentStatus,
)
from app.domain.booking.availability import (
    ScheduleException,
    SlotRules,
    WeeklyRule,
    free_slots,
    is_bookable,
)
from app.domain.booking.refunds import (
    CancellationPolicy,
    refund_for_cancellation,
    refund_sentence,
)
from app.domain.errors import (
    ConsentRequired,
    Forbidden,
    InvalidState,
    NotFound,
    SlotUnavailable,
    ValidationFailed,
)
from app.domain.identity.model import Role
from app.domain.identity.tokens import token_hash
from app.domain.shared.contact import Email, Phone
from app.domain.shared.money import Money
from app.domain.shared.privacy import ensure_p0
from app.domain.shared.time_range import TimeRange

logger = structlog.get_logger(__name__)

BookingUoW = UnitOfWork[BookingRepos]
MAX_WINDOW = timedelta(days=31)
WAITLIST_OFFER_LIFETIME = timedelta(hours=24)
BOOKING_STAFF = (Role.OWNER, Role.ASSISTANT)
T = TypeVar("T")
# (service slug, from, to, the current minute): the key of a remembered slot list; the
# minute keeps the minimum notice honest as time passes.
SlotQuery = tuple[str, datetime, datetime, datetime]


@dataclass(frozen=True, slots=True)
class BookingConfig:
    hold_minutes: int
    reminder_offsets_hours: tuple[int, ...]
    public_base_url: str
    practitioner_timezone: str = "Europe/Moscow"


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
class HoldRequest:
    service_slug: str
    start_at: datetime
    format: str
    timezone: str
    contact: GuestContact | None = None
    consents: tuple[tuple[str, bool, str], ...] = ()
    metadata: Row | None = None


@dataclass(frozen=True, slots=True)
class Booker:
    """Who a hold or waitlist request is for: a client, or a guest's own lead with the
    e-mail identity given in that request (None for a phone-only guest)."""

    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    contact_identity_id: uuid.UUID | None
    manage_token: str | None


@dataclass(frozen=True, slots=True)
class HoldResult:
    appointment: Appointment
    payment_id: uuid.UUID
    confirmation_url: str
    manage_token: str | None


def slot_rules(service: Service) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=service.duration_minutes),
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        min_notice=timedelta(minutes=service.min_notice_minutes),
        horizon=timedelta(days=service.horizon_days),
    )


def cancellation_policy(service: Service) -> CancellationPolicy:
    return CancellationPolicy(
        free_hours=service.cancel_free_hours,
        partial_hours=service.cancel_partial_hours,
        partial_percent=service.cancel_partial_refund_percent,
    )


def request_hash(payload: Row) -> bytes:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).digest()


class PaymentLinks(Protocol):
    async def confirmation_url(self, payment_id: uuid.UUID) -> str: ...


class BookingService:
    def __init__(
        self,
        uow: Callable[[], BookingUoW],
        clock: Clock,
        config: BookingConfig,
        calendar: CalendarGateway | None = None,
        links: PaymentLinks | None = None,
        slot_lists: RecentReads[SlotQuery, list[datetime]] | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._calendar = calendar
        self._links = links
        self._slot_lists = slot_lists if slot_lists is not None else RecentReads(0, list)

    async def _write(self, work: Callable[[BookingUoW], Awaitable[T]]) -> T:
        """A write that may change free time (a hold, a cancellation, a schedule edit)."""
        return await write_then_forget(self._slot_lists, self._uow, work)

    @property
    def practitioner_timezone(self) -> str:
        """The zone the practice speaks in when a time is shown without the client's own."""
        return self._config.practitioner_timezone

    async def _external_busy(self, window: TimeRange) -> list[TimeRange]:
        return await self._calendar.busy(window) if self._calendar is not None else []

    # --- public: services and slots --------------------------------------------------

    async def services(self) -> list[Service]:
        async def work(uow: BookingUoW) -> list[Service]:
            return await uow.repos.services.list(include_unpublished=False)

        return await in_transaction(self._uow, work)

    async def _published(self, uow: BookingUoW, slug: str) -> Service:
        service = await uow.repos.services.by_slug(slug)
        if service is None or service.status != "published":
            raise NotFound()
        return service

    async def service(self, slug: str) -> Service:
        async def work(uow: BookingUoW) -> Service:
            return await self._published(uow, slug)

        return await in_transaction(self._uow, work)

    async def slots(self, slug: str, start: datetime, end: datetime) -> list[datetime]:
        if end <= start:
            raise ValidationFailed("'to' must be after 'from'", field="to")
        if end - start > MAX_WINDOW:
            raise ValidationFailed("at most 31 days per request", field="to")
        window = TimeRange(start, end)
        now = self._clock.now()
        key = (slug, start, end, now.replace(second=0, microsecond=0))
        remembered = self._slot_lists.get(key)
        if remembered is not None:
            return remembered
        external = await self._external_busy(window.expanded(timedelta(days=1), timedelta(days=1)))

        async def work(uow: BookingUoW) -> list[datetime]:
            service = await self._published(uow, slug)
            rules = slot_rules(service)
            busy_window = window.expanded(rules.duration * 2, rules.duration * 2)
            return free_slots(
                rules=await uow.repos.schedule.rules_for(service.id),
                exceptions=await uow.repos.schedule.exceptions_in(busy_window),
                busy=[*await uow.repos.appointments.busy_in(busy_window), *external],
                slot=rules,
                window=window,
                now=now,
            )

        found = await in_transaction(self._uow, work)
        self._slot_lists.put(key, found)
        return found

    # --- holding a slot ----------------------------------------------------------------

    async def hold(
        self, caller: Caller, request: HoldRequest, idempotency_key: str | None = None
    ) -> tuple[Row, int]:
        """Hold a slot and start its payment; a retry with the same key gets the same answer.

        Returns the response body and status, so the HTTP layer can replay them verbatim.
        """
        try:
            ZoneInfo(request.timezone)
        except (KeyError, ValueError):
            raise ValidationFailed("tz must be an IANA time zone", field="timezone") from None
        if request.metadata:
            ensure_p0(request.metadata, where="appointment metadata")
        day = timedelta(days=1)
        external = await self._external_busy(
            TimeRange(request.start_at - day, request.start_at + day)
        )
        fingerprint = request_hash(
            {"request": request.__repr__(), "user": str(caller.principal.user_id)
             if caller.principal else None}
        )  # fmt: skip

        async def work(uow: BookingUoW) -> tuple[Row, int]:
            if idempotency_key is not None:
                known = await uow.repos.idempotency.find("appointments:create", idempotency_key)
                if known is not None:
                    stored_hash, body, status = known
                    if stored_hash != fingerprint:
                        raise ValidationFailed(
                            "this Idempotency-Key was used for a different request",
                            field="Idempotency-Key",
                        )
                    return body, status
            result = await self._hold(uow, caller, request, external)
            body = {
                "appointment_id": str(result.appointment.id),
                "payment_id": str(result.payment_id),
                "confirmation_url": result.confirmation_url,
                "manage_token": result.manage_token,
            }
            if idempotency_key is not None:
                await uow.repos.idempotency.remember(
                    "appointments:create", idempotency_key, fingerprint, result.appointment.id,
                    body, 201,
                )  # fmt: skip
            return body, 201

        body, status = await self._write(work)
        if not body["confirmation_url"] and self._links is not None:
            # The held appointment and its payment row are committed; now the provider.
            body = {**body, "confirmation_url": await self._links.confirmation_url(
                uuid.UUID(body["payment_id"]))}  # fmt: skip
        return body, status

    async def _hold(
        self, uow: BookingUoW, caller: Caller, request: HoldRequest, external: list[TimeRange]
    ) -> HoldResult:
        now = self._clock.now()
        service = await self._published(uow, request.service_slug)
        if request.format not in ("online", "offline"):
            raise ValidationFailed("format must be online or offline", field="format")
        if service.format not in ("hybrid", request.format):
            raise ValidationFailed(f"this service is {service.format} only", field="format")
        rules = slot_rules(service)
        start = request.start_at
        session = TimeRange(start, start + rules.duration)
        blocked = rules.blocked(start)
        window = blocked.expanded(rules.duration, rules.duration)
        schedule = await uow.repos.schedule.rules_for(service.id)
        exceptions = await uow.repos.schedule.exceptions_in(window)

        async def bookable() -> bool:
            busy = [*await uow.repos.appointments.busy_in(window), *external]
            return is_bookable(start, rules=schedule, exceptions=exceptions, busy=busy,
                               slot=rules, now=now)  # fmt: skip

        # A time already taken is refused before queueing on the calendar lock, so a
        # crowd racing for one hot slot does not wait behind the winner; the check under
        # the lock (and the exclusion constraint) stays the guarantee.
        if not await bookable():
            raise SlotUnavailable()
        await uow.repos.appointments.lock_calendar()
        if not await bookable():
            raise SlotUnavailable()
        booker = await self._who_books(uow, caller, request)
        client_id, lead_id, manage_token = booker.user_id, booker.lead_id, booker.manage_token
        appointment = Appointment.hold(
            service_id=service.id, client_user_id=client_id, lead_id=lead_id,
            contact_identity_id=booker.contact_identity_id, session=session,
            blocked=blocked, timezone=request.timezone, format_=request.format, now=now,
            hold_until=now + timedelta(minutes=await self._hold_minutes(uow)),
            metadata=request.metadata, manage_token_hash=(
                token_hash(manage_token) if manage_token else None
            ),
        )  # fmt: skip
        await uow.repos.appointments.add(appointment)
        await uow.repos.waitlist.fulfil(service.id, client_id, lead_id)
        payment = await uow.repos.payments.start(appointment, service.charge, service.title)
        logger.info("appointment_held", appointment_id=str(appointment.id))
        return HoldResult(appointment, payment.payment_id, payment.confirmation_url, manage_token)

    async def _hold_minutes(self, uow: BookingUoW) -> int:
        """``booking.hold_minutes`` from system settings (staff may change it)."""
        value = await uow.repos.settings.get("booking.hold_minutes")
        return (
            value if isinstance(value, int) and 1 <= value <= 24 * 60 else self._config.hold_minutes
        )

    async def _reminder_offsets(self) -> tuple[int, ...]:
        async def work(uow: BookingUoW) -> Any:
            return await uow.repos.settings.get("booking.reminder_offsets_hours")

        value = await in_transaction(self._uow, work)
        if isinstance(value, list) and all(isinstance(v, int) and 0 < v <= 24 * 14 for v in value):
            return tuple(value)
        return self._config.reminder_offsets_hours

    async def _who_books(self, uow: BookingUoW, caller: Caller, request: HoldRequest) -> Booker:
        """The signed-in client, or a guest: a lead of its own for this request (the
        contacts given are claims, never matched to anyone else's)."""
        if caller.user_id is not None:
            if not await uow.repos.consents.has(caller.user_id, "personal_data"):
                raise ConsentRequired("The personal_data consent is required to book.")
            return Booker(caller.user_id, None, None, None)
        contact = request.contact
        if contact is None:
            raise ValidationFailed("a guest booking needs contact details", field="contact")
        if not any(c[0] == "personal_data" and c[1] for c in request.consents):
            raise ConsentRequired("The personal_data consent is required to book.")
        if contact.email is None and contact.phone is None:
            raise ValidationFailed("give an e-mail or a phone", field="contact")
        if contact.email is not None:
            Email(contact.email)
        if contact.phone is not None:
            Phone(contact.phone)
        lead = await uow.repos.leads.create(
            contact, list(request.consents), {"entry_point": "booking"}
        )
        from app.domain.identity.model import new_token  # noqa: PLC0415

        return Booker(None, lead.lead_id, lead.email_identity_id, new_token())

    # --- reading and acting on one appointment ----------------------------------------------

    async def _owned(
        self, uow: BookingUoW, caller: Caller, appointment_id: uuid.UUID
    ) -> Appointment:
        appointment = await uow.repos.appointments.get(appointment_id)
        manage_hash = token_hash(caller.manage_token) if caller.manage_token else None
        if appointment is None or not appointment.belongs_to(caller.user_id, manage_hash):
            raise NotFound()
        return appointment

    async def appointment(self, caller: Caller, appointment_id: uuid.UUID) -> Appointment:
        async def work(uow: BookingUoW) -> Appointment:
            return await self._owned(uow, caller, appointment_id)

        return await in_transaction(self._uow, work)

    async def cancel(
        self, caller: Caller, appointment_id: uuid.UUID, reason: str = "client_request"
    ) -> Money:
        """Cancel within the service's policy; the refund goes to the payment port."""

        async def work(uow: BookingUoW) -> Money:
            appointment = await self._owned(uow, caller, appointment_id)
            return await self._cancel(uow, appointment, reason, by=_actor_id(caller))

        return await self._write(work)

    async def _cancel(
        self, uow: BookingUoW, appointment: Appointment, reason: str, by: uuid.UUID | None,
        *, full_refund: bool = False,
    ) -> Money:  # fmt: skip
        now = self._clock.now()
        service = await uow.repos.services.get(appointment.service_id)
        if service is None:
            raise NotFound()
        paid = await uow.repos.payments.paid_amount(appointment.id)
        refund = Money.zero(service.currency)
        if paid is not None:
            refund = paid if full_refund else refund_for_cancellation(
                paid, start_at=appointment.session.start, now=now,
                policy=cancellation_policy(service),
            )  # fmt: skip
        appointment.cancel(now, reason=reason, by=by, refund=refund)
        await uow.repos.appointments.save(appointment)
        if not refund.is_zero:
            await uow.repos.payments.refund(appointment.id, refund, "cancellation_policy")
        return refund

    async def reschedule(
        self, caller: Caller, appointment_id: uuid.UUID, start_at: datetime
    ) -> Appointment:
        """Atomically free the old slot and hold (or keep confirmed) the new one."""

        async def work(uow: BookingUoW) -> Appointment:
            now = self._clock.now()
            old = await self._owned(uow, caller, appointment_id)
            if not old.is_live:
                raise InvalidState(f"Not possible for a {old.status.value} appointment.")
            service = await uow.repos.services.get(old.service_id)
            if service is None:
                raise NotFound()
            if old.session.start - now < timedelta(hours=service.reschedule_min_hours):
                raise InvalidState(
                    f"Rescheduling closes {service.reschedule_min_hours} hours before the session."
                )
            new = await self._move(uow, old, service, start_at, now)
            return new

        return await self._write(work)

    async def _move(
        self, uow: BookingUoW, old: Appointment, service: Service, start_at: datetime,
        now: datetime,
    ) -> Appointment:  # fmt: skip
        rules = slot_rules(service)
        await uow.repos.appointments.lock_calendar()
        new = Appointment.hold(
            service_id=service.id, client_user_id=old.client_user_id, lead_id=old.lead_id,
            contact_identity_id=old.contact_identity_id,
            session=TimeRange(start_at, start_at + rules.duration), blocked=rules.blocked(start_at),
            timezone=old.timezone, format_=old.format, now=now,
            hold_until=old.hold_expires_at or now + timedelta(minutes=self._config.hold_minutes),
            metadata=old.metadata, manage_token_hash=old.manage_token_hash,
            rescheduled_from_id=old.id,
        )  # fmt: skip
        old.mark_rescheduled(now, new.id)
        old.manage_token_hash = None  # a guest's link now manages the new appointment
        await uow.repos.appointments.save(old)  # frees the old slot in this transaction
        window = rules.blocked(start_at).expanded(rules.duration, rules.duration)
        if not is_bookable(
            start_at, rules=await uow.repos.schedule.rules_for(service.id),
            exceptions=await uow.repos.schedule.exceptions_in(window),
            busy=await uow.repos.appointments.busy_in(window), slot=rules, now=now,
        ):  # fmt: skip
            raise SlotUnavailable()
        await uow.repos.appointments.add(new)
        await uow.repos.payments.move(old.id, new.id)  # the payment follows the booking
        if old.hold_expires_at is None:  # the old one was confirmed: so is the new one
            new.confirm(now)
            await uow.repos.appointments.save(new)
        return new

    # --- payments (sandbox and provider webhooks end here) -------------------------------

    async def payment_succeeded(self, payment_id: uuid.UUID, provider_payment_id: str) -> None:
        async def work(uow: BookingUoW) -> None:
            appointment_id = await uow.repos.payments.mark_succeeded(
                payment_id, provider_payment_id
            )
            if appointment_id is None:
                return  # already recorded: a repeated notification
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                return
            if appointment.status is AppointmentStatus.PENDING_PAYMENT:
                appointment.confirm(self._clock.now())
                await uow.repos.appointments.save(appointment)
            elif appointment.status is AppointmentStatus.CANCELED:
                # Paid after the hold was released: the money goes back in full.
                paid = await uow.repos.payments.paid_amount(appointment.id)
                if paid is not None:
                    await uow.repos.payments.refund(appointment.id, paid, "hold_expired")

        await self._write(work)

    async def new_payment_link(self, caller: Caller, appointment_id: uuid.UUID) -> str:
        """A payment link for a still-held appointment: the open payment's, or a new one.
        Repeating the call returns the same link while that payment is open."""

        async def work(uow: BookingUoW) -> tuple[uuid.UUID, str]:
            appointment = await self._owned(uow, caller, appointment_id)
            now = self._clock.now()
            if appointment.status is not AppointmentStatus.PENDING_PAYMENT or (
                appointment.hold_expires_at is not None and appointment.hold_expires_at <= now
            ):
                raise InvalidState("Only a held, unpaid appointment can be paid.")
            open_payment = await uow.repos.payments.open_payment(appointment.id)
            if open_payment is not None:
                return open_payment
            service = await uow.repos.services.get(appointment.service_id)
            if service is None:
                raise NotFound()
            started = await uow.repos.payments.start(appointment, service.charge, service.title)
            return started.payment_id, started.confirmation_url

        payment_id, url = await self._write(work)
        if not url and self._links is not None:
            url = await self._links.confirmation_url(payment_id)
        return url

    async def payment_canceled(self, payment_id: uuid.UUID) -> None:
        """The client gave up paying: the payment ends and the hold is released."""

        async def work(uow: BookingUoW) -> None:
            appointment_id = await uow.repos.payments.cancel_open(payment_id)
            if appointment_id is None:
                return
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is not None and appointment.status is AppointmentStatus.PENDING_PAYMENT:
                appointment.cancel(self._clock.now(), reason="payment_canceled", by=None)
                await uow.repos.appointments.save(appointment)

        await self._write(work)

    # --- staff: services and schedule ----------------------------------------------------

    async def _staff_write(self, actor: Principal, action: str, entity: str,
                           entity_id: str, work: Callable[[BookingUoW], Any]) -> Any:  # fmt: skip
        ensure_roles(actor, *BOOKING_STAFF)

        async def audited(uow: BookingUoW) -> Any:
            result = await work(uow)
            await audit_action(uow, actor, action, entity, entity_id)
            return result

        return await self._write(audited)

    async def admin_services(self, actor: Principal) -> list[Service]:
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> list[Service]:
            return await uow.repos.services.list(include_unpublished=True)

        return await in_transaction(self._uow, work)

    async def add_service(self, actor: Principal, service: Service) -> Service:
        async def work(uow: BookingUoW) -> Service:
            await uow.repos.services.add(service)
            return service

        result: Service = await self._staff_write(
            actor, "service.create", "service", str(service.id), work
        )
        return result

    async def update_service(
        self, actor: Principal, service: Service, expected_version: int | None
    ) -> Service:
        async def work(uow: BookingUoW) -> Service:
            current = await uow.repos.services.get(service.id)
            if current is None:
                raise NotFound()
            version = expected_version if expected_version is not None else current.version
            return await uow.repos.services.update(service, version)

        result: Service = await self._staff_write(
            actor, "service.update", "service", str(service.id), work
        )
        return result

    async def rules(self, actor: Principal) -> list[Row]:
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> list[Row]:
            return await uow.repos.schedule.list_rules()

        return await in_transaction(self._uow, work)

    async def add_rule(self, actor: Principal, rule: WeeklyRule) -> uuid.UUID:
        async def work(uow: BookingUoW) -> uuid.UUID:
            return await uow.repos.schedule.add_rule(rule)

        result: uuid.UUID = await self._staff_write(actor, "schedule_rule.create", "schedule_rule",
                                                    str(rule.weekday), work)  # fmt: skip
        return result

    async def delete_rule(self, actor: Principal, rule_id: uuid.UUID) -> None:
        async def work(uow: BookingUoW) -> None:
            if not await uow.repos.schedule.delete_rule(rule_id):
                raise NotFound()

        await self._staff_write(actor, "schedule_rule.delete", "schedule_rule", str(rule_id), work)

    async def add_exception(
        self, actor: Principal, exception: ScheduleException, reason: str | None
    ) -> uuid.UUID:
        async def work(uow: BookingUoW) -> uuid.UUID:
            return await uow.repos.schedule.add_exception(exception, reason)

        result: uuid.UUID = await self._staff_write(
            actor, "schedule_exception.create", "schedule_exception", exception.kind, work
        )
        return result

    async def delete_exception(self, actor: Principal, exception_id: uuid.UUID) -> None:
        async def work(uow: BookingUoW) -> None:
            if not await uow.repos.schedule.delete_exception(exception_id):
                raise NotFound()

        await self._staff_write(
            actor, "schedule_exception.delete", "schedule_exception", str(exception_id), work
        )

    # --- staff: appointments ---------------------------------------------------------------

    async def staff_transition(
        self, actor: Principal, appointment_id: uuid.UUID, action: str
    ) -> Appointment:
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> Appointment:
            now = self._clock.now()
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                raise NotFound()
            if action == "complete":
                appointment.complete(now)
            elif action == "no_show":
                appointment.mark_no_show(now)
            elif action == "confirm":
                appointment.confirm(now, by_staff=True)
            elif action == "cancel":
                await self._cancel(uow, appointment, "staff", actor.user_id, full_refund=True)
            else:
                raise ValidationFailed("unknown action")
            if action != "cancel":
                await uow.repos.appointments.save(appointment)
            await audit_action(
                uow, actor, f"appointment.{action}", "appointment", str(appointment.id)
            )
            return appointment

        return await self._write(work)

    async def staff_reschedule(
        self, actor: Principal, appointment_id: uuid.UUID, start_at: datetime
    ) -> Appointment:
        """Staff move any live appointment (no client-side deadline); audited."""
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> Appointment:
            now = self._clock.now()
            old = await uow.repos.appointments.get(appointment_id)
            if old is None:
                raise NotFound()
            if not old.is_live:
                raise InvalidState(f"Not possible for a {old.status.value} appointment.")
            service = await uow.repos.services.get(old.service_id)
            if service is None:
                raise NotFound()
            new = await self._move(uow, old, service, start_at, now)
            await audit_action(uow, actor, "appointment.reschedule", "appointment", str(old.id),
                               {"new_appointment_id": str(new.id)})  # fmt: skip
            return new

        return await self._write(work)

    async def staff_list(
        self, actor: Principal, window: TimeRange, status: str | None
    ) -> list[Row]:
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> list[Row]:
            return await uow.repos.appointments.list_between(window, status)

        return await in_transaction(self._uow, work)

    async def my_appointments(self, principal: Principal, upcoming: bool) -> list[Row]:
        return await self.appointments_of(principal.user_id, upcoming)

    async def appointments_of(self, user_id: uuid.UUID, upcoming: bool) -> list[Row]:
        async def work(uow: BookingUoW) -> list[Row]:
            return await uow.repos.appointments.list_for_client(
                user_id, upcoming, self._clock.now()
            )

        return await in_transaction(self._uow, work)

    # --- intake form -------------------------------------------------------------------

    async def intake_form(self, caller: Caller, appointment_id: uuid.UUID) -> Row | None:
        async def work(uow: BookingUoW) -> Row | None:
            appointment = await self._owned(uow, caller, appointment_id)
            await self._require_health_consent(uow, appointment)
            return await uow.repos.intake.get(appointment.id)

        return await in_transaction(self._uow, work)

    async def save_intake_form(
        self, caller: Caller, appointment_id: uuid.UUID, answers: Row, submit: bool
    ) -> Row:
        async def work(uow: BookingUoW) -> Row:
            appointment = await self._owned(uow, caller, appointment_id)
            if not appointment.is_live:
                raise InvalidState("The intake form is for an upcoming session.")
            await self._require_health_consent(uow, appointment)
            return await uow.repos.intake.save(appointment.id, answers, submit)

        return await in_transaction(self._uow, work)

    async def _require_health_consent(self, uow: BookingUoW, appointment: Appointment) -> None:
        if appointment.client_user_id is None:
            raise ConsentRequired("An intake form needs an account with the health_data consent.")
        if not await uow.repos.consents.has(appointment.client_user_id, "health_data"):
            raise ConsentRequired("The health_data consent is required for the intake form.")

    async def staff_intake_form(self, actor: Principal, appointment_id: uuid.UUID) -> Row | None:
        """Owner only; every read of this P2 data is audited."""
        if Role.OWNER not in actor.roles:
            raise Forbidden()

        async def work(uow: BookingUoW) -> Row | None:
            form = await uow.repos.intake.get(appointment_id)
            await audit_action(uow, actor, "intake_form.read", "appointment", str(appointment_id))
            return form

        return await in_transaction(self._uow, work)

    # --- jobs ----------------------------------------------------------------------------

    async def expire_holds(self, now: datetime) -> int:
        async def work(uow: BookingUoW) -> int:
            expired = 0
            for appointment_id in await uow.repos.appointments.expired_holds(now, 100):
                appointment = await uow.repos.appointments.get(appointment_id)
                if appointment is not None:
                    appointment.expire_hold(now)
                    await uow.repos.appointments.save(appointment)
                    expired += 1
            return expired

        count = await self._write(work)
        if count:
            logger.info("holds_expired", count=count)
        return count

    async def send_reminders(self, now: datetime) -> int:
        sent = 0
        for hours in await self._reminder_offsets():
            label = f"{hours}h"

            async def work(uow: BookingUoW, label: str = label, hours: int = hours) -> int:
                count = 0
                due = await uow.repos.appointments.due_for_reminder(now, label, hours, 100)
                for appointment_id in due:
                    appointment = await uow.repos.appointments.get(appointment_id)
                    if appointment is None:
                        continue
                    await self._remind(uow, appointment, label)
                    appointment.reminders_sent = (*appointment.reminders_sent, label)
                    await uow.repos.appointments.save(appointment)
                    count += 1
                return count

            sent += await in_transaction(self._uow, work)
        return sent

    async def _remind(self, uow: BookingUoW, appointment: Appointment, label: str) -> None:
        await self._message(uow, appointment, "booking.reminder", f"reminder:{label}")

    # --- event handlers: what the client is told ------------------------------------------

    async def on_confirmed(self, event: AppointmentConfirmed) -> None:
        await self._notify(uuid.UUID(event.aggregate_id), "booking.confirmed", "confirmed")

    # --- waitlist ---------------------------------------------------------------------------

    async def join_waitlist(
        self, caller: Caller, service_slug: str, preferences: Row, request: HoldRequest | None
    ) -> uuid.UUID:
        """Join the waitlist (a signed-in client, or a guest with contact and consent)."""
        ensure_p0(preferences, where="waitlist preferences")

        async def work(uow: BookingUoW) -> uuid.UUID:
            service = await self._published(uow, service_slug)
            hold = request or HoldRequest(service_slug, self._clock.now(), "online", "UTC")
            booker = await self._who_books(uow, caller, hold)
            return await uow.repos.waitlist.add(
                service.id,
                booker.user_id,
                booker.lead_id,
                booker.contact_identity_id,
                preferences,
            )

        return await in_transaction(self._uow, work)

    async def offer_freed_slot(self, event: AppointmentCanceled | AppointmentRescheduled) -> None:
        """A slot came free: the first matching waitlist request gets an offer."""

        async def work(uow: BookingUoW) -> None:
            freed = await uow.repos.appointments.get(uuid.UUID(event.aggregate_id))
            if freed is None or freed.session.start <= self._clock.now():
                return
            local = freed.session.start.astimezone(ZoneInfo(self._config.practitioner_timezone))
            part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
            offer = await uow.repos.waitlist.offer_first_matching(
                freed.service_id, local.isoweekday(), part
            )
            if offer is None:
                return
            if offer["user_id"] is not None:
                name, email = await uow.repos.contacts.user_contact(offer["user_id"])
                kind, recipient = "user", str(offer["user_id"])
            else:
                name, email = await uow.repos.leads.contact(
                    offer["lead_id"], offer["contact_identity_id"]
                )
                kind, recipient = "lead", str(offer["lead_id"])
            service = await uow.repos.services.get(freed.service_id)
            if email is None or service is None:
                return
            await uow.notifications.enqueue(
                NotificationRequest(
                    channel="email",
                    template_code="waitlist.offer",
                    recipient_kind=kind,
                    recipient_id=recipient,
                    dedupe_key=f"waitlist:{offer['id']}:offer:email",
                    to=email,
                    variables={
                        # A guest's name is whatever was typed with somebody's address.
                        "display_name": (name or "") if kind == "user" else "",
                        "service_title": service.title,
                        "start_local": local.strftime("%d.%m.%Y %H:%M"),
                        "booking_url": f"{self._config.public_base_url}/",
                        "offer_expires_local": "24 часа",
                    },
                )
            )

        await in_transaction(self._uow, work)

    async def expire_waitlist_offers(self, now: datetime) -> int:
        async def work(uow: BookingUoW) -> int:
            return await uow.repos.waitlist.expire_offers(now - WAITLIST_OFFER_LIFETIME)

        return await in_transaction(self._uow, work)

    # --- event handlers: the practitioner's calendar (side effects, retried by the outbox) ---

    async def calendar_add(self, event: AppointmentConfirmed) -> None:
        if self._calendar is None:
            return

        async def work(uow: BookingUoW) -> tuple[Appointment, str] | None:
            appointment = await uow.repos.appointments.get(uuid.UUID(event.aggregate_id))
            if appointment is None or appointment.status is not AppointmentStatus.CONFIRMED:
                return None
            service = await uow.repos.services.get(appointment.service_id)
            return appointment, service.title if service else "Консультация"

        found = await in_transaction(self._uow, work)
        if found is not None:
            appointment, title = found
            await self._calendar.upsert_event(appointment.id, appointment.session, title)

    async def calendar_remove(self, event: AppointmentCanceled | AppointmentRescheduled) -> None:
        if self._calendar is not None:
            await self._calendar.delete_event(uuid.UUID(event.aggregate_id))

    async def on_canceled(self, event: AppointmentCanceled) -> None:
        """The cancellation message; a payment the client gave up (or the provider
        declined) gets the payment-failed message instead, with the way to book again."""
        booking_url = f"{self._config.public_base_url}/"
        if event.reason == "payment_canceled":
            await self._notify(
                uuid.UUID(event.aggregate_id), "payment.failed", "payment_failed",
                {"booking_url": booking_url},
            )  # fmt: skip
            return
        refund = refund_sentence(event.refund_amount, event.currency)
        await self._notify(
            uuid.UUID(event.aggregate_id), "booking.canceled", "canceled",
            {"refund_text": refund, "booking_url": booking_url},
        )  # fmt: skip

    async def on_rescheduled(self, event: AppointmentRescheduled) -> None:
        await self._notify(
            uuid.UUID(event.new_appointment_id), "booking.rescheduled", "rescheduled"
        )

    async def _notify(
        self, appointment_id: uuid.UUID, template: str, key: str,
        extra: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        async def work(uow: BookingUoW) -> None:
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is not None:
                await self._message(uow, appointment, template, key, extra)

        await in_transaction(self._uow, work)

    async def _message(
        self, uow: BookingUoW, appointment: Appointment, template: str, key: str,
        extra: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        """Queue the message about ``appointment`` once per channel (the dedupe key says
        which one): by e-mail, and by Telegram when the person linked the bot and agreed."""
        if appointment.client_user_id is not None:
            name, email = await uow.repos.contacts.user_contact(appointment.client_user_id)
            kind, recipient = "user", str(appointment.client_user_id)
        elif appointment.lead_id is not None:
            name, email = await uow.repos.leads.contact(
                appointment.lead_id, appointment.contact_identity_id
            )
            kind, recipient = "lead", str(appointment.lead_id)
        else:  # pragma: no cover (the database requires one of them)
            return
        chat = await uow.repos.contacts.telegram_chat(
            appointment.client_user_id, appointment.lead_id
        )
        service = await uow.repos.services.get(appointment.service_id)
        local = appointment.session.start.astimezone(ZoneInfo(appointment.timezone))
        variables = {
            # A guest's name is whatever was typed with somebody's address: never sent.
            "display_name": (name or "") if kind == "user" else "",
            "service_title": service.title if service else "",
            "start_local": local.strftime("%d.%m.%Y %H:%M"),
            "location": "",
            "manage_url": f"{self._config.public_base_url}/",
            **(extra or {}),
        }
        addresses = {"email": email, "telegram": str(chat) if chat is not None else None}
        for channel, to in addresses.items():
            if to is None:
                continue
            await uow.notifications.enqueue(
                NotificationRequest(
                    channel=channel,
                    template_code=template,
                    recipient_kind=kind,
                    recipient_id=recipient,
                    dedupe_key=f"appointment:{appointment.id}:{key}:{channel}",
                    to=to,
                    variables=variables,
                )
            )


def _actor_id(caller: Caller) -> uuid.UUID | None:
    return caller.user_id


def local_times(starts: Sequence[datetime], tz: str) -> list[str]:
    zone = ZoneInfo(tz)
    return [s.astimezone(zone).isoformat() for s in starts]
