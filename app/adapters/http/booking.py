"""HTTP endpoints of booking: services, slots, appointments, intake forms, staff tools."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.adapters.http.fields import EmailAddress
from app.adapters.http.identity import NO_STORE, _if_match
from app.adapters.http.waitlist import MY_WAITLIST_CONTROLLERS
from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.application.booking.read_models import IntakeForm
from app.application.booking.remainder import AppointmentBalance
from app.application.booking.slots import local_times
from app.application.booking.use_cases import Booking
from app.domain.booking.appointment import Appointment, AppointmentStatus
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.booking.place import checked_location, checked_meeting_url
from app.domain.booking.service import Service
from app.domain.errors import ValidationFailed
from app.domain.shared.time_range import TimeRange

ManageToken = Annotated[str | None, HeaderParameter(name="X-Manage-Token", max_length=128)]
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=128)]
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=200)]


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed("times must carry a UTC offset", field=field)
    return value


def _zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (KeyError, ValueError):
        raise ValidationFailed("tz must be an IANA time zone", field="tz") from None
    return tz


class ServiceOut(msgspec.Struct):
    slug: str
    title: str
    description_markdown: str
    format: str
    duration_minutes: int
    price: str
    deposit: str | None
    currency: str
    cancel_free_hours: int
    cancel_partial_hours: int
    cancel_partial_refund_percent: int
    reschedule_min_hours: int

    @classmethod
    def of(cls, s: Service) -> ServiceOut:
        return cls(
            slug=s.slug, title=s.title, description_markdown=s.description_markdown,
            format=s.format, duration_minutes=s.duration_minutes, price=f"{s.price_amount:.2f}",
            deposit=f"{s.deposit_amount:.2f}" if s.deposit_amount else None, currency=s.currency,
            cancel_free_hours=s.cancel_free_hours, cancel_partial_hours=s.cancel_partial_hours,
            cancel_partial_refund_percent=s.cancel_partial_refund_percent,
            reschedule_min_hours=s.reschedule_min_hours,
        )  # fmt: skip


class ServicesOut(msgspec.Struct):
    items: list[ServiceOut]


class SlotsOut(msgspec.Struct):
    service_slug: str
    tz: str
    slots: list[str]


class AppointmentOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    start_at: datetime
    end_at: datetime
    timezone: str
    format: str
    hold_expires_at: datetime | None
    version: int
    payment: BalanceOut | None = None
    meeting_url: str | None = None
    """The video link of an online session, once it is confirmed (paid)."""
    location_text: str | None = None
    """Where an in-person session takes place."""

    @classmethod
    def of(cls, a: Appointment, balance: AppointmentBalance | None = None) -> AppointmentOut:
        paid = a.status in (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED,
                            AppointmentStatus.NO_SHOW)  # fmt: skip
        return cls(
            id=a.id, status=a.status.value, start_at=a.session.start, end_at=a.session.end,
            timezone=a.timezone, format=a.format, hold_expires_at=a.hold_expires_at,
            version=a.version, payment=BalanceOut.of(balance) if balance else None,
            meeting_url=a.meeting_url if paid else None, location_text=a.location_text,
        )  # fmt: skip


class BalanceOut(msgspec.Struct):
    """What the appointment costs, what was paid (and refunded) and what is left to pay."""

    price: str
    paid: str
    refunded: str
    due: str
    currency: str

    @classmethod
    def of(cls, b: AppointmentBalance) -> BalanceOut:
        return cls(str(b.price), str(b.paid), str(b.refunded), str(b.due), b.price.currency)


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    email: EmailAddress | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class ConsentIn(msgspec.Struct, forbid_unknown_fields=True):
    consent_type: Literal["personal_data", "health_data", "communications", "telegram"]
    granted: bool
    document_version: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]{1,32}$")]


class HoldIn(msgspec.Struct, forbid_unknown_fields=True):
    service_slug: Slug
    start_at: datetime
    format: Literal["online", "offline"]
    timezone: Annotated[str, msgspec.Meta(max_length=64)] = "Europe/Moscow"
    contact: ContactIn | None = None
    consents: list[ConsentIn] = []
    metadata: dict[str, str | int | bool | None] | None = None
    waitlist_offer_token: (
        Annotated[
            str,
            msgspec.Meta(max_length=256, description="The token of a waitlist offer's link: "
                         "takes the slot the offer keeps (a signed-in client needs none)"),
        ]
        | None
    ) = None  # fmt: skip


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["booking", "remainder"] = "booking"


class PaymentLink(msgspec.Struct):
    confirmation_url: str


class HoldOut(msgspec.Struct):
    appointment: AppointmentOut
    payment: PaymentLink
    manage_token: str | None = None


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Literal["client_request", "schedule_conflict", "feeling_better", "other"] = (
        "client_request"
    )


class RefundOut(msgspec.Struct):
    amount: str
    currency: str


class CancelOut(msgspec.Struct):
    appointment: AppointmentOut
    refund: RefundOut


class RescheduleIn(msgspec.Struct, forbid_unknown_fields=True):
    start_at: datetime


class HealthConsentIn(msgspec.Struct, forbid_unknown_fields=True):
    consent_type: Literal["health_data"]
    granted: bool
    document_version: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]{1,32}$")]


class IntakeIn(msgspec.Struct, forbid_unknown_fields=True):
    answers: dict[str, Any]
    submit: bool = False
    consent: HealthConsentIn | None = None
    """The health_data consent given with the form (a guest gives it here)."""


class IntakeOut(msgspec.Struct):
    status: str
    answers: dict[str, Any]
    submitted_at: datetime | None
    updated_at: datetime | None
    version: int

    @classmethod
    def of(cls, form: IntakeForm) -> IntakeOut:
        return cls(form.status, form.answers, form.submitted_at, form.updated_at, form.version)


class MyAppointmentOut(msgspec.Struct):
    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    status: str
    format: str
    timezone: str
    service_slug: str
    service_title: str
    amount_paid: str | None = None
    amount_due: str | None = None


class MyAppointmentsOut(msgspec.Struct):
    items: list[MyAppointmentOut]


def _caller(principal: Principal | None, manage_token: str | None) -> Caller:
    return Caller(principal=principal, manage_token=manage_token)


class BookingController(Controller):
    path = "/api/v1"
    tags = ["booking"]  # noqa: RUF012

    @get("/services", summary="Published services")
    async def list_services(self, booking: NamedDependency[Booking]) -> ServicesOut:
        return ServicesOut([ServiceOut.of(s) for s in await booking.slots.services()])

    @get("/services/{slug:str}", summary="One service with its price and policy")
    async def get_service(
        self, slug: FromPath[str], booking: NamedDependency[Booking]
    ) -> ServiceOut:
        return ServiceOut.of(await booking.slots.service(slug))

    @get("/services/{slug:str}/slots", summary="Free start times (≤ 31 days), in `tz`")
    async def slots(
        self,
        slug: FromPath[str],
        booking: NamedDependency[Booking],
        from_: Annotated[datetime, QueryParameter(name="from")],
        to: Annotated[datetime, QueryParameter(name="to")],
        tz: Annotated[str | None, QueryParameter(name="tz", max_length=64)] = None,
        optional_principal: NamedDependency[Principal | None] = None,
    ) -> SlotsOut:
        """``tz`` defaults to the practice's zone (``practitioner.timezone``)."""
        viewer = optional_principal.user_id if optional_principal else None
        starts = await booking.slots.slots(slug, _aware(from_, "from"), _aware(to, "to"), viewer)
        tz = tz or await booking.slots.practice_timezone()
        return SlotsOut(service_slug=slug, tz=_zone(tz), slots=local_times(starts, tz))

    @post("/appointments", status_code=HTTP_201_CREATED, cache_control=NO_STORE,
          summary="Hold a slot (pending payment); guests send contact and consents")  # fmt: skip
    async def hold(
        self,
        data: JSONBody[HoldIn],
        optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking],
        idempotency_key: IdempotencyKey = None,
    ) -> HoldOut:
        request = HoldRequest(
            service_slug=data.service_slug, start_at=_aware(data.start_at, "start_at"),
            format=data.format, timezone=_zone(data.timezone),
            contact=GuestContact(data.contact.name, data.contact.email, data.contact.phone)
            if data.contact else None,
            consents=tuple((c.consent_type, c.granted, c.document_version) for c in data.consents),
            metadata=dict(data.metadata) if data.metadata else None,
            offer_token=data.waitlist_offer_token,
        )  # fmt: skip
        held = await booking.holding.hold(
            Caller(optional_principal), request, idempotency_key=idempotency_key
        )
        return HoldOut(
            appointment=AppointmentOut.of(held.appointment),
            payment=PaymentLink(held.confirmation_url),
            manage_token=held.manage_token,
        )

    @get("/appointments/{appointment_id:uuid}", cache_control=NO_STORE,
         summary="One appointment: its client, or a guest with X-Manage-Token")  # fmt: skip
    async def get_appointment(
        self, appointment_id: FromPath[uuid.UUID],
        optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking], manage_token: ManageToken = None,
    ) -> AppointmentOut:  # fmt: skip
        caller = _caller(optional_principal, manage_token)
        found = await booking.remainders.appointment(caller, appointment_id)
        return AppointmentOut.of(found.appointment, found.balance)

    @post(
        "/appointments/{appointment_id:uuid}/cancel",
        status_code=HTTP_200_OK,
        cache_control=NO_STORE,
        summary="Cancel; the refund follows the service's policy",
    )
    async def cancel(
        self, appointment_id: FromPath[uuid.UUID], data: JSONBody[CancelIn],
        optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking], manage_token: ManageToken = None,
    ) -> CancelOut:  # fmt: skip
        caller = _caller(optional_principal, manage_token)
        done = await booking.client.cancel(caller, appointment_id, data.reason)
        refund = done.refund
        return CancelOut(
            AppointmentOut.of(done.appointment), RefundOut(str(refund), refund.currency)
        )

    @post(
        "/appointments/{appointment_id:uuid}/reschedule",
        status_code=HTTP_200_OK,
        cache_control=NO_STORE,
        summary="Move to another free time within the policy",
    )
    async def reschedule(
        self, appointment_id: FromPath[uuid.UUID], data: JSONBody[RescheduleIn],
        optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking], manage_token: ManageToken = None,
    ) -> AppointmentOut:  # fmt: skip
        caller = _caller(optional_principal, manage_token)
        new = await booking.client.reschedule(
            caller, appointment_id, _aware(data.start_at, "start_at")
        )
        return AppointmentOut.of(new)

    @post(
        "/appointments/{appointment_id:uuid}/payments",
        status_code=HTTP_201_CREATED,
        cache_control=NO_STORE,
        summary="A payment link: for a still-held appointment, or (kind=remainder) for "
        "the rest of the price of a confirmed one",
    )
    async def payment_link(
        self, appointment_id: FromPath[uuid.UUID],
        optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking], manage_token: ManageToken = None,
        idempotency_key: IdempotencyKey = None, data: JSONBody[PaymentIn | None] = None,
    ) -> PaymentLink:  # fmt: skip
        caller = _caller(optional_principal, manage_token)
        if data is not None and data.kind == "remainder":
            return PaymentLink(await booking.remainders.pay_remainder(caller, appointment_id))
        return PaymentLink(await booking.payments.new_payment_link(caller, appointment_id))

    @get("/appointments/{appointment_id:uuid}/intake-form", cache_control=NO_STORE,
         summary="The intake form (health_data consent); a guest with X-Manage-Token")  # fmt: skip
    async def get_intake(
        self, appointment_id: FromPath[uuid.UUID],
        optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking], manage_token: ManageToken = None,
    ) -> IntakeOut | None:  # fmt: skip
        caller = _caller(optional_principal, manage_token)
        form = await booking.intake.form(caller, appointment_id)
        return IntakeOut.of(form) if form else None

    @put("/appointments/{appointment_id:uuid}/intake-form", cache_control=NO_STORE,
         summary="Save (or submit) the intake form; stored encrypted")  # fmt: skip
    async def put_intake(
        self, appointment_id: FromPath[uuid.UUID], data: JSONBody[IntakeIn],
        optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking], manage_token: ManageToken = None,
    ) -> IntakeOut:  # fmt: skip
        consent = (data.consent.granted, data.consent.document_version) if data.consent else None
        form = await booking.intake.save(
            _caller(optional_principal, manage_token), appointment_id, data.answers,
            data.submit, consent,
        )  # fmt: skip
        return IntakeOut.of(form)

    @get("/me/appointments", cache_control=NO_STORE, summary="My appointments")
    async def my_appointments(
        self, principal: NamedDependency[Principal], booking: NamedDependency[Booking],
        which: Annotated[Literal["upcoming", "past"], QueryParameter(name="scope")] = "upcoming",
    ) -> MyAppointmentsOut:  # fmt: skip
        items = await booking.client.my_appointments(principal, which == "upcoming")
        return MyAppointmentsOut(
            msgspec.convert(items, list[MyAppointmentOut], from_attributes=True)
        )


class PreferencesIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    days: list[Annotated[int, msgspec.Meta(ge=1, le=7)]] | None = None
    parts_of_day: list[Literal["morning", "afternoon", "evening"]] | None = None


class WaitlistIn(msgspec.Struct, forbid_unknown_fields=True):
    service_slug: Slug
    preferences: PreferencesIn = msgspec.field(default_factory=PreferencesIn)
    contact: ContactIn | None = None
    consents: list[ConsentIn] = []


class WaitlistOut(msgspec.Struct):
    id: uuid.UUID
    status: str


class WaitlistController(Controller):
    path = "/api/v1/waitlist"
    tags = ["booking"]  # noqa: RUF012

    @post("/", status_code=HTTP_201_CREATED, cache_control=NO_STORE,
          summary="Wait for a time to come free (guests send contact and consents)")  # fmt: skip
    async def join(
        self, data: JSONBody[WaitlistIn], optional_principal: NamedDependency[Principal | None],
        booking: NamedDependency[Booking],
    ) -> WaitlistOut:  # fmt: skip
        request = HoldRequest(
            service_slug=data.service_slug, start_at=datetime.now(tz=ZoneInfo("UTC")),
            format="online", timezone="UTC",
            contact=GuestContact(data.contact.name, data.contact.email, data.contact.phone)
            if data.contact else None,
            consents=tuple((c.consent_type, c.granted, c.document_version) for c in data.consents),
        )  # fmt: skip
        request_id = await booking.waitlist.join(
            Caller(optional_principal), data.service_slug,
            msgspec.to_builtins(data.preferences), request,
        )  # fmt: skip
        return WaitlistOut(request_id, "active")


