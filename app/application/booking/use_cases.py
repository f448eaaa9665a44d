"""Booking's use cases built together over one unit-of-work factory: what the HTTP and
Telegram adapters, the event handlers and the jobs are given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.application.booking.client_actions import ClientActions
from app.application.booking.guest_links import GuestLinks
from app.application.booking.holding import HoldSlot, PaymentLinks
from app.application.booking.intake import IntakeForms
from app.application.booking.jobs import BookingJobs
from app.application.booking.payment_reactions import PaymentReactions
from app.application.booking.places import AppointmentPlaces
from app.application.booking.ports import CalendarGateway
from app.application.booking.reactions import AppointmentMessages, CalendarSync
from app.application.booking.remainder import RemainderPayments
from app.application.booking.slots import ServiceSlots
from app.application.booking.staff_appointments import StaffAppointments
from app.application.booking.staff_booking import StaffBooking
from app.application.booking.staff_schedule import StaffSchedule
from app.application.booking.transactions import (
    BookingTransactions,
    BookingUoW,
    RefusedStart,
    SlotQuery,
)
from app.application.booking.waitlist import Waitlist
from app.application.ports import Clock
from app.application.recent_reads import RecentReads
from app.domain.shared.links import SiteLinks


@dataclass(frozen=True, slots=True)
class BookingConfig:
    hold_minutes: int
    reminder_offsets_hours: tuple[int, ...]
    public_base_url: str
    practitioner_timezone: str = "Europe/Moscow"
    site_links: SiteLinks | None = None
    """The site's pages every message links to (built from ``public_base_url`` if None)."""


@dataclass(frozen=True, slots=True)
class Booking:
    slots: ServiceSlots
    holding: HoldSlot
    client: ClientActions
    schedule: StaffSchedule
    staff: StaffAppointments
    intake: IntakeForms
    waitlist: Waitlist
    jobs: BookingJobs
    messages: AppointmentMessages
    calendar: CalendarSync
    payments: PaymentReactions
    remainders: RemainderPayments
    places: AppointmentPlaces
    guest_links: GuestLinks
    practitioner_timezone: str
    """The zone the practice speaks in when a time is shown without the client's own."""
    staff_booking: StaffBooking


def build_booking(
    uow: Callable[[], BookingUoW], clock: Clock, config: BookingConfig,
    calendar: CalendarGateway | None = None, links: PaymentLinks | None = None,
    slot_lists: RecentReads[SlotQuery, list[datetime]] | None = None,
    refused_starts: RecentReads[RefusedStart, bool] | None = None,
) -> Booking:  # fmt: skip
    tx = BookingTransactions(uow, slot_lists, refused_starts)
    site = config.site_links or SiteLinks(config.public_base_url)
    guest_links = GuestLinks(tx, clock, site)
    return Booking(
        slots=ServiceSlots(tx, clock, calendar),
        holding=HoldSlot(tx, clock, config.hold_minutes, calendar, links, site, guest_links),
        client=ClientActions(tx, clock, config.hold_minutes),
        schedule=StaffSchedule(tx),
        staff=StaffAppointments(tx, clock, config.hold_minutes),
        intake=IntakeForms(tx),
        waitlist=Waitlist(tx, clock, site, config.practitioner_timezone),
        jobs=BookingJobs(tx, site, config.reminder_offsets_hours),
        messages=AppointmentMessages(tx, site),
        calendar=CalendarSync(tx, calendar, site),
        payments=PaymentReactions(tx, clock, links, site),
        remainders=RemainderPayments(tx, site, links),
        places=AppointmentPlaces(tx, site),
        guest_links=guest_links,
        practitioner_timezone=config.practitioner_timezone,
        staff_booking=StaffBooking(tx, clock, site, calendar, links),
    )
