"""The booking concierge: helps a client choose a service and a free time, and holds it
only when the client confirms.

Two ways to the same place. The guided flow (no model) walks service → day → time over
the real availability (``ServiceSlots``, the public slots API's function) and answers
with typed choices, then a proposal. With a model and the client's ``ai_processing``
consent, free text ("хочу онлайн в четверг вечером") goes to a LangGraph graph
(``concierge_graph``) whose tools return only real free slots and whose proposal waits
at an interrupt for the client's answer. In both, the hold is the ordinary hold use case
with its consents; the concierge never pays. Every failure of the model path answers
with the guided flow (``mode="guided"`` and the reason). This module imports no
LangChain or LangGraph.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol
from zoneinfo import ZoneInfo

import msgspec
import structlog

from app.application.assistants.concierge_days import day_bounds, local_today
from app.application.assistants.guardrails import check_output, crisis_first, mask_personal
from app.application.assistants.ports import (
    AiConsent,
    CheckpointSource,
    ConversationOwners,
    ModelGate,
    ModelNotAdmitted,
)
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldOutcome, HoldRequest
from app.application.ports import Clock
from app.domain.booking.service import Service
from app.domain.errors import Forbidden, InvalidState, NotFound, SlotUnavailable, ValidationFailed

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from app.application.assistants.concierge_graph import ConciergeGraph

logger = structlog.get_logger(__name__)

ASSISTANT = "concierge"
DAYS_AHEAD = 14
MAX_TIMES = 32
"""A day's free starts shown at most (a working day in half hours)."""

Mode = Literal["guided", "assistant", "crisis"]
Step = Literal["service", "day", "time", "confirm", "held", "answer", "crisis"]
GuidedReason = Literal["no_model", "no_consent", "not_admitted", "model_error"]
HoldFormat = Literal["online", "offline"]


# --- what the concierge needs (ports) -------------------------------------------------


class ConciergeAvailability(Protocol):
    """Published services and their free starts: ``ServiceSlots``."""

    async def services(self) -> list[Service]: ...
    async def slots(
        self, slug: str, start: datetime, end: datetime, viewer: uuid.UUID | None = None
    ) -> list[datetime]: ...
    async def practice_timezone(self) -> str: ...


class ConciergeHolding(Protocol):
    """The ordinary hold use case: ``HoldSlot``."""

    async def hold(
        self, caller: Caller, request: HoldRequest, idempotency_key: str | None = None
    ) -> HoldOutcome: ...


class CrisisDesk(Protocol):
    """What crisis words get: the crisis resources, a P0 flag and the staff alert (both
    naming nobody: a crisis flag beside an identity is a health fact)."""

    async def signal(self, channel: str) -> None: ...
    async def resources(self) -> dict[str, Any]: ...


# --- what it answers --------------------------------------------------------------------


class ServiceChoice(msgspec.Struct, frozen=True):
    slug: str
    title: str
    format: str
    duration_minutes: int
    price: str
    currency: str


class DayChoice(msgspec.Struct, frozen=True):
    date: date
    free_slots: int


class SlotChoice(msgspec.Struct, frozen=True):
    slot_id: str
    service: str
    start: datetime
    end: datetime


class Proposal(msgspec.Struct, frozen=True):
    """A slot awaiting the client's confirmation; nothing is held yet."""

    service: str
    service_title: str
    start: datetime
    end: datetime
    price: str
    pay_now: str
    currency: str
    formats: list[str]


class HeldBooking(msgspec.Struct, frozen=True):
    """A hold made after the client confirmed: pay at ``payment_url`` before it lapses."""

    appointment_id: uuid.UUID
    service: str
    service_title: str
    status: str
    start: datetime
    end: datetime
    hold_expires_at: datetime | None
    payment_url: str
    next_step: str


class ConciergeAnswer(msgspec.Struct, frozen=True, kw_only=True):
    mode: Mode
    step: Step
    text: str
    guided_reason: GuidedReason | None = None
    timezone: str | None = None
    services: list[ServiceChoice] = msgspec.field(default_factory=list)
    days: list[DayChoice] = msgspec.field(default_factory=list)
    slots: list[SlotChoice] = msgspec.field(default_factory=list)
    proposal: Proposal | None = None
    thread_id: str | None = None
    held: HeldBooking | None = None
    crisis_resources: dict[str, Any] | None = None


