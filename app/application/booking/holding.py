"""Holding a slot: the appointment waits for its payment; a retry with the same
Idempotency-Key gets the same hold back, a different request under that key is refused."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import structlog

from app.application.booking.callers import Caller, who_books
from app.application.booking.hot_starts import HotStarts
from app.application.booking.messages import appointment_link
from app.application.booking.ports import CalendarGateway, GuestContact
from app.application.booking.read_models import RememberedHold
from app.application.booking.slot_check import SlotCheck
from app.application.booking.slots import external_busy, published
from app.application.booking.transactions import (
    BookingTransactions,
    BookingUoW,
    RefusedStart,
)
from app.application.ports import Clock
from app.domain.booking.appointment import Appointment
from app.domain.booking.place import place_at_booking
from app.domain.booking.service import Service
from app.domain.errors import NotFound, SlotUnavailable, ValidationFailed
from app.domain.identity.tokens import token_hash
from app.domain.payments.payment import DEPOSIT, FULL
from app.domain.shared.links import SiteLinks
from app.domain.shared.privacy import ensure_p0
from app.domain.shared.time_range import TimeRange

logger = structlog.get_logger(__name__)

MAX_HOLD_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class HoldRequest:
    service_slug: str
    start_at: datetime
    format: str
    timezone: str
    contact: GuestContact | None = None
    consents: tuple[tuple[str, bool, str], ...] = ()
    metadata: dict[str, Any] | None = None
    offer_token: str | None = None
    """The token of a waitlist offer's link: takes the slot kept for that offer."""


@dataclass(frozen=True, slots=True)
class HoldOutcome:
    """A held appointment with its payment; ``replayed`` when a retry got the first answer."""

    appointment: Appointment
    payment_id: uuid.UUID
    confirmation_url: str
    manage_token: str | None
    replayed: bool = False


class PaymentLinks(Protocol):
    async def confirmation_url(self, payment_id: uuid.UUID, return_url: str | None = None) -> str:
        """The provider's link for a payment recorded without one (after commit); the
        client comes back to ``return_url`` (default: the appointment's page)."""
        ...


class HeldMessages(Protocol):
    async def send_held(self, outcome: HoldOutcome) -> None:
        """Tell a guest what was held: the payment link and the manage link."""
        ...


def charge_kind(service: Service) -> str:
    """What the payment taken at booking is: the deposit when the service has one."""
    return DEPOSIT if service.deposit_amount else FULL


def request_hash(payload: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).digest()


async def hold_minutes(uow: BookingUoW, default: int) -> int:
    """``booking.hold_minutes`` from system settings (staff may change it)."""
    value = await uow.repos.settings.get("booking.hold_minutes")
    return value if isinstance(value, int) and 1 <= value <= MAX_HOLD_MINUTES else default