class SandboxPaymentsController(Controller):
    """Dev/test only (PAYMENTS_PROVIDER=sandbox): declare a payment succeeded."""

    path = "/api/v1/sandbox/payments"
    tags = ["sandbox"]  # noqa: RUF012

    @post("/{payment_id:uuid}", status_code=HTTP_204_NO_CONTENT,
          summary="Pretend the client paid (sandbox only)")  # fmt: skip
    async def succeed(
        self, payment_id: FromPath[uuid.UUID], booking: NamedDependency[Booking]
    ) -> None:
        await booking.payments.payment_succeeded(payment_id, f"sandbox-{payment_id.hex[:12]}")

    @post("/{payment_id:uuid}/cancel", status_code=HTTP_204_NO_CONTENT,
          summary="Pretend the client gave up paying (sandbox only)")  # fmt: skip
    async def cancel(
        self, payment_id: FromPath[uuid.UUID], booking: NamedDependency[Booking]
    ) -> None:
        await booking.payments.payment_canceled(payment_id)


# --- admin ---------------------------------------------------------------------------


class ServiceIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    format: Literal["online", "offline", "hybrid"]
    duration_minutes: Annotated[int, msgspec.Meta(ge=10, le=720)]
    price: Annotated[str, msgspec.Meta(pattern=r"^\d{1,10}(\.\d{1,2})?$")]
    description_markdown: str = ""
    deposit: Annotated[str, msgspec.Meta(pattern=r"^\d{1,10}(\.\d{1,2})?$")] | None = None
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] = "RUB"
    buffer_before_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 0
    buffer_after_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 0
    min_notice_minutes: Annotated[int, msgspec.Meta(ge=0, le=43200)] = 0
    horizon_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 60
    cancel_free_hours: Annotated[int, msgspec.Meta(ge=0, le=720)] = 24
    cancel_partial_hours: Annotated[int, msgspec.Meta(ge=0, le=720)] = 0
    cancel_partial_refund_percent: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0
    reschedule_min_hours: Annotated[int, msgspec.Meta(ge=0, le=720)] = 24
    status: Literal["draft", "published", "archived"] = "draft"
    meeting_url: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    """The standing video link of an online service (https)."""
    address: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    """Where an in-person service takes place."""

    def to_service(self, service_id: uuid.UUID, version: int = 1) -> Service:
        """The service's own invariants (refund windows, deposit) are checked as it is made."""
        return Service(
            id=service_id, slug=self.slug, title=self.title,
            description_markdown=self.description_markdown, format=self.format,
            duration_minutes=self.duration_minutes, price_amount=Decimal(self.price),
            deposit_amount=Decimal(self.deposit) if self.deposit else None,
            currency=self.currency, buffer_before_minutes=self.buffer_before_minutes,
            buffer_after_minutes=self.buffer_after_minutes,
            min_notice_minutes=self.min_notice_minutes, horizon_days=self.horizon_days,
            cancel_free_hours=self.cancel_free_hours,
            cancel_partial_hours=self.cancel_partial_hours,
            cancel_partial_refund_percent=self.cancel_partial_refund_percent,
            reschedule_min_hours=self.reschedule_min_hours, status=self.status, version=version,
            meeting_url=checked_meeting_url(self.meeting_url),
            address=checked_location(self.address, "address"),
        )  # fmt: skip


class AdminServiceOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    title: str
    status: str
    version: int
    service: ServiceOut
    meeting_url: str | None = None
    address: str | None = None


class AdminServicesOut(msgspec.Struct):
    items: list[AdminServiceOut]


def _admin_service(s: Service) -> AdminServiceOut:
    return AdminServiceOut(
        s.id, s.slug, s.title, s.status, s.version, ServiceOut.of(s), s.meeting_url, s.address
    )


class RuleIn(msgspec.Struct, forbid_unknown_fields=True):
    weekday: Annotated[int, msgspec.Meta(ge=1, le=7)]
    start_time: time
    end_time: time
    timezone: Annotated[str, msgspec.Meta(max_length=64)] = "Europe/Moscow"
    valid_from: date | None = None
    valid_to: date | None = None
    service_id: uuid.UUID | None = None


class RuleOut(msgspec.Struct):
    id: uuid.UUID
    weekday: int
    start_time: time
    end_time: time
    timezone: str
    valid_from: date | None
    valid_to: date | None
    service_id: uuid.UUID | None
    version: int = 1


class RulesOut(msgspec.Struct):
    items: list[RuleOut]


class ExceptionIn(msgspec.Struct, forbid_unknown_fields=True):
    start_at: datetime
    end_at: datetime
    kind: Literal["closed", "open"]
    reason: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class CreatedOut(msgspec.Struct):
    id: uuid.UUID