class GuidedStep(msgspec.Struct, frozen=True):
    """Where the client is in the guided flow."""

    service: str | None = None
    date: date | None = None
    start: datetime | None = None


class HoldTerms(msgspec.Struct, frozen=True):
    """What the ordinary hold needs besides the slot (the hold endpoint's fields)."""

    format: HoldFormat | None = None
    timezone: str | None = None
    consents: tuple[tuple[str, bool, str], ...] = ()


# --- texts (the API's; the bot words its own from message templates) --------------------

TEXT_SERVICE = "Выберите консультацию."
TEXT_DAY = "Выберите день: показаны дни со свободным временем на ближайшие две недели."
TEXT_NO_DAYS = "В ближайшие две недели свободного времени нет. Можно встать в лист ожидания."
TEXT_TIME = "Выберите время."
TEXT_CONFIRM = "Проверьте и подтвердите: время будет придержано до оплаты."
TEXT_HELD = "Время придержано. Оплатите по ссылке, чтобы подтвердить запись."
TEXT_DECLINED = "Хорошо, это время не придерживаю. Выберите другое или напишите, что удобно."
TEXT_GUIDED = "Сейчас работает пошаговый подбор: выберите консультацию, день и время."
TEXT_CRISIS = (
    "Похоже, вам сейчас очень тяжело. Пожалуйста, обратитесь за помощью прямо сейчас: "
    "ниже контакты, где помогут круглосуточно."
)
NEXT_STEP_PAY = "pay"


def service_choice(s: Service) -> ServiceChoice:
    return ServiceChoice(
        s.slug, s.title, s.format, s.duration_minutes, f"{s.price_amount:.2f}", s.currency
    )


def formats_of(service: Service) -> list[str]:
    return ["online", "offline"] if service.format == "hybrid" else [service.format]


def slot_id(service: str, start: datetime) -> str:
    return f"{service}@{int(start.timestamp())}"


def held_booking(outcome: HoldOutcome, service: Service) -> HeldBooking:
    a = outcome.appointment
    return HeldBooking(
        appointment_id=a.id, service=service.slug, service_title=service.title,
        status=a.status.value, start=a.session.start, end=a.session.end,
        hold_expires_at=a.hold_expires_at, payment_url=outcome.confirmation_url,
        next_step=NEXT_STEP_PAY,
    )  # fmt: skip


