"""The booking concierge over in-memory availability and holding: the guided flow, and
the LangGraph graph with scripted chat models (tool calls), LangGraph's InMemorySaver as
the checkpointer, and fakes of the consent, the model gate and the conversation owners."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatResult
from langgraph.checkpoint.memory import InMemorySaver

from app.application.access import Principal
from app.application.assistants.concierge import (
    Concierge,
    GuidedFlow,
    GuidedStep,
    HoldTerms,
)
from app.application.assistants.guardrails import SAFE_REFERRAL
from app.application.assistants.ports import FixedCheckpoints, ModelNotAdmitted
from app.application.booking.callers import Caller
from app.application.booking.holding import HoldOutcome, HoldRequest
from app.domain.booking.appointment import AppointmentStatus
from app.domain.booking.service import Service
from app.domain.errors import Forbidden, InvalidState, SlotUnavailable, ValidationFailed
from app.domain.identity.model import Role
from tests.conftest import FixedClock

ZONE = "Europe/Moscow"
# Monday 7 December 2026, 12:00 in Moscow.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
THURSDAY_EVENING = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # 18:00 MSK
THURSDAY_MORNING = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)  # 10:00 MSK
FRIDAY_EVENING = datetime(2026, 12, 11, 16, 0, tzinfo=UTC)  # 19:00 MSK
USER = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
OTHER = uuid.UUID("00000000-0000-0000-0000-0000000000b2")
CONSENTS = (("personal_data", True, "v1"),)


def service(slug: str = "konsultatsiya", fmt: str = "hybrid") -> Service:
    return Service(
        id=uuid.uuid4(), slug=slug, title="Консультация", description_markdown="", format=fmt,
        duration_minutes=50, price_amount=Decimal("5000"), deposit_amount=Decimal("1000"),
        currency="RUB", buffer_before_minutes=0, buffer_after_minutes=10,
        min_notice_minutes=60, horizon_days=60, cancel_free_hours=24, cancel_partial_hours=0,
        cancel_partial_refund_percent=0, reschedule_min_hours=24, status="published",
    )  # fmt: skip


class MemoryAvailability:
    def __init__(self) -> None:
        self.published = [service()]
        self.free = [THURSDAY_MORNING, THURSDAY_EVENING, FRIDAY_EVENING]
        self.take_after_first_lookup: datetime | None = None
        self.lookups = 0

    async def services(self) -> list[Service]:
        return list(self.published)

    async def slots(
        self, slug: str, start: datetime, end: datetime, viewer: uuid.UUID | None = None
    ) -> list[datetime]:
        self.lookups += 1
        found = [s for s in self.free if start <= s < end]
        if self.take_after_first_lookup is not None and self.lookups == 1:
            self.free.remove(self.take_after_first_lookup)
        return found

    async def practice_timezone(self) -> str:
        return ZONE


class MemoryHolding:
    def __init__(self, availability: MemoryAvailability) -> None:
        self.availability = availability
        self.requests: list[tuple[Caller, HoldRequest]] = []

    async def hold(
        self, caller: Caller, request: HoldRequest, idempotency_key: str | None = None
    ) -> HoldOutcome:
        if request.start_at not in self.availability.free:
            raise SlotUnavailable()
        self.availability.free.remove(request.start_at)
        self.requests.append((caller, request))
        appointment = SimpleNamespace(
            id=uuid.uuid4(), status=AppointmentStatus.PENDING_PAYMENT,
            session=SimpleNamespace(
                start=request.start_at, end=request.start_at + timedelta(minutes=50)
            ),
            hold_expires_at=NOW + timedelta(minutes=30),
        )  # fmt: skip
        return HoldOutcome(appointment, uuid.uuid4(), "https://pay.test/1", None)  # type: ignore[arg-type]


class MemoryCrisisDesk:
    def __init__(self) -> None:
        self.signals: list[str] = []

    async def signal(self, channel: str) -> None:
        self.signals.append(channel)

    async def resources(self) -> dict[str, Any]:
        return {"text": "Позвоните", "contacts": [{"title": "Телефон доверия", "phone": "8-800"}]}


class Consent:
    def __init__(self, granted: bool = True) -> None:
        self.value = granted

    async def granted(self, user_id: uuid.UUID) -> bool:
        return self.value


class Gate:
    def __init__(self, admit: bool = True) -> None:
        self.open = admit
        self.admitted: list[str] = []

    async def admit(self, caller: str) -> None:
        if not self.open:
            raise ModelNotAdmitted("rate", 60)
        self.admitted.append(caller)

    async def spend(self, tokens: int) -> None:
        return None


class Owners:
    def __init__(self) -> None:
        self.threads: dict[str, uuid.UUID] = {}

    async def claim(self, thread_id: str, user_id: uuid.UUID, assistant: str) -> None:
        assert assistant == "concierge"
        if self.threads.setdefault(thread_id, user_id) != user_id:
            raise Forbidden("not your conversation")

    async def owner(self, thread_id: str) -> uuid.UUID | None:
        return self.threads.get(thread_id)


class Scripted(FakeMessagesListChatModel):
    """Scripted replies in order; records what it was sent; tools bind to itself."""

    seen: list[list[BaseMessage]] = []  # noqa: RUF012 - a pydantic field

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        if self.i >= len(self.responses):
            raise AssertionError("the model was called more often than scripted")
        result = super()._generate(messages, *args, **kwargs)
        if self.i == 0:  # the base class cycles; a script does not
            self.i = len(self.responses)
        return result


class Broken(Scripted):
    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        raise ConnectionError("provider down")


def call(name: str, args: dict[str, Any], n: int = 1) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{n}"}])


def evening_id(start: datetime = THURSDAY_EVENING) -> str:
    return f"konsultatsiya@{int(start.timestamp())}"


FIND_THURSDAY_EVENING = call(
    "find_free_slots",
    {"service": "konsultatsiya", "date_from": "четверг", "part_of_day": "evening",
     "format": "online"},
)  # fmt: skip


class World:
    def __init__(
        self, model: Scripted | None = None, *, consent: bool = True, admit: bool = True
    ) -> None:
        self.availability = MemoryAvailability()
        self.holding = MemoryHolding(self.availability)
        self.crisis = MemoryCrisisDesk()
        self.gate = Gate(admit)
        self.owners = Owners()
        self.model = model
        self.concierge = Concierge(
            GuidedFlow(self.availability, self.holding, FixedClock(NOW)), self.crisis,
            consent=Consent(consent), gate=self.gate, owners=self.owners, model=model,
            # A generous limit: a loaded machine's first graph compile is slow.
            checkpoints=FixedCheckpoints(InMemorySaver()), timeout_seconds=60,
        )  # fmt: skip


def client(user: uuid.UUID = USER) -> Caller:
    return Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))


# --- the guided flow ------------------------------------------------------------------


async def test_the_guided_flow_walks_service_day_time_to_a_proposal_and_holds_on_confirm() -> None:
    world = World()
    concierge = world.concierge
    services = await concierge.step(client(), GuidedStep())
    assert (services.mode, services.step) == ("guided", "service")
    assert [s.slug for s in services.services] == ["konsultatsiya"]

    days = await concierge.step(client(), GuidedStep(service="konsultatsiya"))
    assert [(d.date.isoformat(), d.free_slots) for d in days.days] == [
        ("2026-12-10", 2), ("2026-12-11", 1)
    ]  # fmt: skip

    day = days.days[0].date
    times = await concierge.step(client(), GuidedStep(service="konsultatsiya", date=day))
    assert [s.start for s in times.slots] == [THURSDAY_MORNING, THURSDAY_EVENING]

    chosen = GuidedStep(service="konsultatsiya", date=day, start=THURSDAY_EVENING)
    proposal = await concierge.step(client(), chosen)
    assert proposal.step == "confirm"
    assert proposal.proposal is not None
    assert (proposal.proposal.price, proposal.proposal.pay_now) == ("5000.00", "1000.00")
    assert world.holding.requests == []  # a proposal holds nothing

    terms = HoldTerms(format="online", timezone=ZONE, consents=CONSENTS)
    held = await concierge.confirm(
        client(), service="konsultatsiya", start=THURSDAY_EVENING, terms=terms
    )
    assert held.step == "held"
    assert held.held is not None
    assert held.held.payment_url == "https://pay.test/1"
    ((caller, request),) = world.holding.requests
    assert caller.user_id == USER
    assert (request.service_slug, request.start_at, request.format) == (
        "konsultatsiya", THURSDAY_EVENING, "online"
    )  # fmt: skip
    assert request.consents == CONSENTS
    assert request.metadata == {"source": "api", "assistant": "concierge"}


async def test_a_guided_time_that_is_not_free_is_slot_unavailable() -> None:
    world = World()
    busy = THURSDAY_EVENING + timedelta(hours=1)
    with pytest.raises(SlotUnavailable):
        await world.concierge.step(client(), GuidedStep(service="konsultatsiya", start=busy))
    with pytest.raises(SlotUnavailable):
        await world.concierge.confirm(client(), service="konsultatsiya", start=busy)
    assert world.holding.requests == []


@pytest.mark.parametrize(
    "start",
    [
        datetime(9999, 12, 31, 20, 0, tzinfo=UTC),  # date arithmetic would overflow
        datetime(1, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))),
        NOW + timedelta(days=60),
        NOW - timedelta(days=3),
    ],
)
async def test_a_time_out_of_reach_is_a_validation_error_not_a_crash(start: datetime) -> None:
    world = World()
    with pytest.raises(ValidationFailed) as step:
        await world.concierge.step(client(), GuidedStep(service="konsultatsiya", start=start))
    assert step.value.field == "start"
    with pytest.raises(ValidationFailed):
        await world.concierge.confirm(client(), service="konsultatsiya", start=start)
    assert world.holding.requests == []


async def test_a_guided_decline_holds_nothing_and_offers_the_days_again() -> None:
    world = World()
    answer = await world.concierge.confirm(
        client(), service="konsultatsiya", start=THURSDAY_EVENING, confirm=False
    )
    assert answer.step == "day"
    assert world.holding.requests == []


# --- the model's graph ---------------------------------------------------------------


async def test_the_model_proposes_a_real_free_slot_and_nothing_is_held_before_confirmation() -> (
    None
):
    model = Scripted(
        responses=[FIND_THURSDAY_EVENING, call("propose_slot", {"slot_id": evening_id()}, 2)]
    )
    world = World(model)
    answer = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    assert (answer.mode, answer.step) == ("assistant", "confirm")
    assert answer.proposal is not None
    assert answer.proposal.start == THURSDAY_EVENING
    assert answer.proposal.formats == ["online"]
    assert answer.thread_id is not None
    assert world.holding.requests == []  # the interrupt waits for the client
    assert world.gate.admitted == [f"user:{USER}", f"user:{USER}"]  # before each call
    tool_answer = next(m for m in model.seen[1] if isinstance(m, ToolMessage))
    assert evening_id() in str(tool_answer.content)  # only the evening slot was found
    assert evening_id(THURSDAY_MORNING) not in str(tool_answer.content)

    terms = HoldTerms(format="online", timezone=ZONE, consents=CONSENTS)
    held = await world.concierge.confirm(client(), thread_id=answer.thread_id, terms=terms)
    assert (held.mode, held.step) == ("assistant", "held")
    assert held.held is not None
    ((_, request),) = world.holding.requests
    assert (request.start_at, request.consents) == (THURSDAY_EVENING, CONSENTS)
    assert len(model.seen) == 2  # resuming does not call the model


async def test_an_invented_slot_id_is_refused_and_never_proposed() -> None:
    invented = evening_id(THURSDAY_EVENING + timedelta(hours=1))
    model = Scripted(
        responses=[
            call("propose_slot", {"slot_id": evening_id()}),  # before any search
            call("propose_slot", {"slot_id": invented}, 2),
            AIMessage(content="Не получилось подобрать время."),
        ]
    )
    world = World(model)
    answer = await world.concierge.message(client(), "запишите меня на четверг")
    assert (answer.step, answer.proposal) == ("answer", None)
    refusals = [m for m in model.seen[2] if isinstance(m, ToolMessage)]
    assert len(refusals) == 2
    assert all("refused" in str(m.content) for m in refusals)
    assert world.holding.requests == []
    with pytest.raises(InvalidState):  # nothing to confirm
        await world.concierge.confirm(client(), thread_id=answer.thread_id)


async def test_a_found_slot_taken_before_the_proposal_is_refused() -> None:
    model = Scripted(
        responses=[
            FIND_THURSDAY_EVENING,
            call("propose_slot", {"slot_id": evening_id()}, 2),
            AIMessage(content="Это время уже заняли."),
        ]
    )
    world = World(model)
    world.availability.take_after_first_lookup = THURSDAY_EVENING
    answer = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    assert (answer.step, answer.proposal) == ("answer", None)
    refusal = [m for m in model.seen[2] if isinstance(m, ToolMessage)][-1]
    assert "no longer free" in str(refusal.content)


async def test_a_declined_proposal_holds_nothing_and_goes_back() -> None:
    model = Scripted(
        responses=[FIND_THURSDAY_EVENING, call("propose_slot", {"slot_id": evening_id()}, 2)]
    )
    world = World(model)
    answer = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    declined = await world.concierge.confirm(client(), thread_id=answer.thread_id, confirm=False)
    assert (declined.mode, declined.step, declined.proposal) == ("assistant", "answer", None)
    assert [s.start for s in declined.slots] == [THURSDAY_EVENING]  # what was found
    assert world.holding.requests == []
    with pytest.raises(InvalidState):  # the proposal is gone
        await world.concierge.confirm(client(), thread_id=answer.thread_id)


async def test_someone_elses_thread_is_forbidden() -> None:
    model = Scripted(
        responses=[FIND_THURSDAY_EVENING, call("propose_slot", {"slot_id": evening_id()}, 2)]
    )
    world = World(model)
    answer = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    with pytest.raises(Forbidden):
        await world.concierge.confirm(client(OTHER), thread_id=answer.thread_id)
    assert world.holding.requests == []


async def test_crisis_words_get_the_resources_a_flag_and_no_model_call() -> None:
    model = Scripted(responses=[AIMessage(content="...")])
    world = World(model)
    answer = await world.concierge.message(client(), "не хочу жить, запишите на четверг")
    assert (answer.mode, answer.step) == ("crisis", "crisis")
    assert answer.crisis_resources is not None
    assert world.crisis.signals == ["api"]
    assert model.seen == []
    assert world.gate.admitted == []


async def test_without_the_consent_the_model_is_not_called_and_the_guided_flow_answers() -> None:
    model = Scripted(responses=[AIMessage(content="...")])
    world = World(model, consent=False)
    answer = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    assert (answer.mode, answer.step, answer.guided_reason) == ("guided", "service", "no_consent")
    assert [s.slug for s in answer.services] == ["konsultatsiya"]
    assert model.seen == []


async def test_without_a_model_the_guided_flow_answers() -> None:
    answer = await World(None).concierge.message(client(), "хочу в четверг")
    assert (answer.mode, answer.guided_reason) == ("guided", "no_model")


async def test_a_model_error_falls_back_to_the_guided_flow() -> None:
    model = Broken(responses=[AIMessage(content="...")])
    world = World(model)
    answer = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    assert (answer.mode, answer.guided_reason) == ("guided", "model_error")
    assert len(model.seen) == 1


async def test_a_gate_that_refuses_falls_back_without_a_model_call() -> None:
    model = Scripted(responses=[AIMessage(content="...")])
    world = World(model, admit=False)
    answer = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    assert (answer.mode, answer.guided_reason) == ("guided", "not_admitted")
    assert model.seen == []


async def test_personal_details_are_masked_and_the_answer_is_checked() -> None:
    model = Scripted(responses=[AIMessage(content="У вас депрессия, приходите в четверг.")])
    world = World(model)
    answer = await world.concierge.message(
        client(), "Меня зовут Анна, anna@example.org, +7 912 345-67-89, хочу в четверг"
    )
    assert answer.text == SAFE_REFERRAL
    sent = " ".join(str(m.content) for m in model.seen[0])
    assert "anna@example.org" not in sent
    assert "912" not in sent
    assert "Анна" not in sent
    assert "[e-mail]" in sent


async def test_a_new_message_instead_of_an_answer_continues_the_conversation() -> None:
    model = Scripted(
        responses=[
            FIND_THURSDAY_EVENING,
            call("propose_slot", {"slot_id": evening_id()}, 2),
            AIMessage(content="Могу предложить пятницу вечером."),
        ]
    )
    world = World(model)
    first = await world.concierge.message(client(), "хочу онлайн в четверг вечером")
    again = await world.concierge.message(client(), "а в пятницу?", first.thread_id)
    assert (again.step, again.text, again.thread_id) == (
        "answer", "Могу предложить пятницу вечером.", first.thread_id
    )  # fmt: skip
    history = [type(m).__name__ for m in model.seen[2]]
    assert history[1:] == [
        "HumanMessage", "AIMessage", "ToolMessage", "AIMessage", "ToolMessage", "HumanMessage"
    ]  # fmt: skip
    assert world.holding.requests == []
    with pytest.raises(InvalidState):  # the earlier proposal no longer waits
        await world.concierge.confirm(client(), thread_id=first.thread_id)
