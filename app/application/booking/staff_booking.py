"""Staff book a free time on behalf of a client (an existing account) or of a new person
(a manual lead made through the CRM): confirmed at once when paid outside the site (cash,
a transfer), or held with a payment link e-mailed to the client. Audited."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.booking.callers import BOOKING_STAFF, GUEST_LEAD_EVENT
from app.application.booking.holding import PaymentLinks, charge_kind
from app.application.booking.messages import queue_appointment_message
from app.application.booking.ports import CalendarGateway, GuestContact
from app.application.booking.practice_zone import practice_timezone
from app.application.booking.slot_check import SlotCheck
from app.application.booking.slots import external_busy
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock
from app.domain.booking.appointment import Appointment
from app.domain.booking.place import local_time_label, place_at_booking
from app.domain.errors import NotFound, SlotUnavailable, ValidationFailed
from app.domain.identity.model import new_token
from app.domain.identity.tokens import token_hash
from app.domain.shared.contact import Email, Phone
from app.domain.shared.links import SiteLinks
from app.domain.shared.time_range import TimeRange

logger = structlog.get_logger(__name__)

PaymentMode = Literal["none", "link"]
DEFAULT_LINK_HOLD = timedelta(hours=24)
MAX_LINK_HOLD = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class StaffBookingRequest:
    service_id: uuid.UUID
    start_at: datetime
    format: str
    payment: PaymentMode
    client_user_id: uuid.UUID | None = None
    new_client: GuestContact | None = None
    timezone: str | None = None
    """The client's zone for their messages; when not given, the account's own zone (an
    existing client) or the practice's (a new person)."""
    hold: timedelta = DEFAULT_LINK_HOLD
    """How long a payment link keeps the time (``payment="link"`` only)."""


@dataclass(frozen=True, slots=True)
class StaffBooked:
    appointment: Appointment
    lead_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    confirmation_url: str | None


def check_request(request: StaffBookingRequest) -> None:
    """Exactly one client, a valid contact for a new one, a sensible format and hold."""
    if (request.client_user_id is None) == (request.new_client is None):
        raise ValidationFailed("give client_user_id or new_client (one of them)", field="client")
    contact = request.new_client
    if contact is not None:
        if not contact.name.strip():
            raise ValidationFailed("a name is required", field="new_client.name")
        if contact.email is None and contact.phone is None:
            raise ValidationFailed("give an e-mail or a phone", field="new_client")
        if contact.email is not None:
            Email(contact.email)
        if contact.phone is not None:
            Phone(contact.phone)
    if request.format not in ("online", "offline"):
        raise ValidationFailed("format must be online or offline", field="format")
    if request.timezone is not None:
        try:
            ZoneInfo(request.timezone)
        except (KeyError, ValueError):
            raise ValidationFailed("must be an IANA time zone", field="timezone") from None
    if not timedelta(minutes=15) <= request.hold <= MAX_LINK_HOLD:
        raise ValidationFailed("a payment link holds the time 15 min to 72 h", field="hold_hours")


