"""Booking: services, slots, holds, client and staff actions, intake, waitlist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.adapters.http.appointment_places import PLACE_CONTROLLERS
from app.adapters.http.booking import BOOKING_CONTROLLERS
from app.adapters.http.booking_staff import STAFF_DAY_CONTROLLERS
from app.adapters.postgres.booking import PostgresBookingRepos
from app.adapters.postgres.booking_staff import PostgresStaffDayViews
from app.adapters.postgres.crm import PostgresLeadStore
from app.adapters.postgres.payments import PostgresBookingPayments
from app.adapters.postgres.session import Session
from app.application.booking.staff_day import StaffDay
from app.application.booking.transactions import RefusedStart, SlotQuery
from app.application.booking.use_cases import Booking, BookingConfig, build_booking
from app.application.payments.links import ProviderLinks
from app.application.recent_reads import RecentReads
from app.application.scheduler import PeriodicJob
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, on, provide
from app.config import Settings
from app.domain.booking.appointment import (
    APPOINTMENT_EVENTS,
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
)

if TYPE_CHECKING:
    from app.adapters.google_calendar.gateway import GoogleCalendarGateway

# The name a write that changes free time announces to the other processes.
SLOTS_MEMORY = "slots"
# Defaults also seeded in system_settings (booking.hold_minutes, reminder offsets).
HOLD_MINUTES = 15
REMINDER_OFFSETS_HOURS = (24, 2)


@dataclass(frozen=True, slots=True)
class BookingContext:
    booking: Booking
    calendar_health: Callable[[], str]
    wiring: Wiring
    slot_lists: RecentReads[SlotQuery, list[datetime]]
    refused_starts: RecentReads[RefusedStart, bool]


def booking_repos(settings: Settings, session: Session) -> PostgresBookingRepos:
    """Booking's repositories with the payments and CRM sides it works with."""
    payments = PostgresBookingPayments(
        session, settings.public_base_url, settings.payments_provider,
        receipts=settings.yookassa_receipts,
    )  # fmt: skip
    return PostgresBookingRepos(session, payments, leads=PostgresLeadStore(session))


def build_booking_context(
    infra: Infrastructure,
    calendar: GoogleCalendarGateway | None,
    payment_links: ProviderLinks | None,
) -> BookingContext:
    settings = infra.settings

    def repos(session: Session) -> PostgresBookingRepos:
        return booking_repos(settings, session)

    slot_lists: RecentReads[SlotQuery, list[datetime]] = RecentReads(
        settings.slots_cache_seconds, list, name=SLOTS_MEMORY,
        invalidation=infra.memory_invalidation,
    )  # fmt: skip
    # Holds refused because the start was taken; forgotten with the slot lists (one
    # name, so one announcement from another process forgets both).
    refused_starts: RecentReads[RefusedStart, bool] = RecentReads(
        settings.slots_cache_seconds, bool, name=SLOTS_MEMORY
    )
    booking = build_booking(
        infra.unit_of_work(repos),
        infra.clock,
        BookingConfig(
            hold_minutes=HOLD_MINUTES,
            reminder_offsets_hours=REMINDER_OFFSETS_HOURS,
            public_base_url=settings.public_base_url,
            site_links=settings.site_links,
        ),
        calendar,
        payment_links,
        slot_lists,
        refused_starts,
    )
    staff_day = StaffDay(infra.unit_of_work(PostgresStaffDayViews))

    def calendar_health() -> str:
        if calendar is None:
            return "disabled"
        return calendar.problem or "ok"

    async def expire_holds(now: datetime) -> None:
        await booking.jobs.expire_holds(now)

    async def send_reminders(now: datetime) -> None:
        await booking.jobs.send_reminders(now)

    async def remind_remainders(now: datetime) -> None:
        await booking.remainders.send_reminders(now)

    async def expire_offers(now: datetime) -> None:
        await booking.waitlist.expire_offers(now)

    messages, reactions, waitlist = booking.messages, booking.calendar, booking.waitlist
    return BookingContext(
        booking=booking,
        calendar_health=calendar_health,
        slot_lists=slot_lists,
        refused_starts=refused_starts,
        wiring=Wiring(
            subscriptions=(
                # The calendar first: its Meet link goes into the confirmation.
                on(AppointmentConfirmed, "booking.calendar_add", reactions.calendar_add),
                on(AppointmentConfirmed, "booking.email_confirmed", messages.on_confirmed),
                on(AppointmentCanceled, "booking.email_canceled", messages.on_canceled),
                on(AppointmentRescheduled, "booking.email_rescheduled", messages.on_rescheduled),
                on(AppointmentCanceled, "booking.calendar_remove", reactions.calendar_remove),
                on(AppointmentRescheduled, "booking.calendar_remove", reactions.calendar_remove),
                on(AppointmentCanceled, "booking.waitlist_offer", waitlist.offer_freed_slot),
                on(AppointmentRescheduled, "booking.waitlist_offer", waitlist.offer_freed_slot),
            ),
            events=tuple(APPOINTMENT_EVENTS),
            jobs=(
                PeriodicJob("booking.waitlist_offers", timedelta(minutes=15), expire_offers),
                PeriodicJob("booking.expire_holds", timedelta(minutes=1), expire_holds),
                PeriodicJob("booking.reminders", timedelta(minutes=5), send_reminders),
                PeriodicJob(
                    "booking.remainder_reminders", timedelta(minutes=15), remind_remainders
                ),
            ),
            controllers=(*BOOKING_CONTROLLERS, *PLACE_CONTROLLERS, *STAFF_DAY_CONTROLLERS),
            dependencies={
                "booking": provide(booking),
                "staff_day": provide(staff_day),
            },
        ),
    )
