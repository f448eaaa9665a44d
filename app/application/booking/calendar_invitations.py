"""The calendar invitation an appointment's e-mail carries, so the client's own calendar
follows it: added when confirmed, moved on reschedule, removed on cancel.

A reschedule makes a new appointment (``rescheduled_from_id`` points back), so the event
is named after the first appointment of the chain and its sequence counts the moves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from app.application.booking.transactions import BookingUoW
from app.domain.booking.appointment import Appointment, AppointmentStatus
from app.domain.notifications.calendar_invitation import (
    CalendarInvitation,
    InvitationMethod,
    invitation_sequence,
    invitation_uid,
)

Change = Literal["confirmed", "rescheduled", "canceled"]
DEFAULT_SUMMARY = "Консультация"
_MAX_CHAIN = 1000  # a guard against a cycle in bad data, far beyond any real chain


def was_confirmed(appointment: Appointment) -> bool:
    """Whether the client ever had this appointment confirmed (so their calendar may
    hold it): confirming clears the hold's expiry, and nothing sets it again."""
    if appointment.status is AppointmentStatus.PENDING_PAYMENT:
        return False
    return appointment.hold_expires_at is None


def site_host(site_url: str) -> str:
    """The host part of the site's address, which names the practice's events."""
    return urlsplit(site_url).hostname or "localhost"


async def _chain(uow: BookingUoW, appointment: Appointment) -> list[Appointment]:
    """``appointment`` and the ones it was moved from, newest first."""
    chain = [appointment]
    while chain[-1].rescheduled_from_id is not None and len(chain) < _MAX_CHAIN:
        previous = await uow.repos.appointments.get(chain[-1].rescheduled_from_id)
        if previous is None:
            break
        chain.append(previous)
    return chain


async def appointment_invitation(
    uow: BookingUoW, appointment: Appointment, change: Change, *, host: str, stamp: datetime
) -> CalendarInvitation | None:
    """The invitation to send with the message about ``change``, or None when the
    client's calendar has nothing to follow (a booking not yet paid, or a confirmation
    that is part of a move: the reschedule message carries that one)."""
    chain = await _chain(uow, appointment)
    method: InvitationMethod
    if change == "canceled":
        if not was_confirmed(appointment):
            return None
        method = "CANCEL"
    else:
        if appointment.status is not AppointmentStatus.CONFIRMED:
            return None
        if change == "confirmed" and len(chain) > 1 and was_confirmed(chain[1]):
            return None  # confirmed by moving a confirmed appointment
        method = "REQUEST"
    service = await uow.repos.services.get(appointment.service_id)
    return CalendarInvitation(
        uid=invitation_uid(chain[-1].id, host),
        sequence=invitation_sequence(len(chain) - 1, method),
        method=method,
        start=appointment.session.start,
        end=appointment.session.end,
        summary=service.title if service is not None else DEFAULT_SUMMARY,
        stamp=stamp,
        location=appointment.meeting_url,
        url=appointment.meeting_url,
    )
