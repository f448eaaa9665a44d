"""The owner's day and one appointment's whole record, as staff see them: who comes
(name and contact: personal data, so every read is audited), for which service, online
or where, whether it is paid, whether an intake form waits to be read; the record adds
its history (status changes, reschedules, payments, refunds, messages, staff actions)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import msgspec

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.booking.callers import BOOKING_STAFF
from app.application.ports import UnitOfWork
from app.application.transactions import in_transaction
from app.domain.errors import NotFound, ValidationFailed
from app.domain.shared.time_range import TimeRange

MAX_DAY_WINDOW = timedelta(days=31)
MAX_PAGE = 100


class DayAppointment(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the owner's day."""

    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    status: str
    format: str
    timezone: str
    service_id: uuid.UUID
    service_slug: str
    service_title: str
    client_user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    client_name: str | None
    client_email: str | None
    client_phone: str | None
    meeting_url: str | None
    location_text: str | None
    amount_paid: Decimal
    amount_refunded: Decimal
    payment_open: bool
    currency: str
    intake_status: str | None
    """None (no form), "draft" or "submitted"."""
    intake_viewed: bool | None

    @property
    def payment_state(self) -> str:
        return payment_state(self.amount_paid, self.amount_refunded, self.payment_open)

    @property
    def intake(self) -> str:
        return intake_state(self.intake_status, self.intake_viewed)


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    """Something that happened to the appointment; ``detail`` holds P0 values only."""

    at: datetime
    kind: str
    """event | payment | refund | message | staff"""
    what: str
    detail: dict[str, Any]


class AppointmentRecord(msgspec.Struct, frozen=True, kw_only=True):
    appointment: DayAppointment
    created_at: datetime
    hold_expires_at: datetime | None
    cancel_reason: str | None
    canceled_at: datetime | None
    rescheduled_from_id: uuid.UUID | None
    rescheduled_to_id: uuid.UUID | None
    reminders_sent: list[str]
    metadata: dict[str, Any]
    version: int
    history: list[HistoryEntry]


class DayPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DayAppointment]
    has_more: bool


def payment_state(paid: Decimal, refunded: Decimal, open_payment: bool) -> str:
    """paid, partially_refunded, refunded, pending (a payment waits) or none."""
    if paid > 0:
        if refunded >= paid:
            return "refunded"
        return "partially_refunded" if refunded > 0 else "paid"
    return "pending" if open_payment else "none"


def intake_state(status: str | None, viewed: bool | None) -> str:
    """missing (none or a draft), waiting (submitted, not read since) or viewed."""
    if status != "submitted":
        return "missing"
    return "viewed" if viewed else "waiting"


class StaffDayViews(Protocol):
    async def day(
        self, window: TimeRange, status: str | None, after: uuid.UUID | None, limit: int
    ) -> list[DayAppointment]: ...

    async def record(self, appointment_id: uuid.UUID) -> AppointmentRecord | None: ...


StaffDayUoW = UnitOfWork[StaffDayViews]


class StaffDay:
    def __init__(self, uow: Callable[[], StaffDayUoW]) -> None:
        self._uow = uow

    async def day(
        self, actor: Principal, window: TimeRange, status: str | None,
        after: uuid.UUID | None, limit: int,
    ) -> DayPage:  # fmt: skip
        """Appointments starting in ``window`` (≤ 31 days) by start time, one page; the
        read of the clients' contacts is audited with the ids shown."""
        ensure_roles(actor, *BOOKING_STAFF)
        if window.end <= window.start:
            raise ValidationFailed("'to' must be after 'from'", field="to")
        if window.end - window.start > MAX_DAY_WINDOW:
            raise ValidationFailed("at most 31 days per request", field="to")
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE}", field="limit")

        async def work(uow: StaffDayUoW) -> DayPage:
            rows = await uow.repos.day(window, status, after, limit + 1)
            page = DayPage(items=rows[:limit], has_more=len(rows) > limit)
            await audit_action(
                uow, actor, "appointment.list", "appointment",
                f"{window.start.isoformat()}/{window.end.isoformat()}",
                {"appointment_ids": [str(a.id) for a in page.items]},
            )  # fmt: skip
            return page

        return await in_transaction(self._uow, work)

    async def record(self, actor: Principal, appointment_id: uuid.UUID) -> AppointmentRecord:
        """One appointment with its history; the read is audited."""
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: StaffDayUoW) -> AppointmentRecord:
            found = await uow.repos.record(appointment_id)
            if found is None:
                raise NotFound()
            await audit_action(uow, actor, "appointment.read", "appointment", str(appointment_id))
            return found

        return await in_transaction(self._uow, work)
