"""HTTP endpoints of the owner's day and schedule: the appointments of a range with who,
what, where, payment and intake state (paged, audited), one appointment's record with
its history, booking on a client's behalf, and schedule entries listed and edited."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from app.adapters.http.booking import ExceptionIn, RuleIn, RuleOut, _aware
from app.adapters.http.fields import EmailAddress
from app.adapters.http.identity import NO_STORE, _if_match
from app.adapters.http.pagination import MAX_LIMIT, decode_cursor, encode_cursor
from app.application.access import Principal
from app.application.booking.ports import GuestContact
from app.application.booking.read_models import ScheduleExceptionView, ScheduleRuleView
from app.application.booking.staff_booking import StaffBooked, StaffBookingRequest
from app.application.booking.staff_day import AppointmentRecord, DayAppointment, StaffDay
from app.application.booking.use_cases import Booking
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.errors import ValidationFailed
from app.domain.shared.time_range import TimeRange

IfMatch = Annotated[str | None, HeaderParameter(name="If-Match")]


class StaffClientOut(msgspec.Struct):
    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    display_name: str | None
    email: str | None
    phone: str | None


class StaffPlaceOut(msgspec.Struct):
    format: str
    meeting_url: str | None
    location_text: str | None


class StaffPaymentStateOut(msgspec.Struct):
    state: str
    """paid, partially_refunded, refunded, pending or none"""
    amount_paid: str
    amount_refunded: str
    currency: str


class StaffDayItemOut(msgspec.Struct):
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
    service_id: uuid.UUID
    client: StaffClientOut
    place: StaffPlaceOut
    payment: StaffPaymentStateOut
    intake: str
    """missing, waiting (submitted, not read yet) or viewed"""

    @classmethod
    def of(cls, a: DayAppointment) -> StaffDayItemOut:
        return cls(
            id=a.id, start_at=a.start_at, end_at=a.end_at, status=a.status, format=a.format,
            timezone=a.timezone, client_user_id=a.client_user_id, lead_id=a.lead_id,
            service_slug=a.service_slug, service_title=a.service_title, service_id=a.service_id,
            client=StaffClientOut(a.client_user_id, a.lead_id, a.client_name, a.client_email,
                             a.client_phone),
            place=StaffPlaceOut(a.format, a.meeting_url, a.location_text),
            payment=StaffPaymentStateOut(a.payment_state, f"{a.amount_paid:.2f}",
                                    f"{a.amount_refunded:.2f}", a.currency),
            intake=a.intake,
        )  # fmt: skip


class StaffDayOut(msgspec.Struct):
    items: list[StaffDayItemOut]
    next_cursor: str | None


class StaffHistoryOut(msgspec.Struct):
    at: datetime
    kind: str
    what: str
    detail: dict[str, Any]


class StaffRecordOut(msgspec.Struct):
    appointment: StaffDayItemOut
    created_at: datetime
    hold_expires_at: datetime | None
    cancel_reason: str | None
    canceled_at: datetime | None
    rescheduled_from_id: uuid.UUID | None
    rescheduled_to_id: uuid.UUID | None
    reminders_sent: list[str]
    metadata: dict[str, Any]
    version: int
    history: list[StaffHistoryOut]

    @classmethod
    def of(cls, r: AppointmentRecord) -> StaffRecordOut:
        return cls(
            appointment=StaffDayItemOut.of(r.appointment), created_at=r.created_at,
            hold_expires_at=r.hold_expires_at, cancel_reason=r.cancel_reason,
            canceled_at=r.canceled_at, rescheduled_from_id=r.rescheduled_from_id,
            rescheduled_to_id=r.rescheduled_to_id, reminders_sent=r.reminders_sent,
            metadata=r.metadata, version=r.version,
            history=[StaffHistoryOut(h.at, h.kind, h.what, h.detail) for h in r.history],
        )  # fmt: skip


class StaffNewClientIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    email: EmailAddress | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class StaffBookingIn(msgspec.Struct, forbid_unknown_fields=True):
    service_id: uuid.UUID
    start_at: datetime
    format: Literal["online", "offline"]
    payment: Literal["none", "link"]
    """none: confirmed now (paid outside the site); link: held, the client gets a pay link"""
    client_user_id: uuid.UUID | None = None
    new_client: StaffNewClientIn | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    hold_hours: Annotated[int, msgspec.Meta(ge=1, le=72)] = 24


class StaffBookedOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    start_at: datetime
    end_at: datetime
    lead_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    confirmation_url: str | None
    hold_expires_at: datetime | None

    @classmethod
    def of(cls, b: StaffBooked) -> StaffBookedOut:
        a = b.appointment
        return cls(a.id, a.status.value, a.session.start, a.session.end, b.lead_id,
                   b.payment_id, b.confirmation_url, a.hold_expires_at)  # fmt: skip


class ScheduleExceptionOut(msgspec.Struct):
    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    kind: str
    reason: str | None
    version: int


class ScheduleExceptionsOut(msgspec.Struct):
    items: list[ScheduleExceptionOut]


def _rule_out(r: ScheduleRuleView) -> RuleOut:
    return msgspec.convert(r, RuleOut, from_attributes=True)


def _exception_out(e: ScheduleExceptionView) -> ScheduleExceptionOut:
    return msgspec.convert(e, ScheduleExceptionOut, from_attributes=True)


class StaffDayController(Controller):
    """Owner and assistant (checked in the use cases); reads of contacts and writes audited."""

    path = "/api/v1/admin"
    tags = ["admin: booking"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/appointments", summary="Appointments in a range (≤ 31 days), paged; audited")
    async def appointments(
        self, principal: NamedDependency[Principal], staff_day: NamedDependency[StaffDay],
        from_: Annotated[datetime, QueryParameter(name="from")],
        to: Annotated[datetime, QueryParameter(name="to")],
        status: Annotated[str | None, QueryParameter(name="status", max_length=32)] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)] = 50,
        cursor: Annotated[str | None, QueryParameter(name="cursor", max_length=64)] = None,
    ) -> StaffDayOut:  # fmt: skip
        window = TimeRange(_aware(from_, "from"), _aware(to, "to"))
        page = await staff_day.day(principal, window, status, decode_cursor(cursor), limit)
        last = page.items[-1].id if page.has_more and page.items else None
        return StaffDayOut(
            [StaffDayItemOut.of(a) for a in page.items],
            encode_cursor(last) if last else None,
        )

    @get("/appointments/{appointment_id:uuid}",
         summary="One appointment with its history; audited")  # fmt: skip
    async def appointment(
        self, appointment_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        staff_day: NamedDependency[StaffDay],
    ) -> StaffRecordOut:  # fmt: skip
        return StaffRecordOut.of(await staff_day.record(principal, appointment_id))

    @post("/appointments", status_code=HTTP_201_CREATED,
          summary="Book a free time for a client or a new person; audited")  # fmt: skip
    async def book(
        self, data: JSONBody[StaffBookingIn], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> StaffBookedOut:  # fmt: skip
        contact = (
            GuestContact(data.new_client.name, data.new_client.email, data.new_client.phone)
            if data.new_client else None
        )  # fmt: skip
        request = StaffBookingRequest(
            service_id=data.service_id, start_at=_aware(data.start_at, "start_at"),
            format=data.format, payment=data.payment, client_user_id=data.client_user_id,
            new_client=contact, timezone=data.timezone, hold=timedelta(hours=data.hold_hours),
        )  # fmt: skip
        return StaffBookedOut.of(await booking.staff_booking.book(principal, request))

    @put("/schedule-rules/{rule_id:uuid}",
         summary="Change weekly working hours; send If-Match: <version>")  # fmt: skip
    async def update_rule(
        self, rule_id: FromPath[uuid.UUID], data: JSONBody[RuleIn],
        principal: NamedDependency[Principal], booking: NamedDependency[Booking],
        if_match: IfMatch = None,
    ) -> RuleOut:  # fmt: skip
        if data.end_time <= data.start_time:
            raise ValidationFailed("must be after start_time", field="end_time")
        rule = WeeklyRule(
            weekday=data.weekday, start=data.start_time, end=data.end_time,
            timezone=data.timezone, valid_from=data.valid_from, valid_to=data.valid_to,
            service_id=data.service_id,
        )  # fmt: skip
        updated = await booking.schedule.update_rule(principal, rule_id, rule, _if_match(if_match))
        return _rule_out(updated)

    @get("/schedule-exceptions", summary="Closed periods and extra hours in a range (≤ 400 days)")
    async def exceptions(
        self, principal: NamedDependency[Principal], booking: NamedDependency[Booking],
        from_: Annotated[datetime, QueryParameter(name="from")],
        to: Annotated[datetime, QueryParameter(name="to")],
    ) -> ScheduleExceptionsOut:  # fmt: skip
        window = TimeRange(_aware(from_, "from"), _aware(to, "to"))
        items = await booking.schedule.exceptions(principal, window)
        return ScheduleExceptionsOut([_exception_out(e) for e in items])

    @put("/schedule-exceptions/{exception_id:uuid}",
         summary="Change an exception; send If-Match: <version>")  # fmt: skip
    async def update_exception(
        self, exception_id: FromPath[uuid.UUID], data: JSONBody[ExceptionIn],
        principal: NamedDependency[Principal], booking: NamedDependency[Booking],
        if_match: IfMatch = None,
    ) -> ScheduleExceptionOut:  # fmt: skip
        period = TimeRange(_aware(data.start_at, "start_at"), _aware(data.end_at, "end_at"))
        updated = await booking.schedule.update_exception(
            principal, exception_id, ScheduleException(period, data.kind), data.reason,
            _if_match(if_match),
        )  # fmt: skip
        return _exception_out(updated)


STAFF_DAY_CONTROLLERS = [StaffDayController]