class GuidedFlow:
    """Service → day → time → proposal over the real availability; then the hold."""

    def __init__(
        self, availability: ConciergeAvailability, holding: ConciergeHolding, clock: Clock,
        days_ahead: int = DAYS_AHEAD,
    ) -> None:  # fmt: skip
        self._availability = availability
        self._holding = holding
        self._clock = clock
        self._days_ahead = days_ahead

    def now(self) -> datetime:
        return self._clock.now()

    async def zone(self) -> ZoneInfo:
        return ZoneInfo(await self._availability.practice_timezone())

    async def services(self) -> list[Service]:
        return await self._availability.services()

    async def service(self, slug: str) -> Service:
        found = next((s for s in await self.services() if s.slug == slug), None)
        if found is None:
            raise NotFound("no published service with this slug")
        return found

    async def free_starts(
        self, service: Service, start: datetime, end: datetime, viewer: uuid.UUID | None
    ) -> list[datetime]:
        now = self._clock.now()
        start = max(start, now)
        if end <= start:
            return []
        return await self._availability.slots(service.slug, start, end, viewer)

    async def step(self, caller: Caller, state: GuidedStep) -> ConciergeAnswer:
        zone = await self.zone()
        if state.service is None:
            if state.date is not None or state.start is not None:
                raise ValidationFailed("choose a service first", field="service")
            services = [service_choice(s) for s in await self.services()]
            return ConciergeAnswer(
                mode="guided", step="service", text=TEXT_SERVICE, timezone=zone.key,
                services=services,
            )  # fmt: skip
        service = await self.service(state.service)
        viewer = caller.user_id
        if state.start is not None:
            return await self._proposal(service, state.start, viewer, zone)
        if state.date is None:
            days = await self.days(service, viewer, zone)
            return ConciergeAnswer(
                mode="guided", step="day", text=TEXT_DAY if days else TEXT_NO_DAYS,
                timezone=zone.key, days=days,
            )  # fmt: skip
        times = await self.times(service, state.date, viewer, zone)
        return ConciergeAnswer(
            mode="guided", step="time", text=TEXT_TIME, timezone=zone.key, slots=times
        )

    async def days(
        self, service: Service, viewer: uuid.UUID | None, zone: ZoneInfo
    ) -> list[DayChoice]:
        now = self._clock.now()
        starts = await self.free_starts(
            service, now, now + timedelta(days=self._days_ahead), viewer
        )
        counts: dict[date, int] = {}
        for start in starts:
            day = start.astimezone(zone).date()
            counts[day] = counts.get(day, 0) + 1
        return [DayChoice(day, n) for day, n in sorted(counts.items())]

    async def times(
        self, service: Service, day: date, viewer: uuid.UUID | None, zone: ZoneInfo
    ) -> list[SlotChoice]:
        today = local_today(self._clock.now(), zone)
        if not today <= day <= today + timedelta(days=self._days_ahead):
            raise ValidationFailed(
                f"choose a day within {self._days_ahead} days from today", field="date"
            )
        start, end = day_bounds(day, zone)
        starts = await self.free_starts(service, start, end, viewer)
        return [self.slot(service, s) for s in starts[:MAX_TIMES]]

    @staticmethod
    def slot(service: Service, start: datetime) -> SlotChoice:
        end = start + timedelta(minutes=service.duration_minutes)
        return SlotChoice(slot_id(service.slug, start), service.slug, start, end)

    def within_reach(self, start: datetime) -> bool:
        """Whether ``start`` lies in the days the concierge offers (a day of slack each
        side), so a far-off or malformed time is refused before any date arithmetic."""
        now = self._clock.now()
        return now - timedelta(days=1) <= start <= now + timedelta(days=self._days_ahead + 1)

    async def still_free(self, service: Service, start: datetime, viewer: uuid.UUID | None) -> bool:
        if not self.within_reach(start):
            return False
        zone = await self.zone()
        first, last = day_bounds(start.astimezone(zone).date(), zone)
        return start in await self.free_starts(service, first, last, viewer)

    async def proposal(
        self, service: Service, start: datetime, viewer: uuid.UUID | None
    ) -> Proposal:
        """SlotUnavailable unless ``start`` is a free start of ``service`` now."""
        if start.tzinfo is None:
            raise ValidationFailed("times must carry a UTC offset", field="start")
        if not self.within_reach(start):
            raise ValidationFailed(
                f"choose a time within {self._days_ahead} days from today", field="start"
            )
        if not await self.still_free(service, start, viewer):
            raise SlotUnavailable()
        return Proposal(
            service=service.slug, service_title=service.title, start=start,
            end=start + timedelta(minutes=service.duration_minutes),
            price=f"{service.price_amount:.2f}", pay_now=f"{service.charge.amount:.2f}",
            currency=service.currency, formats=formats_of(service),
        )  # fmt: skip

    async def _proposal(
        self, service: Service, start: datetime, viewer: uuid.UUID | None, zone: ZoneInfo
    ) -> ConciergeAnswer:
        proposal = await self.proposal(service, start, viewer)
        return ConciergeAnswer(
            mode="guided", step="confirm", text=TEXT_CONFIRM, timezone=zone.key,
            proposal=proposal,
        )  # fmt: skip

    async def hold(
        self, caller: Caller, service_slug: str, start: datetime, terms: HoldTerms,
        channel: str, idempotency_key: str | None = None,
    ) -> HeldBooking:  # fmt: skip
        """The ordinary hold with the client's consents (after an explicit confirm)."""
        service = await self.service(service_slug)
        hold_format = terms.format or ("offline" if service.format == "offline" else "online")
        request = HoldRequest(
            service_slug=service.slug, start_at=start, format=hold_format,
            timezone=terms.timezone or (await self.zone()).key, consents=terms.consents,
            metadata={"source": channel, "assistant": ASSISTANT},
        )  # fmt: skip
        outcome = await self._holding.hold(caller, request, idempotency_key=idempotency_key)
        logger.info("concierge_held", appointment_id=str(outcome.appointment.id))
        return held_booking(outcome, service)


def _user(caller: Caller) -> uuid.UUID:
    if caller.user_id is None:
        raise Forbidden("the concierge serves a signed-in client")
    return caller.user_id


