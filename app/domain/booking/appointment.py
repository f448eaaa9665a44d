"""The Appointment aggregate and its lifecycle.

    pending_payment ──confirm──▶ confirmed ──complete──▶ completed
          │                          │  └──no_show────▶ no_show
          ├──cancel / expire_hold──▶ canceled ◀──cancel──┤
          └──reschedule─────────▶ rescheduled ◀──reschedule┘

Every transition records an event; an illegal one raises ``InvalidState``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from app.domain.booking.place import Place
from app.domain.errors import InvalidState
from app.domain.shared.events import Aggregate, DomainEvent
from app.domain.shared.ids import new_id
from app.domain.shared.money import Money
from app.domain.shared.time_range import TimeRange


class AppointmentStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELED = "canceled"
    RESCHEDULED = "rescheduled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


LIVE = frozenset({AppointmentStatus.PENDING_PAYMENT, AppointmentStatus.CONFIRMED})


class _AppointmentEvent(DomainEvent, frozen=True, kw_only=True):
    aggregate_type: ClassVar[str] = "appointment"


class AppointmentHeld(_AppointmentEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "booking.appointment_held"
    service_id: str
    start_at: datetime


class AppointmentConfirmed(_AppointmentEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "booking.appointment_confirmed"
    by_staff: bool = False


class AppointmentCanceled(_AppointmentEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "booking.appointment_canceled"
    reason: str
    refund_amount: str
    currency: str


class AppointmentRescheduled(_AppointmentEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "booking.appointment_rescheduled"
    new_appointment_id: str


class AppointmentCompleted(_AppointmentEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "booking.appointment_completed"


class AppointmentNoShow(_AppointmentEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "booking.appointment_no_show"


APPOINTMENT_EVENTS: tuple[type[DomainEvent], ...] = (
    AppointmentHeld, AppointmentConfirmed, AppointmentCanceled, AppointmentRescheduled,
    AppointmentCompleted, AppointmentNoShow,
)  # fmt: skip


@dataclass
class Appointment(Aggregate):
    id: uuid.UUID
    service_id: uuid.UUID
    client_user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    session: TimeRange
    blocked: TimeRange
    timezone: str
    format: str
    status: AppointmentStatus
    created_at: datetime
    hold_expires_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    manage_token_hash: bytes | None = None
    cancel_reason: str | None = None
    canceled_at: datetime | None = None
    canceled_by: uuid.UUID | None = None
    rescheduled_from_id: uuid.UUID | None = None
    reminders_sent: tuple[str, ...] = ()
    external_calendar_event_id: str | None = None
    meeting_url: str | None = None
    location_text: str | None = None
    contact_identity_id: uuid.UUID | None = None
    """The e-mail identity given with this booking: messages about it go there only."""
    version: int = 1

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    def _event_base(self, now: datetime) -> dict[str, Any]:
        return {"event_id": new_id(), "occurred_at": now, "aggregate_id": str(self.id)}

    @classmethod
    def hold(
        cls,
        *,
        service_id: uuid.UUID,
        client_user_id: uuid.UUID | None,
        lead_id: uuid.UUID | None,
        session: TimeRange,
        blocked: TimeRange,
        timezone: str,
        format_: str,
        now: datetime,
        hold_until: datetime,
        metadata: dict[str, Any] | None = None,
        manage_token_hash: bytes | None = None,
        rescheduled_from_id: uuid.UUID | None = None,
        contact_identity_id: uuid.UUID | None = None,
        place: Place | None = None,
    ) -> Appointment:
        if client_user_id is None and lead_id is None:
            raise InvalidState("An appointment belongs to a client or a guest.")
        appointment = cls(
            id=new_id(), service_id=service_id, client_user_id=client_user_id, lead_id=lead_id,
            session=session, blocked=blocked, timezone=timezone, format=format_,
            status=AppointmentStatus.PENDING_PAYMENT, created_at=now, hold_expires_at=hold_until,
            metadata=metadata or {}, manage_token_hash=manage_token_hash,
            rescheduled_from_id=rescheduled_from_id, contact_identity_id=contact_identity_id,
            meeting_url=place.meeting_url if place else None,
            location_text=place.location_text if place else None,
        )  # fmt: skip
        appointment.record(
            AppointmentHeld(
                **appointment._event_base(now), service_id=str(service_id), start_at=session.start
            )
        )
        return appointment

    def _require(self, *allowed: AppointmentStatus) -> None:
        if self.status not in allowed:
            raise InvalidState(f"Not possible for a {self.status.value} appointment.")

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    def confirm(self, now: datetime, *, by_staff: bool = False) -> None:
        self._require(AppointmentStatus.PENDING_PAYMENT)
        self.status = AppointmentStatus.CONFIRMED
        self.hold_expires_at = None
        self.record(AppointmentConfirmed(**self._event_base(now), by_staff=by_staff))

    def cancel(
        self, now: datetime, *, reason: str, by: uuid.UUID | None, refund: Money | None = None
    ) -> None:
        self._require(AppointmentStatus.PENDING_PAYMENT, AppointmentStatus.CONFIRMED)
        self.status = AppointmentStatus.CANCELED
        self.cancel_reason = reason
        self.canceled_at = now
        self.canceled_by = by
        amount = refund or Money.zero()
        self.record(
            AppointmentCanceled(
                **self._event_base(now),
                reason=reason,
                refund_amount=str(amount),
                currency=amount.currency,
            )
        )

    def expire_hold(self, now: datetime) -> None:
        self._require(AppointmentStatus.PENDING_PAYMENT)
        if self.hold_expires_at is None or self.hold_expires_at > now:
            raise InvalidState("The hold has not expired yet.")
        self.cancel(now, reason="hold_expired", by=None)

    def mark_rescheduled(self, now: datetime, new_appointment_id: uuid.UUID) -> None:
        self._require(AppointmentStatus.PENDING_PAYMENT, AppointmentStatus.CONFIRMED)
        self.status = AppointmentStatus.RESCHEDULED
        self.record(
            AppointmentRescheduled(
                **self._event_base(now), new_appointment_id=str(new_appointment_id)
            )
        )

    @property
    def place(self) -> Place:
        return Place(meeting_url=self.meeting_url, location_text=self.location_text)

    def change_place(self, place: Place) -> bool:
        """Staff set where a live session happens; False when nothing changed."""
        self._require(AppointmentStatus.PENDING_PAYMENT, AppointmentStatus.CONFIRMED)
        if place == self.place:
            return False
        self.meeting_url, self.location_text = place.meeting_url, place.location_text
        return True

    def complete(self, now: datetime) -> None:
        self._require(AppointmentStatus.CONFIRMED)
        if now < self.session.start:
            raise InvalidState("A session can be completed once it has started.")
        self.status = AppointmentStatus.COMPLETED
        self.record(AppointmentCompleted(**self._event_base(now)))

    def mark_no_show(self, now: datetime) -> None:
        self._require(AppointmentStatus.CONFIRMED)
        if now < self.session.start:
            raise InvalidState("A no-show can be recorded once the session has started.")
        self.status = AppointmentStatus.NO_SHOW
        self.record(AppointmentNoShow(**self._event_base(now)))

    def belongs_to(self, user_id: uuid.UUID | None, manage_token_hash: bytes | None) -> bool:
        if user_id is not None and self.client_user_id == user_id:
            return True
        return (
            manage_token_hash is not None
            and self.manage_token_hash is not None
            and manage_token_hash == self.manage_token_hash
        )