class AdminBookingController(Controller):
    """Owner and assistant (checked in the use cases); every write audited."""

    path = "/api/v1/admin"
    tags = ["admin: booking"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/services", summary="All services, any status")
    async def services(
        self, principal: NamedDependency[Principal], booking: NamedDependency[Booking]
    ) -> AdminServicesOut:
        items = await booking.schedule.services(principal)
        return AdminServicesOut([_admin_service(s) for s in items])

    @post("/services", summary="Add a service")
    async def add_service(
        self, data: JSONBody[ServiceIn], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> AdminServiceOut:  # fmt: skip
        return _admin_service(
            await booking.schedule.add_service(principal, data.to_service(uuid.uuid4()))
        )

    @put("/services/{service_id:uuid}", summary="Replace a service; send If-Match: <version>")
    async def update_service(
        self, service_id: FromPath[uuid.UUID], data: JSONBody[ServiceIn],
        principal: NamedDependency[Principal], booking: NamedDependency[Booking],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> AdminServiceOut:  # fmt: skip
        service = data.to_service(service_id)
        updated = await booking.schedule.update_service(principal, service, _if_match(if_match))
        return _admin_service(updated)

    @get("/schedule-rules", summary="Weekly working hours")
    async def rules(
        self, principal: NamedDependency[Principal], booking: NamedDependency[Booking]
    ) -> RulesOut:
        rules = await booking.schedule.rules(principal)
        return RulesOut(msgspec.convert(rules, list[RuleOut], from_attributes=True))

    @post("/schedule-rules", summary="Add weekly working hours")
    async def add_rule(
        self, data: JSONBody[RuleIn], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> CreatedOut:  # fmt: skip
        if data.end_time <= data.start_time:
            raise ValidationFailed("must be after start_time", field="end_time")
        rule = WeeklyRule(
            weekday=data.weekday, start=data.start_time, end=data.end_time,
            timezone=_zone(data.timezone), valid_from=data.valid_from, valid_to=data.valid_to,
            service_id=data.service_id,
        )  # fmt: skip
        return CreatedOut(await booking.schedule.add_rule(principal, rule))

    @delete("/schedule-rules/{rule_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            summary="Remove weekly working hours")  # fmt: skip
    async def delete_rule(
        self, rule_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> None:  # fmt: skip
        await booking.schedule.delete_rule(principal, rule_id)

    @post("/schedule-exceptions", summary="Close a period or open extra hours")
    async def add_exception(
        self, data: JSONBody[ExceptionIn], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> CreatedOut:  # fmt: skip
        period = TimeRange(_aware(data.start_at, "start_at"), _aware(data.end_at, "end_at"))
        return CreatedOut(
            await booking.schedule.add_exception(
                principal, ScheduleException(period, data.kind), data.reason
            )
        )

    @delete("/schedule-exceptions/{exception_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            summary="Remove an exception")  # fmt: skip
    async def delete_exception(
        self, exception_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> None:  # fmt: skip
        await booking.schedule.delete_exception(principal, exception_id)

    @post("/appointments/{appointment_id:uuid}/{action:str}", status_code=HTTP_200_OK,
          summary="complete, no-show, confirm or cancel (full refund)")  # fmt: skip
    async def act(
        self, appointment_id: FromPath[uuid.UUID], action: FromPath[str],
        principal: NamedDependency[Principal], booking: NamedDependency[Booking],
    ) -> AppointmentOut:  # fmt: skip
        name = {"complete": "complete", "no-show": "no_show", "confirm": "confirm",
                "cancel": "cancel"}.get(action)  # fmt: skip
        if name is None:
            raise ValidationFailed("unknown action", field="action")
        return AppointmentOut.of(await booking.staff.transition(principal, appointment_id, name))

    @post("/appointments/{appointment_id:uuid}/reschedule", status_code=HTTP_200_OK,
          summary="Move an appointment (staff); the payment follows")  # fmt: skip
    async def reschedule(
        self, appointment_id: FromPath[uuid.UUID], data: JSONBody[RescheduleIn],
        principal: NamedDependency[Principal], booking: NamedDependency[Booking],
    ) -> AppointmentOut:  # fmt: skip
        start = _aware(data.start_at, "start_at")
        return AppointmentOut.of(await booking.staff.reschedule(principal, appointment_id, start))

    @get("/appointments/{appointment_id:uuid}/intake-form",
         summary="The intake form, decrypted (owner only, audited)")  # fmt: skip
    async def intake(
        self, appointment_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> Response[IntakeOut | None]:  # fmt: skip
        form = await booking.intake.staff_form(principal, appointment_id)
        return Response(IntakeOut.of(form) if form else None)


BOOKING_CONTROLLERS = [
    BookingController, WaitlistController, AdminBookingController, *MY_WAITLIST_CONTROLLERS
]  # fmt: skip