class StaffBooking:
    def __init__(
        self, tx: BookingTransactions, clock: Clock, site: SiteLinks,
        calendar: CalendarGateway | None = None, links: PaymentLinks | None = None,
    ) -> None:  # fmt: skip
        self._tx = tx
        self._clock = clock
        self._calendar = calendar
        self._links = links
        self._site = site

    async def book(self, actor: Principal, request: StaffBookingRequest) -> StaffBooked:
        ensure_roles(actor, *BOOKING_STAFF)
        check_request(request)
        day = timedelta(days=1)
        external = await external_busy(
            self._calendar, TimeRange(request.start_at - day, request.start_at + day)
        )

        async def work(uow: BookingUoW) -> tuple[StaffBooked, str | None]:
            return await self._book(uow, actor, request, external)

        booked, manage_token = await self._tx.write(work)
        if booked.payment_id is not None and not booked.confirmation_url and self._links:
            # The hold and its payment are committed; now the provider's link.
            url = await self._links.confirmation_url(booked.payment_id)
            booked = dataclasses.replace(booked, confirmation_url=url)
        if booked.payment_id is not None and booked.confirmation_url:
            await self._send_payment_link(booked, manage_token)
        return booked

    async def _book(
        self, uow: BookingUoW, actor: Principal, request: StaffBookingRequest,
        external: list[TimeRange],
    ) -> tuple[StaffBooked, str | None]:  # fmt: skip
        now = self._clock.now()
        service = await uow.repos.services.get(request.service_id)
        if service is None or service.status == "archived":
            raise NotFound()
        if service.format not in ("hybrid", request.format):
            raise ValidationFailed(f"this service is {service.format} only", field="format")
        # Staff book by phone or in person: the client-facing notice and horizon do not
        # apply; working hours, exceptions and other appointments do.
        rules = dataclasses.replace(
            service.slot_rules, min_notice=timedelta(0), horizon=timedelta(days=3650)
        )
        start = request.start_at
        # A slot a waitlist offer keeps is taken, except for the client it was offered to.
        check = await SlotCheck.load(
            uow, service.id, rules, start, external=external, user_id=request.client_user_id
        )
        if start <= now or not await check.bookable(uow, now):
            raise SlotUnavailable()
        await uow.repos.appointments.lock_calendar()
        if not await check.bookable(uow, now):
            raise SlotUnavailable()

        lead_id: uuid.UUID | None = None
        identity_id: uuid.UUID | None = None
        manage_token: str | None = None
        client_zone: str | None = None
        if request.client_user_id is not None:
            client_zone = await uow.repos.contacts.user_timezone(request.client_user_id)
            if client_zone is None:
                raise NotFound()
        else:
            assert request.new_client is not None  # noqa: S101 (checked above)
            lead = await uow.repos.leads.create(request.new_client, [], "staff", source="manual")
            await uow.repos.leads.add_event(lead.lead_id, GUEST_LEAD_EVENT)
            lead_id, identity_id, manage_token = lead.lead_id, lead.email_identity_id, new_token()
        # The client's messages speak in their zone: given, their account's, or the practice's.
        zone = request.timezone or client_zone or await practice_timezone(uow)
        appointment = Appointment.hold(
            service_id=service.id, client_user_id=request.client_user_id, lead_id=lead_id,
            contact_identity_id=identity_id, session=check.session, blocked=check.blocked,
            timezone=zone,
            format_=request.format, now=now, hold_until=now + request.hold,
            metadata={"entry_point": "staff", "payment": request.payment},
            manage_token_hash=token_hash(manage_token) if manage_token else None,
            place=place_at_booking(request.format, service.meeting_url, service.address),
        )  # fmt: skip
        await uow.repos.appointments.add(appointment)
        payment_id: uuid.UUID | None = None
        url: str | None = None
        if request.payment == "none":
            # Paid outside the site (cash, a transfer): confirmed now; the confirmation
            # message follows the event like any other confirmation.
            appointment.confirm(now, by_staff=True)
            await uow.repos.appointments.save(appointment)
        else:
            started = await uow.repos.payments.start(
                appointment, service.charge, service.title, charge_kind(service)
            )
            payment_id, url = started.payment_id, started.confirmation_url
        await audit_action(
            uow, actor, "appointment.staff_book", "appointment", str(appointment.id),
            {"payment": request.payment, "new_lead": lead_id is not None},
        )  # fmt: skip
        logger.info("appointment_booked_by_staff", appointment_id=str(appointment.id))
        return StaffBooked(appointment, lead_id, payment_id, url), manage_token

    async def _send_payment_link(self, booked: StaffBooked, manage_token: str | None) -> None:
        """The hold message with the payment link (and a guest's manage link)."""
        appointment = booked.appointment
        hold_until = appointment.hold_expires_at or appointment.session.start
        extra = {
            "payment_url": booked.confirmation_url or "",
            "hold_expires_local": local_time_label(hold_until, appointment.timezone),
        }

        async def work(uow: BookingUoW) -> None:
            await queue_appointment_message(
                uow, appointment, "booking.held", "held", self._site, extra,
                manage_token=manage_token,
            )  # fmt: skip

        await self._tx.read(work)
