"""The concierge's LangGraph graph: the model talks to the client and calls tools; the
tools answer from the real availability; a proposal stops at an interrupt until the
client answers, and only a ``confirm`` resumes into the ordinary hold.

Nodes: ``agent`` (the model, admitted by the gate before every call) → ``tools`` (our
code: ``list_services``, ``find_free_slots``, ``propose_slot``) → back to ``agent``, or
to ``confirm`` once a proposal stands. ``propose_slot`` accepts only a slot id that
``find_free_slots`` returned in this thread and that is still free; anything else is
refused in the tool's answer and never reaches the client. LangChain and LangGraph are
imported inside the functions only (an optional extra).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, cast
from zoneinfo import ZoneInfo

from app.application.assistants.concierge import (
    TEXT_CONFIRM,
    TEXT_DECLINED,
    TEXT_HELD,
    ConciergeAnswer,
    GuidedFlow,
    HeldBooking,
    HoldTerms,
    Proposal,
    SlotChoice,
    checked,
    formats_of,
    service_choice,
    slot_id,
)
from app.application.assistants.concierge_days import (
    PartOfDay,
    day_bounds,
    in_part_of_day,
    local_today,
    resolve_day,
)
from app.application.assistants.ports import ModelGate
from app.application.booking.callers import Caller
from app.domain.booking.service import Service

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

MAX_WINDOW_DAYS = 14
MAX_FOUND = 10
RECURSION_LIMIT = 16
FORMATS = {"online": ("online", "hybrid"), "in_person": ("offline", "hybrid")}

SYSTEM_PROMPT = (
    "Ты помогаешь клиенту психологической практики выбрать консультацию и свободное "
    "время. Сегодня {today} ({weekday}), часовой пояс практики {zone}. Свободное время "
    "узнавай только инструментом find_free_slots, консультации — list_services. Никогда "
    "не придумывай время: предлагай только slot_id, которые вернул find_free_slots, "
    "инструментом propose_slot; запись делает клиент подтверждением, не ты. Дни можно "
    "передавать датой YYYY-MM-DD или словом (сегодня, завтра, четверг). Отвечай кратко, "
    "по-русски. Не ставь диагнозов, не советуй лечение и не обещай результатов."
)
WEEKDAYS_RU = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "list_services",
            "description": "Published consultations: slug, title, format, duration, price.",
            "parameters": {"type": "object", "properties": {}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "find_free_slots",
            "description": "Real free start times of a consultation between two days "
            "(at most 14 days), each with a slot_id for propose_slot.",
            "parameters": {
                "type": "object",
                "properties": {
                    "service": {"type": "string", "description": "The service's slug"},
                    "date_from": {"type": "string", "description": "YYYY-MM-DD or a word"},
                    "date_to": {"type": "string", "description": "YYYY-MM-DD or a word"},
                    "part_of_day": {
                        "type": "string",
                        "enum": ["morning", "afternoon", "evening", "any"],
                    },
                    "format": {"type": "string", "enum": ["online", "in_person", "any"]},
                },
                "required": ["service", "date_from"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "propose_slot",
            "description": "Offer the client one slot found by find_free_slots; the client "
            "then confirms or declines.",
            "parameters": {
                "type": "object",
                "properties": {"slot_id": {"type": "string"}},
                "required": ["slot_id"],
            },
        },
    },
]


class _State(TypedDict, total=False):
    messages: list[Any]
    offered: dict[str, dict[str, str]]
    """slot id → the slot (service, start, format) that find_free_slots returned."""
    found: list[str]
    proposal: dict[str, str] | None
    held: dict[str, str] | None
    declined: bool


class ToolRefused(ValueError):
    """A tool call the concierge does not carry out; the model is told why."""


class ConciergeGraph:
    """One request's graph over the shared checkpointer (built per request: the hold it
    may run acts for this caller with this request's consents)."""

    def __init__(
        self, *, model: BaseChatModel | None, checkpointer: Any, guided: GuidedFlow,
        gate: ModelGate, caller: Caller, channel: str, terms: HoldTerms,
    ) -> None:  # fmt: skip
        self._model = model
        self._checkpointer = checkpointer
        self._guided = guided
        self._gate = gate
        self._caller = caller
        self._channel = channel
        self._terms = terms

    # --- the public steps -------------------------------------------------------------

    async def ask(self, thread_id: str, text: str) -> ConciergeAnswer:
        """The client's (masked) words; the model answers, finds, perhaps proposes."""
        from langchain_core.messages import HumanMessage  # noqa: PLC0415 - optional extra

        graph = self._compile()
        config = self._config(thread_id)
        snapshot = await graph.aget_state(config)
        prior = _answered(list(snapshot.values.get("messages", [])) if snapshot.values else [])
        result = await graph.ainvoke(
            {"messages": [*prior, HumanMessage(content=text)], "proposal": None,
             "held": None, "declined": False},
            config,
        )  # fmt: skip
        return await self._answer(thread_id, result)

    async def resume(self, thread_id: str, confirm: bool) -> ConciergeAnswer:
        """The client's answer to the standing proposal; only ``True`` holds."""
        from langgraph.types import Command  # noqa: PLC0415 - optional extra

        from app.domain.errors import InvalidState  # noqa: PLC0415

        graph = self._compile()
        config = self._config(thread_id)
        snapshot = await graph.aget_state(config)
        if not any(task.interrupts for task in snapshot.tasks):
            raise InvalidState("no proposal waits for confirmation in this thread")
        result = await graph.ainvoke(Command(resume={"confirm": confirm}), config)
        return await self._answer(thread_id, result)

    # --- the graph --------------------------------------------------------------------

    def _config(self, thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": RECURSION_LIMIT}

    def _compile(self) -> Any:
        from langgraph.graph import END, START, StateGraph  # noqa: PLC0415 - optional extra

        graph = StateGraph(_State)
        graph.add_node("agent", self._agent)
        graph.add_node("tools", self._tools)
        graph.add_node("confirm", self._confirm)
        graph.add_edge(START, "agent")
        graph.add_conditional_edges("agent", _after_agent, {"tools": "tools", "end": END})
        graph.add_conditional_edges("tools", _after_tools, {"agent": "agent", "confirm": "confirm"})
        graph.add_edge("confirm", END)
        return graph.compile(checkpointer=self._checkpointer)

    async def _agent(self, state: _State) -> _State:
        from langchain_core.messages import SystemMessage  # noqa: PLC0415 - optional extra

        if self._model is None:
            raise RuntimeError("no model")
        user = self._caller.user_id
        await self._gate.admit(f"user:{user}")  # ModelNotAdmitted: the guided flow answers
        zone = await self._guided.zone()
        today = local_today(self._guided.now(), zone)
        system = SystemMessage(
            content=SYSTEM_PROMPT.format(
                today=today.isoformat(), weekday=WEEKDAYS_RU[today.weekday()], zone=zone.key
            )
        )
        reply = await self._model.bind_tools(TOOLS).ainvoke([system, *state["messages"]])
        return {"messages": [*state["messages"], reply]}

    async def _tools(self, state: _State) -> _State:
        from langchain_core.messages import ToolMessage  # noqa: PLC0415 - optional extra

        messages = list(state["messages"])
        offered = dict(state.get("offered") or {})
        found = list(state.get("found") or [])
        proposal: dict[str, str] | None = None
        for call in getattr(messages[-1], "tool_calls", []) or []:
            name, args = call.get("name"), call.get("args") or {}
            try:
                if name == "list_services":
                    content: Any = await self._list_services()
                elif name == "find_free_slots":
                    slots = await self._find_free_slots(args)
                    found = [s["slot_id"] for s in slots]
                    offered.update({s["slot_id"]: s for s in slots})
                    content = slots
                elif name == "propose_slot":
                    proposal = await self._propose(offered, args)
                    content = {"proposed": proposal["slot_id"], "status": "awaiting_client"}
                else:
                    raise ToolRefused("unknown tool")
            except ToolRefused as refused:
                content = {"refused": str(refused)}
            messages.append(
                ToolMessage(
                    content=json.dumps(content, ensure_ascii=False), tool_call_id=call["id"]
                )
            )
        return {"messages": messages, "offered": offered, "found": found, "proposal": proposal}

    async def _confirm(self, state: _State) -> _State:
        from langchain_core.messages import AIMessage  # noqa: PLC0415 - optional extra
        from langgraph.types import interrupt  # noqa: PLC0415

        proposal = state.get("proposal") or {}
        decision = interrupt({"proposal": proposal})
        if isinstance(decision, dict) and decision.get("confirm") is True:
            terms = self._terms
            asked = {"online": "online", "in_person": "offline"}.get(proposal.get("format", ""))
            if terms.format is None and asked is not None:  # the format the client asked for
                terms = HoldTerms("online" if asked == "online" else "offline", terms.timezone,
                                  terms.consents)  # fmt: skip
            held = await self._guided.hold(
                self._caller, proposal["service"], datetime.fromisoformat(proposal["start"]),
                terms, self._channel, idempotency_key=None,
            )  # fmt: skip
            return {"held": _held_state(held)}
        note = AIMessage(content=TEXT_DECLINED)
        return {"proposal": None, "declined": True, "messages": [*state["messages"], note]}

    # --- the tools --------------------------------------------------------------------

    async def _list_services(self) -> list[dict[str, Any]]:
        return [
            {"slug": c.slug, "title": c.title, "format": c.format,
             "duration_minutes": c.duration_minutes, "price": c.price, "currency": c.currency}
            for c in (service_choice(s) for s in await self._guided.services())
        ]  # fmt: skip

    async def _service(self, slug: object) -> Service:
        found = next((s for s in await self._guided.services() if s.slug == slug), None)
        if found is None:
            raise ToolRefused("unknown service: call list_services for the slugs")
        return found

    async def _find_free_slots(self, args: dict[str, Any]) -> list[dict[str, str]]:
        service = await self._service(args.get("service"))
        zone = await self._guided.zone()
        today = local_today(self._guided.now(), zone)
        try:
            first = resolve_day(str(args.get("date_from") or "today"), today)
            last = resolve_day(str(args.get("date_to") or args.get("date_from") or ""), today)
        except ValueError:
            raise ToolRefused("dates are YYYY-MM-DD, a weekday, today or tomorrow") from None
        if last < first:
            first, last = last, first
        last = min(last, first + timedelta(days=MAX_WINDOW_DAYS - 1))
        part = cast(PartOfDay, args.get("part_of_day") or "any")
        if part not in ("morning", "afternoon", "evening", "any"):
            raise ToolRefused("part_of_day is morning, afternoon, evening or any")
        wanted = str(args.get("format") or "any")
        if wanted not in ("online", "in_person", "any"):
            raise ToolRefused("format is online, in_person or any")
        if wanted != "any" and service.format not in FORMATS[wanted]:
            return []
        start, _ = day_bounds(first, zone)
        _, end = day_bounds(last, zone)
        starts = await self._guided.free_starts(service, start, end, self._caller.user_id)
        kept = [s for s in starts if in_part_of_day(s, zone, part)][:MAX_FOUND]
        return [_slot_state(self._guided.slot(service, s), zone, wanted) for s in kept]

    async def _propose(
        self, offered: dict[str, dict[str, str]], args: dict[str, Any]
    ) -> dict[str, str]:
        wanted = str(args.get("slot_id") or "")
        slot = offered.get(wanted)
        if slot is None:
            raise ToolRefused("not a slot find_free_slots returned: find free slots first")
        service = await self._service(slot["service"])
        start = datetime.fromisoformat(slot["start"])
        if not await self._guided.still_free(service, start, self._caller.user_id):
            raise ToolRefused("this slot is no longer free: find free slots again")
        return dict(slot)

    # --- the answer -------------------------------------------------------------------

    async def _answer(self, thread_id: str, result: dict[str, Any]) -> ConciergeAnswer:
        zone = await self._guided.zone()
        held = result.get("held")
        if held:
            return ConciergeAnswer(
                mode="assistant", step="held", text=TEXT_HELD, timezone=zone.key,
                thread_id=thread_id, held=_held_of(held),
            )  # fmt: skip
        if result.get("__interrupt__") and result.get("proposal"):
            proposal = await self._proposal(result["proposal"])
            return ConciergeAnswer(
                mode="assistant", step="confirm", text=TEXT_CONFIRM, timezone=zone.key,
                thread_id=thread_id, proposal=proposal,
            )  # fmt: skip
        offered = result.get("offered") or {}
        slots = [_slot_of(offered[i]) for i in result.get("found") or [] if i in offered]
        last = result["messages"][-1] if result.get("messages") else None
        words = last.content if last is not None and isinstance(last.content, str) else ""
        text = TEXT_DECLINED if result.get("declined") else checked(words)
        return ConciergeAnswer(
            mode="assistant", step="answer", text=text or TEXT_DECLINED, timezone=zone.key,
            thread_id=thread_id, slots=slots,
        )  # fmt: skip

    async def _proposal(self, stored: dict[str, str]) -> Proposal:
        service = await self._service(stored["service"])
        return Proposal(
            service=service.slug, service_title=service.title, start=_utc(stored["start"]),
            end=_utc(stored["end"]), price=f"{service.price_amount:.2f}",
            pay_now=f"{service.charge.amount:.2f}", currency=service.currency,
            formats=formats_of(service) if stored.get("format") in (None, "any")
            else ["online" if stored["format"] == "online" else "offline"],
        )  # fmt: skip


def _answered(messages: list[Any]) -> list[Any]:
    """The conversation without a trailing model turn whose tool calls got no answer (a
    run cut short by the timeout): the provider refuses such a history."""
    while messages and getattr(messages[-1], "tool_calls", None):
        messages = messages[:-1]
    return messages


def _after_agent(state: _State) -> str:
    last = state["messages"][-1] if state.get("messages") else None
    return "tools" if getattr(last, "tool_calls", None) else "end"


def _after_tools(state: _State) -> str:
    return "confirm" if state.get("proposal") else "agent"


def _slot_state(choice: SlotChoice, zone: ZoneInfo, wanted: str) -> dict[str, str]:
    local = choice.start.astimezone(zone)
    return {
        "slot_id": choice.slot_id, "service": choice.service, "start": local.isoformat(),
        "end": choice.end.astimezone(zone).isoformat(), "format": wanted,
        "weekday": WEEKDAYS_RU[local.weekday()],
    }  # fmt: skip


def _utc(stored: str) -> datetime:
    return datetime.fromisoformat(stored).astimezone(UTC)


def _slot_of(stored: dict[str, str]) -> SlotChoice:
    start = _utc(stored["start"])
    return SlotChoice(
        slot_id(stored["service"], start), stored["service"], start, _utc(stored["end"])
    )


def _held_state(held: HeldBooking) -> dict[str, str]:
    return {
        "appointment_id": str(held.appointment_id), "service": held.service,
        "service_title": held.service_title, "status": held.status,
        "start": held.start.isoformat(), "end": held.end.isoformat(),
        "hold_expires_at": held.hold_expires_at.isoformat() if held.hold_expires_at else "",
        "payment_url": held.payment_url, "next_step": held.next_step,
    }  # fmt: skip


def _held_of(stored: dict[str, str]) -> HeldBooking:
    expires = stored.get("hold_expires_at")
    return HeldBooking(
        appointment_id=uuid.UUID(stored["appointment_id"]), service=stored["service"],
        service_title=stored["service_title"], status=stored["status"],
        start=datetime.fromisoformat(stored["start"]), end=datetime.fromisoformat(stored["end"]),
        hold_expires_at=datetime.fromisoformat(expires) if expires else None,
        payment_url=stored["payment_url"], next_step=stored["next_step"],
    )  # fmt: skip