class Concierge:
    """The guided flow, and the model's graph when it may be used."""

    def __init__(
        self, guided: GuidedFlow, crisis: CrisisDesk, *, consent: AiConsent, gate: ModelGate,
        owners: ConversationOwners, model: BaseChatModel | None = None,
        checkpoints: CheckpointSource | None = None, timeout_seconds: float = 20.0,
    ) -> None:  # fmt: skip
        self.guided = guided
        self._crisis = crisis
        self._consent = consent
        self._gate = gate
        self._owners = owners
        self._model = model
        self._checkpoints = checkpoints
        self._timeout = timeout_seconds

    @property
    def has_model(self) -> bool:
        return self._model is not None and self._checkpoints is not None

    async def step(self, caller: Caller, state: GuidedStep) -> ConciergeAnswer:
        _user(caller)
        return await self.guided.step(caller, state)

    async def message(
        self, caller: Caller, text: str, thread_id: str | None = None, channel: str = "api"
    ) -> ConciergeAnswer:
        """Free text: crisis words get the crisis resources (no model); with a model and
        the client's consent the graph answers; otherwise the guided flow does."""
        user = _user(caller)
        if crisis_first(text).is_crisis:
            await self._crisis.signal(channel)
            logger.warning("concierge_crisis_flag")
            return ConciergeAnswer(
                mode="crisis", step="crisis", text=TEXT_CRISIS,
                crisis_resources=await self._crisis.resources(),
            )  # fmt: skip
        if not self.has_model:
            return await self._fallback(caller, "no_model")
        if not await self._consent.granted(user):
            return await self._fallback(caller, "no_consent")
        thread = thread_id or uuid.uuid4().hex
        await self._owners.claim(thread, user, ASSISTANT)
        try:
            return await asyncio.wait_for(
                self._ask(caller, channel, thread, mask_personal(text)), self._timeout
            )
        except ModelNotAdmitted:
            return await self._fallback(caller, "not_admitted")
        except Exception as error:  # any model failure: the guided flow answers
            # The error's type only: its text may quote the client or the model.
            logger.warning("concierge_model_failed", error=type(error).__name__)
            return await self._fallback(caller, "model_error")

    async def confirm(
        self, caller: Caller, *, thread_id: str | None = None, service: str | None = None,
        start: datetime | None = None, confirm: bool = True, terms: HoldTerms | None = None,
        channel: str = "api", idempotency_key: str | None = None,
    ) -> ConciergeAnswer:  # fmt: skip
        """The client's answer to a proposal: a thread's (resuming its interrupt) or a
        guided one's (service and start). Only ``confirm=True`` holds."""
        user = _user(caller)
        terms = terms or HoldTerms()
        if thread_id is not None:
            if self._checkpoints is None:
                raise InvalidState("no proposal waits for confirmation in this thread")
            await self._owners.claim(thread_id, user, ASSISTANT)
            graph = await self._graph(caller, channel, terms)
            return await graph.resume(thread_id, confirm)
        if service is None or start is None:
            raise ValidationFailed("give the thread_id or the proposal", field="confirm")
        if not confirm:
            answer = await self.guided.step(caller, GuidedStep(service=service))
            return msgspec.structs.replace(answer, text=TEXT_DECLINED)
        slot_service = await self.guided.service(service)
        await self.guided.proposal(slot_service, start, caller.user_id)
        held = await self.guided.hold(caller, service, start, terms, channel, idempotency_key)
        zone = await self.guided.zone()
        return ConciergeAnswer(
            mode="guided", step="held", text=TEXT_HELD, timezone=zone.key, held=held
        )

    async def _ask(self, caller: Caller, channel: str, thread: str, text: str) -> ConciergeAnswer:
        graph = await self._graph(caller, channel)
        return await graph.ask(thread, text)

    async def _graph(
        self, caller: Caller, channel: str, terms: HoldTerms | None = None
    ) -> ConciergeGraph:
        from app.application.assistants.concierge_graph import ConciergeGraph  # noqa: PLC0415

        if self._checkpoints is None:
            raise InvalidState("no conversation can be kept without a model")
        saver = await self._checkpoints.saver()
        return ConciergeGraph(
            model=self._model, checkpointer=saver, guided=self.guided,
            gate=self._gate, caller=caller, channel=channel, terms=terms or HoldTerms(),
        )  # fmt: skip

    async def _fallback(self, caller: Caller, reason: GuidedReason) -> ConciergeAnswer:
        answer = await self.guided.step(caller, GuidedStep())
        return msgspec.structs.replace(answer, text=TEXT_GUIDED, guided_reason=reason)


def checked(text: str) -> str:
    """The model's words as the client may see them."""
    return check_output(text).text
