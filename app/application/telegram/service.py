"""What the bot does for a person: welcome them by the deep link they came with, link
their account, help, and stop writing to them when asked.

Texts come from ``message_templates`` (channel ``telegram``), so staff edit the wording
without a deploy. An unknown or expired deep link is not an error to the person: they
get the ordinary welcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog

from app.application.access import Principal
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.use_cases import Booking
from app.application.crm.leads import join_telegram, lead_for_telegram
from app.application.crm.ports import LeadDirectory
from app.application.notifications import TemplateStore
from app.application.ports import Clock, NotificationRequest, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.booking.refunds import refund_sentence
from app.domain.booking.service import Service
from app.domain.errors import (
    Forbidden,
    InvalidState,
    NotFound,
    SlotUnavailable,
    ValidationFailed,
)
from app.domain.identity.errors import ContactInUse
from app.domain.notifications.templates import render_message
from app.domain.shared.crisis import mentions_crisis
from app.domain.telegram import deep_links
from app.domain.telegram.deep_links import start_url

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says, with inline buttons as (label, callback data) rows."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()


CONSENT_YES, CONSENT_NO = "consent:yes", "consent:no"
CANCEL_PREFIX, MOVE_PREFIX, MOVE_TO_PREFIX = "cancel:", "move:", "moveto:"
CONSENT_BUTTONS = (("Да, присылайте", CONSENT_YES), ("Нет, спасибо", CONSENT_NO))


@dataclass(frozen=True, slots=True)
class Visitor:
    """The person writing to the bot, as Telegram describes them."""

    telegram_user_id: int
    chat_id: int
    username: str | None
    language_code: str | None


class UsedLink(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def purpose(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def user_id(self) -> UUID | None: ...

    @property
    def lead_id(self) -> UUID | None: ...


class PendingLink(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def telegram_user_id(self) -> int: ...

    @property
    def telegram_username(self) -> str | None: ...

    @property
    def expires_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class LinkPreview:
    """What the account's owner sees before confirming: which Telegram opened the link."""

    telegram_username: str | None
    expires_at: datetime