class HoldSlot:
    def __init__(
        self, tx: BookingTransactions, clock: Clock, default_hold_minutes: int,
        calendar: CalendarGateway | None = None, links: PaymentLinks | None = None,
        site: SiteLinks | None = None, held: HeldMessages | None = None,
    ) -> None:  # fmt: skip
        self._tx = tx
        self._clock = clock
        self._default_hold_minutes = default_hold_minutes
        self._calendar = calendar
        self._links = links
        self._site = site
        self._held = held
        self._hot = HotStarts(tx.refused_starts)

    async def hold(
        self, caller: Caller, request: HoldRequest, idempotency_key: str | None = None
    ) -> HoldOutcome:
        """Hold a slot and start its payment; a retry with the same key gets the same hold."""
        try:
            ZoneInfo(request.timezone)
        except (KeyError, ValueError):
            raise ValidationFailed("tz must be an IANA time zone", field="timezone") from None
        if request.metadata:
            ensure_p0(request.metadata, where="appointment metadata")
        async with self._hot.turn(
            self._refusal_key(caller, request), lambda: self._made(idempotency_key)
        ) as turn:
            outcome = await self._write(caller, request, idempotency_key)
            if not outcome.replayed:  # a replay's hold may since have been released
                self._hot.held(turn)
        if not outcome.confirmation_url and self._links is not None:
            # The held appointment and its payment row are committed; now the provider,
            # which sends the client back to the appointment's page after paying.
            back = (
                appointment_link(self._site, outcome.appointment, outcome.manage_token)
                if self._site else None
            )  # fmt: skip
            url = await self._links.confirmation_url(outcome.payment_id, back)
            outcome = HoldOutcome(
                outcome.appointment, outcome.payment_id, url, outcome.manage_token,
                outcome.replayed,
            )  # fmt: skip
        if self._held is not None and outcome.manage_token and not outcome.replayed:
            await self._held.send_held(outcome)
        return outcome

    async def _write(
        self, caller: Caller, request: HoldRequest, idempotency_key: str | None
    ) -> HoldOutcome:
        day = timedelta(days=1)
        external = await external_busy(
            self._calendar, TimeRange(request.start_at - day, request.start_at + day)
        )
        fingerprint = request_hash(
            {"request": request.__repr__(), "user": str(caller.principal.user_id)
             if caller.principal else None}
        )  # fmt: skip

        async def work(uow: BookingUoW) -> HoldOutcome:
            if idempotency_key is not None:
                known = await uow.repos.idempotency.find_hold(idempotency_key)
                if known is not None:
                    return await self._replay(uow, known, fingerprint)
            outcome = await self._hold(uow, caller, request, external)
            if idempotency_key is not None:
                await uow.repos.idempotency.remember_hold(
                    idempotency_key,
                    RememberedHold(
                        request_hash=fingerprint, appointment_id=outcome.appointment.id,
                        payment_id=outcome.payment_id,
                        confirmation_url=outcome.confirmation_url,
                        manage_token=outcome.manage_token,
                    ),
                )  # fmt: skip
            return outcome

        return await self._tx.write(work)

    @staticmethod
    def _refusal_key(caller: Caller, request: HoldRequest) -> RefusedStart | None:
        """What a refusal is remembered by; a hold with a waitlist offer's token takes a
        slot kept for it, so it is never answered from memory."""
        if request.offer_token is not None:
            return None
        return (request.service_slug, request.start_at, request.format, caller.user_id)

    async def _made(self, idempotency_key: str | None) -> bool:
        """Whether a hold was made under this key (its retry gets it back)."""
        if idempotency_key is None:
            return False

        async def work(uow: BookingUoW) -> bool:
            return await uow.repos.idempotency.find_hold(idempotency_key) is not None

        return await self._tx.read(work)

    @staticmethod
    async def _taken_offer(
        uow: BookingUoW, request: HoldRequest, window: TimeRange, now: datetime
    ) -> uuid.UUID | None:
        """The standing offer this hold takes with the offer link's token, if any."""
        if not request.offer_token:
            return None
        digest = token_hash(request.offer_token)
        offers = await uow.repos.waitlist.standing_offers(window, now)
        return next((o.id for o in offers if o.offer_token_hash == digest), None)

    @staticmethod
    async def _replay(uow: BookingUoW, known: RememberedHold, fingerprint: bytes) -> HoldOutcome:
        if known.request_hash != fingerprint:
            raise ValidationFailed(
                "this Idempotency-Key was used for a different request", field="Idempotency-Key"
            )
        appointment = await uow.repos.appointments.get(known.appointment_id)
        if appointment is None:
            raise NotFound()
        return HoldOutcome(
            appointment, known.payment_id, known.confirmation_url, known.manage_token,
            replayed=True,
        )  # fmt: skip

    async def _hold(
        self, uow: BookingUoW, caller: Caller, request: HoldRequest, external: list[TimeRange]
    ) -> HoldOutcome:
        now = self._clock.now()
        service = await published(uow, request.service_slug)
        if request.format not in ("online", "offline"):
            raise ValidationFailed("format must be online or offline", field="format")
        if service.format not in ("hybrid", request.format):
            raise ValidationFailed(f"this service is {service.format} only", field="format")
        check = await SlotCheck.load(
            uow, service.id, service.slot_rules, request.start_at, external=external,
            user_id=caller.user_id, offer_token=request.offer_token,
        )  # fmt: skip
        # A time already taken is refused before queueing on the calendar lock, so a
        # crowd racing for one hot slot does not wait behind the winner; the check under
        # the lock (and the exclusion constraint) stays the guarantee.
        if not await check.bookable(uow, now):
            raise SlotUnavailable()
        await uow.repos.appointments.lock_calendar()
        if not await check.bookable(uow, now):
            raise SlotUnavailable()
        booker = await who_books(uow, caller, request.contact, request.consents)
        manage_token = booker.manage_token
        minutes = await hold_minutes(uow, self._default_hold_minutes)
        appointment = Appointment.hold(
            service_id=service.id, client_user_id=booker.user_id, lead_id=booker.lead_id,
            contact_identity_id=booker.contact_identity_id, session=check.session,
            blocked=check.blocked, timezone=request.timezone, format_=request.format, now=now,
            hold_until=now + timedelta(minutes=minutes), metadata=request.metadata,
            manage_token_hash=token_hash(manage_token) if manage_token else None,
            place=place_at_booking(request.format, service.meeting_url, service.address),
        )  # fmt: skip
        await uow.repos.appointments.add(appointment)
        taken = await self._taken_offer(uow, request, check.window, now)
        await uow.repos.waitlist.fulfil(service.id, booker.user_id, booker.lead_id, taken)
        payment = await uow.repos.payments.start(
            appointment, service.charge, service.title, charge_kind(service)
        )
        logger.info("appointment_held", appointment_id=str(appointment.id))
        return HoldOutcome(appointment, payment.payment_id, payment.confirmation_url, manage_token)
