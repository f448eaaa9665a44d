"""``/pick`` and its buttons: the booking concierge in the bot. A linked account walks
service → day → time with buttons, or writes what suits it (``/pick хочу онлайн в
четверг вечером``, or a reply to the concierge's message); a proposal is held only when
the person presses «Придержать», through the ordinary hold, and the answer is the
payment link. The wording comes from message templates; button labels are the bot's own."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import structlog

from app.application.assistants.concierge import (
    Concierge,
    ConciergeAnswer,
    GuidedStep,
    HeldBooking,
    HoldTerms,
    Proposal,
    SlotChoice,
)
from app.application.booking.callers import Caller
from app.application.ports import UnitOfWork
from app.application.telegram.conversation import Conversation
from app.application.telegram.links import linked_user
from app.application.telegram.ports import Reply, TelegramDirectory, Visitor
from app.application.telegram.slots import MAX_BUTTONS, BotSlots
from app.application.telegram.texts import BotTexts
from app.domain.booking.place import local_time_label
from app.domain.booking.service import Service
from app.domain.errors import (
    ConsentRequired,
    Forbidden,
    InvalidState,
    NotFound,
    SlotUnavailable,
    ValidationFailed,
)
from app.domain.shared.crisis import mentions_crisis

# A thread id as the API accepts it (the concierge makes uuid4 hex ones).
THREAD_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")

logger = structlog.get_logger(__name__)

PREFIX = "cg:"
START = "cg:start"
STEPS_LABEL = "Выбрать по шагам"
SERVICE, DAY, TIME, HOLD = "cg:s:", "cg:d:", "cg:t:", "cg:y:"
THREAD_YES, THREAD_NO = "cg:ay:", "cg:an:"
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
CHANNEL = "telegram"
MAX_TIME_BUTTONS = 32
"""A day's free times as buttons (one day, so more than /book's next eight)."""
_REFUSED = (SlotUnavailable, InvalidState, ValidationFailed, NotFound, ConsentRequired, Forbidden)


class BotConcierge:
    def __init__(
        self, uow: Callable[[], UnitOfWork[TelegramDirectory]], texts: BotTexts,
        concierge: Concierge | None, slots: BotSlots, conversation: Conversation,
    ) -> None:  # fmt: skip
        self._uow = uow
        self._texts = texts
        self._concierge = concierge
        self._slots = slots
        self._conversation = conversation

    async def _caller(self, visitor: Visitor) -> Caller | None:
        user_id = await linked_user(self._uow, visitor)
        return Caller(principal=None, linked_user_id=user_id) if user_id else None

    async def _on_site(self) -> Reply:
        return Reply(
            await self._texts.render("bot.book_on_site", {"link": self._texts.links.booking()})
        )

    async def start(self, visitor: Visitor, text: str | None = None) -> Reply:
        """``/pick`` (with words after it: those words) or the «Подобрать время» button."""
        if text:
            return await self.text(visitor, text)
        caller = await self._caller(visitor)
        if caller is None or self._concierge is None:
            return await self._on_site()
        answer = await self._concierge.step(caller, GuidedStep())
        return await self._services(answer, "bot.concierge_intro")

    async def text(self, visitor: Visitor, text: str) -> Reply:
        """Words for the concierge: crisis words get the crisis resources first."""
        caller = await self._caller(visitor)
        if caller is None or self._concierge is None:
            if mentions_crisis(text):
                return Reply(await self._conversation.free_text(visitor, text))
            return await self._on_site()
        answer = await self._concierge.message(caller, text, channel=CHANNEL)
        return await self._reply(answer)

    async def press(self, visitor: Visitor, data: str) -> Reply:
        caller = await self._caller(visitor)
        if caller is None or self._concierge is None:
            return await self._on_site()
        try:
            return await self._press(caller, data)
        except (SlotUnavailable, InvalidState):
            return Reply(await self._texts.render("bot.book_taken"))
        except (*_REFUSED, ValueError, OverflowError):  # a forged or stale button
            return Reply(await self._texts.render("bot.appointment_changed"))

    async def _press(self, caller: Caller, data: str) -> Reply:
        concierge = self._concierge
        if concierge is None:
            return await self._on_site()
        if data == START:
            return await self._reply(await concierge.step(caller, GuidedStep()))
        if data.startswith((THREAD_YES, THREAD_NO)):
            thread = data[len(THREAD_YES) :]
            if not THREAD_ID.fullmatch(thread):
                raise NotFound()
            answer = await concierge.confirm(
                caller, thread_id=thread, confirm=data.startswith(THREAD_YES),
                terms=await self._terms(None), channel=CHANNEL,
            )  # fmt: skip
            return await self._reply(answer)
        kind, _, rest = data.partition(":")[2].partition(":")
        service_part, _, value = rest.partition(":")
        service = await self._slots.service(service_part)
        if service is None:
            raise NotFound()
        if kind == "s":
            step = GuidedStep(service=service.slug)
        elif kind == "d" and len(value) == 8 and value.isdigit():
            day = date(int(value[:4]), int(value[4:6]), int(value[6:]))
            step = GuidedStep(service=service.slug, date=day)
        elif kind in ("t", "y") and value.isdigit():
            start = datetime.fromtimestamp(int(value), tz=UTC)
            if kind == "y":
                answer = await concierge.confirm(
                    caller, service=service.slug, start=start, terms=await self._terms(service),
                    channel=CHANNEL,
                )  # fmt: skip
                return await self._reply(answer, service)
            step = GuidedStep(service=service.slug, start=start)
        else:
            raise NotFound()
        return await self._reply(await concierge.step(caller, step), service)

    async def _terms(self, service: Service | None) -> HoldTerms:
        """The bot's hold: online unless the service is in person only (as ``/book``);
        a thread's proposal keeps the format the client asked for."""
        zone = (await self._slots.zone()).key
        if service is None:
            return HoldTerms(timezone=zone)
        return HoldTerms(
            format="offline" if service.format == "offline" else "online", timezone=zone
        )

    # --- answers as replies -----------------------------------------------------------

    async def _reply(self, answer: ConciergeAnswer, service: Service | None = None) -> Reply:
        if answer.mode == "crisis":
            return await self._crisis(answer)
        if answer.step == "service":
            code = "bot.concierge_guided" if answer.guided_reason else "bot.book_choose_service"
            return await self._services(answer, code)
        if answer.step == "held" and answer.held is not None:
            return await self._held(answer.held)
        if answer.step == "confirm" and answer.proposal is not None:
            return await self._proposal(answer.proposal, answer.thread_id)
        return await self._choices(answer, service)

    async def _choices(self, answer: ConciergeAnswer, service: Service | None) -> Reply:
        if answer.step == "day":
            return await self._days(answer, service)
        if answer.step == "time" and service is not None:
            return await self._times(answer, service)
        # The model's words (checked), with the slots it found as buttons, and always a
        # way back to the steps: a reply to a message with concierge buttons is the only
        # text the bot hands to the concierge.
        buttons = await self._slot_buttons(answer.slots, MAX_BUTTONS - 1)
        return Reply(answer.text, (*buttons, (STEPS_LABEL, START)))

    async def _crisis(self, answer: ConciergeAnswer) -> Reply:
        resources = answer.crisis_resources or {}
        contacts = resources.get("contacts") or []
        lines = [
            f"{c.get('title', '')}: {c.get('phone', '')}" for c in contacts if isinstance(c, dict)
        ]
        variables = {
            "crisis_text": str(resources.get("text", "")),
            "crisis_contacts": "\n".join(lines),
        }
        return Reply(await self._texts.render("bot.crisis", variables))

    async def _held(self, held: HeldBooking) -> Reply:
        zone = await self._slots.zone()
        expires = held.hold_expires_at or held.start
        variables = {
            "service_title": held.service_title,
            "start_local": local_time_label(held.start, zone.key),
            "hold_expires_local": expires.astimezone(zone).strftime("%H:%M"),
            "payment_url": held.payment_url,
        }
        logger.info("telegram_concierge_held")
        return Reply(await self._texts.render("bot.book_held", variables))

    async def _days(self, answer: ConciergeAnswer, service: Service | None) -> Reply:
        if service is None or not answer.days:
            link = (
                self._texts.links.service(service.slug) if service else self._texts.links.booking()
            )
            return Reply(await self._texts.render("bot.book_no_slots", {"link": link}))
        buttons = tuple(
            (f"{WEEKDAYS[d.date.weekday()]} {d.date:%d.%m}", f"{DAY}{service.id}:{d.date:%Y%m%d}")
            for d in answer.days[:MAX_BUTTONS]
        )
        zone = {"timezone": await self._slots.zone_label()}
        return Reply(await self._texts.render("bot.concierge_choose_day", zone), buttons)

    async def _times(self, answer: ConciergeAnswer, service: Service) -> Reply:
        other_day = (("Другой день", f"{SERVICE}{service.id}"),)
        if not answer.slots:
            return Reply(await self._texts.render("bot.concierge_declined"), other_day)
        day = answer.slots[0].start.astimezone(await self._slots.zone())
        variables = {"day": f"{day:%d.%m}", "timezone": await self._slots.zone_label()}
        buttons = await self._slot_buttons(answer.slots, MAX_TIME_BUTTONS)
        return Reply(await self._texts.render("bot.concierge_choose_time", variables), buttons)

    async def _slot_buttons(
        self, slots: Sequence[SlotChoice], limit: int = MAX_BUTTONS
    ) -> tuple[tuple[str, str], ...]:
        ids = await self._service_ids()
        zone = await self._slots.zone()
        return tuple(
            (
                f"{s.start.astimezone(zone):%d.%m %H:%M}",
                f"{TIME}{ids[s.service]}:{int(s.start.timestamp())}",
            )
            for s in slots[:limit]
            if s.service in ids
        )

    async def _services(self, answer: ConciergeAnswer, code: str) -> Reply:
        ids = await self._service_ids()
        buttons = tuple(
            (s.title, f"{SERVICE}{ids[s.slug]}")
            for s in answer.services[:MAX_BUTTONS]
            if s.slug in ids
        )
        return Reply(await self._texts.render(code), buttons)

    async def _proposal(self, proposal: Proposal, thread_id: str | None) -> Reply:
        sid = (await self._service_ids()).get(proposal.service)
        if thread_id is not None:
            yes, no = f"{THREAD_YES}{thread_id}", f"{THREAD_NO}{thread_id}"
        else:
            yes, no = f"{HOLD}{sid}:{int(proposal.start.timestamp())}", f"{SERVICE}{sid}"
        variables = {
            "service_title": proposal.service_title,
            "start_local": local_time_label(proposal.start, (await self._slots.zone()).key),
            "price": f"{proposal.price} {proposal.currency}",
            "pay_now": f"{proposal.pay_now} {proposal.currency}",
        }
        buttons = (("Придержать", yes), ("Другое время", no))
        return Reply(await self._texts.render("bot.concierge_confirm", variables), buttons)

    async def _service_ids(self) -> dict[str, str]:
        """Published services' slugs → the ids their buttons carry."""
        if self._concierge is None:
            return {}
        return {s.slug: str(s.id) for s in await self._concierge.guided.services()}