class IssuedLink(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def purpose(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...


class TelegramDirectory(Protocol):
    async def remember_account(
        self, telegram_user_id: int, chat_id: int, username: str | None, language_code: str | None
    ) -> None: ...

    async def use_deep_link(self, code: str) -> UsedLink | None: ...

    async def owners(self, telegram_user_id: int) -> tuple[UUID | None, UUID | None]: ...

    @property
    def leads(self) -> LeadDirectory:
        """The CRM's lead directory, in the same transaction."""
        ...

    async def attach_lead(self, telegram_user_id: int, lead_id: UUID) -> None: ...

    async def save_deep_link(self, link: deep_links.NewDeepLink) -> IssuedLink: ...

    async def record_started(
        self, telegram_user_id: int, deep_link_code: str | None, purpose: str | None
    ) -> None: ...

    async def link_user(self, telegram_user_id: int, user_id: UUID) -> bool: ...

    async def stop(self, telegram_user_id: int) -> None: ...

    async def consent_state(self, telegram_user_id: int) -> tuple[bool, bool | None]: ...

    async def flag_crisis(self, telegram_user_id: int) -> None: ...

    async def linked_user(self, telegram_user_id: int) -> UUID | None: ...

    async def crisis_resources(self) -> dict[str, Any]: ...

    async def record_consent(self, telegram_user_id: int, granted: bool) -> bool: ...

    async def first_delivery_of_update(self, update_id: int) -> bool: ...

    async def claim_link(self, link_id: UUID, telegram_user_id: int) -> None: ...

    async def pending_link(self, code: str, user_id: UUID) -> PendingLink | None: ...

    async def confirm_link(self, link_id: UUID) -> None: ...

    async def account_owner(self, user_id: UUID) -> tuple[str | None, str | None]: ...


MAX_PAYLOAD_KEYS = 20
MAX_LISTED = 5
MAX_BUTTONS = 8
BOOK_PREFIX, SLOT_PREFIX = "book:", "slot:"
SLOT_HORIZON = timedelta(days=14)

LIVE_STATUSES = frozenset({"pending_payment", "confirmed"})
STATUS_WORDS = {"pending_payment": "ожидает оплаты", "confirmed": "подтверждена"}
TEMPLATE_BY_PURPOSE = {
    "plan": "bot.plan",
    "interactive_result": "bot.plan",
    "booking": "bot.booking_prompt",
    "campaign": "bot.welcome",
}


class TelegramBotService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork[TelegramDirectory]],
        templates: TemplateStore,
        public_base_url: str,
        bot_username: str | None = None,
        booking: Booking | None = None,
        *,
        clock: Clock,
    ) -> None:
        self._booking = booking
        self._clock = clock
        self._uow = uow
        self._templates = templates
        self._public_base_url = public_base_url
        self._bot_username = bot_username

    def start_url(self, code: str) -> str | None:
        """The t.me link for ``code``; None until ``TELEGRAM_BOT_USERNAME`` is set."""
        return start_url(self._bot_username, code) if self._bot_username else None

    async def issue_link(
        self, principal: Principal, purpose: str, payload: dict[str, Any]
    ) -> IssuedLink:
        """``POST /api/v1/deep-links``: a client's links carry them (``link_account`` links
        their Telegram); staff make unbound links for campaigns and materials."""
        deep_links.validate_purpose(purpose)
        if len(payload) > MAX_PAYLOAD_KEYS:
            raise ValidationFailed("the payload has too many fields", field="payload")
        if purpose == "campaign" and not principal.is_staff:
            raise Forbidden("Only staff make campaign links.")
        bound = purpose == "link_account" or not principal.is_staff

        async def work(uow: UnitOfWork[TelegramDirectory]) -> IssuedLink:
            link = deep_links.issue(
                purpose, payload, now=self._clock.now(),
                user_id=principal.user_id if bound else None,
            )  # fmt: skip
            return await uow.repos.save_deep_link(link)

        issued = await in_transaction(self._uow, work)
        logger.info("telegram_deep_link_issued", purpose=purpose)
        return issued

    async def url_for(
        self,
        purpose: str,
        payload: dict[str, Any],
        user_id: UUID | None,
        lead_id: UUID | None = None,
    ) -> str | None:
        """A deep link for a result page (a self-check's plan): the ``t.me`` URL, or None
        until ``TELEGRAM_BOT_USERNAME`` is set."""
        if self._bot_username is None:
            return None
        link = deep_links.issue(
            purpose, payload, now=self._clock.now(), user_id=user_id, lead_id=lead_id
        )

        async def work(uow: UnitOfWork[TelegramDirectory]) -> IssuedLink:
            return await uow.repos.save_deep_link(link)

        issued = await in_transaction(self._uow, work)
        return self.start_url(issued.code)

    async def first_delivery(self, update_id: int) -> bool:
        async def work(uow: UnitOfWork[TelegramDirectory]) -> bool:
            return await uow.repos.first_delivery_of_update(update_id)

        return await in_transaction(self._uow, work)

    async def start(self, visitor: Visitor, code: str | None) -> list[Reply]:
        """``/start [code]``: remember the person, count the link, answer by its purpose;
        a known person who has not said yes to Telegram messages is asked."""
        replies = [Reply(await self._start_text(visitor, code))]
        if await self._should_ask_consent(visitor):
            replies.append(Reply(await self._text("bot.consent_prompt"), CONSENT_BUTTONS))
        return replies

    async def press(self, visitor: Visitor, data: str) -> Reply | None:
        """An inline button; None for data no current button carries (a stale one)."""
        if data in (CONSENT_YES, CONSENT_NO):
            return Reply(await self.consent(visitor, data == CONSENT_YES))
        routes: tuple[tuple[str, Callable[[Visitor, str], Awaitable[Reply]]], ...] = (
            (CANCEL_PREFIX, self.cancel),
            (MOVE_PREFIX, self.reschedule),
            (MOVE_TO_PREFIX, self.reschedule_to),
            (BOOK_PREFIX, self.book_service),
            (SLOT_PREFIX, self.book_slot),
        )
        for prefix, handle in routes:
            if data.startswith(prefix):
                return await handle(visitor, data)
        return None

    async def consent(self, visitor: Visitor, granted: bool) -> str:
        """The answer to the consent prompt, recorded as a ``telegram`` consent."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> bool:
            return await uow.repos.record_consent(visitor.telegram_user_id, granted)

        if not await in_transaction(self._uow, work):
            return await self._text("bot.welcome")
        logger.info("telegram_consent_recorded", granted=granted)
        return await self._text("bot.consent_thanks" if granted else "bot.stopped")

    async def _should_ask_consent(self, visitor: Visitor) -> bool:
        async def work(uow: UnitOfWork[TelegramDirectory]) -> tuple[bool, bool | None]:
            return await uow.repos.consent_state(visitor.telegram_user_id)

        known, consent = await in_transaction(self._uow, work)
        return known and consent is not True

    async def _start_text(self, visitor: Visitor, code: str | None) -> str:

        async def work(uow: UnitOfWork[TelegramDirectory]) -> UsedLink | None:
            await uow.repos.remember_account(
                visitor.telegram_user_id, visitor.chat_id, visitor.username, visitor.language_code
            )
            used = await uow.repos.use_deep_link(code) if code else None
            if used is not None and used.purpose == "link_account" and used.user_id is not None:
                await uow.repos.claim_link(used.id, visitor.telegram_user_id)
            await _lead_of(uow.repos, visitor.telegram_user_id, used)
            await uow.repos.record_started(
                visitor.telegram_user_id, code if used else None, used.purpose if used else None
            )
            return used

        link = await in_transaction(self._uow, work)
        log = logger.bind(purpose=link.purpose if link else None)
        if code and link is None:
            log.info("telegram_deep_link_unknown")
        if link is None:
            return await self._text("bot.welcome")
        if link.purpose == "link_account" and link.user_id is not None:
            # Whoever opens the link is only a claimant: the account's owner confirms in
            # their signed-in session (and is e-mailed), so a leaked link links nothing.
            log.info("telegram_account_link_claimed")
            return await self._text("bot.link_pending")
        template = TEMPLATE_BY_PURPOSE.get(link.purpose, "bot.welcome")
        log.info("telegram_deep_link_used")
        return await self._text(template, {"link": self._link_target(link.payload)})

    async def free_text(self, visitor: Visitor, text: str) -> str:
        """Anything that is not a command: crisis words get the crisis resources at once
        (and a P0 flag is recorded, not the words); the rest gets the command list."""
        if not mentions_crisis(text):
            return await self.help()

        async def work(uow: UnitOfWork[TelegramDirectory]) -> dict[str, Any]:
            await uow.repos.flag_crisis(visitor.telegram_user_id)
            return await uow.repos.crisis_resources()

        resources = await in_transaction(self._uow, work)
        logger.warning("telegram_crisis_flag")
        contacts = resources.get("contacts") or []
        lines = [
            f"{c.get('title', '')}: {c.get('phone', '')}" for c in contacts if isinstance(c, dict)
        ]
        return await self._text(
            "bot.crisis",
            {"crisis_text": str(resources.get("text", "")), "crisis_contacts": "\n".join(lines)},
        )

    async def my_appointments(self, visitor: Visitor) -> list[Reply]:
        """``/my``: upcoming appointments of the linked user, each with a cancel button."""
        user_id = await self._linked_user(visitor)
        if user_id is None or self._booking is None:
            return [Reply(await self._text("bot.link_first", {"link": self._link_target({})}))]
        rows = await self._booking.client.appointments_of(user_id, upcoming=True)
        live = [row for row in rows if row.status in LIVE_STATUSES]
        if not live:
            return [Reply(await self._text("bot.my_empty"))]
        replies = []
        for row in live[:MAX_LISTED]:
            local = row.start_at.astimezone(ZoneInfo(row.timezone))
            text = await self._text(
                "bot.my_item",
                {
                    "service_title": row.service_title,
                    "start_local": local.strftime("%d.%m.%Y %H:%M"),
                    "status": STATUS_WORDS.get(row.status, str(row.status)),
                    "manage_url": f"{self._public_base_url}/",
                },
            )
            buttons = (
                ("Перенести", f"{MOVE_PREFIX}{row.id}"),
                ("Отменить", f"{CANCEL_PREFIX}{row.id}"),
            )
            replies.append(Reply(text, buttons))
        return replies

    async def cancel(self, visitor: Visitor, data: str) -> Reply:
        """A cancel button: the same policy as the API (refund by the service's rules);
        a button for an appointment that changed since gets a polite answer."""
        user_id = await self._linked_user(visitor)
        appointment_id = _uuid(data.removeprefix(CANCEL_PREFIX))
        if user_id is None or appointment_id is None or self._booking is None:
            return Reply(await self._text("bot.appointment_changed"))
        try:
            done = await self._booking.client.cancel(
                Caller(principal=None, linked_user_id=user_id), appointment_id, "client_request"
            )
        except (NotFound, InvalidState):
            return Reply(await self._text("bot.appointment_changed"))
        logger.info("telegram_appointment_canceled")
        refund_text = refund_sentence(str(done.refund), done.refund.currency)
        return Reply(await self._text("bot.canceled", {"refund_text": refund_text}))

    async def book(self, visitor: Visitor) -> Reply:
        """``/book``: the published services as buttons (a linked account books as itself)."""
        if await self._linked_user(visitor) is None or self._booking is None:
            return Reply(await self._text("bot.book_on_site", {"link": self._link_target({})}))
        services = await self._booking.slots.services()
        buttons = tuple((s.title, f"{BOOK_PREFIX}{s.id}") for s in services[:MAX_BUTTONS])
        return Reply(await self._text("bot.book_choose_service"), buttons)

    async def book_service(self, visitor: Visitor, data: str) -> Reply:
        """A service button: its next free starts (two weeks ahead) as buttons."""
        service = await self._service_from(data.removeprefix(BOOK_PREFIX))
        if service is None or self._booking is None:
            return Reply(await self._text("bot.appointment_changed"))
        buttons = await self._slot_buttons(self._booking, service, f"{SLOT_PREFIX}{service.id}:")
        if not buttons:
            return Reply(await self._text("bot.book_no_slots", {"link": self._link_target({})}))
        return Reply(await self._text("bot.book_choose_slot"), buttons)

    async def _slot_buttons(
        self, booking: Booking, service: Service, prefix: str
    ) -> tuple[tuple[str, str], ...]:
        """The service's next free starts (two weeks ahead) as buttons ``prefix<epoch>``."""
        now = self._clock.now()
        starts = await booking.slots.slots(service.slug, now, now + SLOT_HORIZON)
        zone = self._zone()
        return tuple(
            (start.astimezone(zone).strftime("%d.%m %H:%M"), f"{prefix}{int(start.timestamp())}")
            for start in starts[:MAX_BUTTONS]
        )

    async def reschedule(self, visitor: Visitor, data: str) -> Reply:
        """A reschedule button under ``/my``: the same service's free times as buttons."""
        user_id = await self._linked_user(visitor)
        appointment_id = _uuid(data.removeprefix(MOVE_PREFIX))
        if user_id is None or appointment_id is None or self._booking is None:
            return Reply(await self._text("bot.appointment_changed"))
        try:
            appointment = await self._booking.client.appointment(
                Caller(principal=None, linked_user_id=user_id), appointment_id
            )
        except NotFound:
            return Reply(await self._text("bot.appointment_changed"))
        service = await self._service_from(str(appointment.service_id))
        if not appointment.is_live or service is None:
            return Reply(await self._text("bot.appointment_changed"))
        buttons = await self._slot_buttons(
            self._booking, service, f"{MOVE_TO_PREFIX}{appointment_id}:"
        )
        if not buttons:
            return Reply(await self._text("bot.book_no_slots", {"link": self._link_target({})}))
        return Reply(
            await self._text("bot.reschedule_choose_slot", {"service_title": service.title}),
            buttons,
        )

    async def reschedule_to(self, visitor: Visitor, data: str) -> Reply:
        """A time button after "reschedule": the same rules as the API (the service's
        reschedule window; a taken time is refused and nothing moves)."""
        user_id = await self._linked_user(visitor)
        id_part, _, stamp = data.removeprefix(MOVE_TO_PREFIX).partition(":")
        appointment_id = _uuid(id_part)
        if user_id is None or appointment_id is None or not stamp.isdigit() or not self._booking:
            return Reply(await self._text("bot.appointment_changed"))
        caller = Caller(principal=None, linked_user_id=user_id)
        start = datetime.fromtimestamp(int(stamp), tz=UTC)
        try:
            moved = await self._booking.client.reschedule(caller, appointment_id, start)
        except NotFound:
            return Reply(await self._text("bot.appointment_changed"))
        except SlotUnavailable:
            return Reply(await self._text("bot.book_taken"))
        except InvalidState:
            return Reply(await self._reschedule_refusal(self._booking, caller, appointment_id))
        service = await self._service_from(str(moved.service_id))
        logger.info("telegram_appointment_rescheduled")
        start_local = moved.session.start.astimezone(self._zone()).strftime("%d.%m.%Y %H:%M")
        return Reply(
            await self._text(
                "bot.rescheduled",
                {"service_title": service.title if service else "", "start_local": start_local},
            )
        )

    async def _reschedule_refusal(
        self, booking: Booking, caller: Caller, appointment_id: UUID
    ) -> str:
        """Why a live appointment cannot move: too close to the start (or no longer live)."""
        appointment = await booking.client.appointment(caller, appointment_id)
        service = await self._service_from(str(appointment.service_id))
        if not appointment.is_live or service is None:
            return await self._text("bot.appointment_changed")
        return await self._text(
            "bot.reschedule_closed",
            {"hours": str(service.reschedule_min_hours), "link": self._link_target({})},
        )

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self._booking.practitioner_timezone if self._booking else "Europe/Moscow")

    async def book_slot(self, visitor: Visitor, data: str) -> Reply:
        """A time button: hold it for the linked user and give the payment link."""
        user_id = await self._linked_user(visitor)
        service_part, _, stamp = data.removeprefix(SLOT_PREFIX).partition(":")
        service = await self._service_from(service_part)
        if user_id is None or service is None or not stamp.isdigit() or self._booking is None:
            return Reply(await self._text("bot.appointment_changed"))
        start = datetime.fromtimestamp(int(stamp), tz=UTC)
        request = HoldRequest(
            service_slug=service.slug, start_at=start,
            format="online" if service.format in ("online", "hybrid") else "offline",
            timezone=self._booking.practitioner_timezone, metadata={"source": "telegram"},
        )  # fmt: skip
        try:
            held = await self._booking.holding.hold(
                Caller(principal=None, linked_user_id=user_id), request
            )
        except (SlotUnavailable, InvalidState, ValidationFailed):
            return Reply(await self._text("bot.book_taken"))
        logger.info("telegram_booking_held")
        zone = self._zone()
        hold_until = held.appointment.hold_expires_at or start
        variables = {
            "service_title": service.title,
            "start_local": start.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            "hold_expires_local": hold_until.astimezone(zone).strftime("%H:%M"),
            "payment_url": held.confirmation_url,
        }
        return Reply(await self._text("bot.book_held", variables))

    async def _service_from(self, value: str) -> Service | None:
        service_id = _uuid(value)
        if self._booking is None or service_id is None:
            return None
        return next((s for s in await self._booking.slots.services() if s.id == service_id), None)

    async def _linked_user(self, visitor: Visitor) -> UUID | None:
        async def work(uow: UnitOfWork[TelegramDirectory]) -> UUID | None:
            return await uow.repos.linked_user(visitor.telegram_user_id)

        return await in_transaction(self._uow, work)

    async def help(self) -> str:
        return await self._text("bot.help")

    async def stop(self, visitor: Visitor) -> str:
        """``/stop``: nothing more is sent until the person writes ``/start`` again."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> None:
            await uow.repos.stop(visitor.telegram_user_id)

        await in_transaction(self._uow, work)
        logger.info("telegram_stopped")
        return await self._text("bot.stopped")

    async def pending_account_link(self, principal: Principal, code: str) -> LinkPreview:
        """``GET /api/v1/me/telegram-link/{code}``: which Telegram account opened the
        caller's own account-linking link (404 for any other link, expired or used)."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> LinkPreview:
            pending = await uow.repos.pending_link(code, principal.user_id)
            if pending is None:
                raise NotFound()
            return LinkPreview(pending.telegram_username, pending.expires_at)

        return await in_transaction(self._uow, work)

    async def confirm_account_link(self, principal: Principal, code: str) -> LinkPreview:
        """``POST /api/v1/me/telegram-link/{code}/confirm``: the signed-in owner of the link
        confirms the Telegram account that opened it; the link is then spent, and the
        account's e-mail is told (so a link made by someone else is noticed)."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> LinkPreview:
            pending = await uow.repos.pending_link(code, principal.user_id)
            if pending is None:
                raise NotFound()
            if not await uow.repos.link_user(pending.telegram_user_id, principal.user_id):
                raise NotFound()
            await uow.repos.confirm_link(pending.id)
            name, email = await uow.repos.account_owner(principal.user_id)
            if email is not None:
                await uow.notifications.enqueue(
                    NotificationRequest(
                        channel="email", template_code="identity.telegram_linked",
                        recipient_kind="user", recipient_id=str(principal.user_id),
                        dedupe_key=f"deep_link:{pending.id}:linked:email", to=email,
                        variables={
                            "display_name": name or "",
                            "telegram_name": (
                                f"@{pending.telegram_username}" if pending.telegram_username
                                else f"id {pending.telegram_user_id}"
                            ),
                            "cabinet_url": f"{self._public_base_url}/",
                        },
                    )
                )  # fmt: skip
            return LinkPreview(pending.telegram_username, pending.expires_at)

        try:
            preview = await in_transaction(self._uow, work)
        except ContactInUse:  # this Telegram account already belongs to another user
            logger.warning("telegram_link_refused", error=ContactInUse.code)
            raise
        logger.info("telegram_account_linked", user_id=str(principal.user_id))
        return preview

    def _link_target(self, payload: dict[str, Any]) -> str:
        path = payload.get("path")
        if isinstance(path, str) and path.startswith("/") and not path.startswith("//"):
            return f"{self._public_base_url}{path}"
        return f"{self._public_base_url}/"

    async def _text(self, code: str, variables: dict[str, str] | None = None) -> str:
        template = await self._templates.find(code, "telegram", "ru")
        if template is None:  # pragma: no cover (seeded by migration 0024)
            raise LookupError(f"no template {code}")
        return render_message(template.subject, template.body, variables or {}).text.strip()


async def _lead_of(
    directory: TelegramDirectory, telegram_user_id: int, link: UsedLink | None
) -> UUID | None:
    """A person who is not a client is a CRM lead: the one the account already has, else
    the one the (single-use) link was made for, else a new one. Each
    ``/start`` adds a P0 ``telegram.started`` event to the lead's timeline."""
    user_id, lead_id = await directory.owners(telegram_user_id)
    purpose = link.purpose if link else None
    if lead_id is None:
        if user_id is not None or (link is not None and link.user_id is not None):
            return None  # a client, or a link made for one
        if link is not None and link.lead_id is not None:
            lead_id = link.lead_id
            await join_telegram(directory.leads, lead_id, telegram_user_id)
        else:
            lead_id = await lead_for_telegram(directory.leads, telegram_user_id, purpose)
        await directory.attach_lead(telegram_user_id, lead_id)
    await directory.leads.add_event(lead_id, "telegram.started", {"purpose": purpose})
    return lead_id


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
