"""What the staff assistants share: admission through the model gate, and one small
LangGraph graph that asks the model for a text and passes it through ``check_output``.

LangChain and LangGraph are imported inside the functions only (an optional extra). The
prompt and the answer are never logged; a failure is logged by its error type only.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypedDict

import structlog

from app.application.assistants.guardrails import OutputVerdict, check_output
from app.application.assistants.ports import (
    AssistantRateLimited,
    AssistantUnavailable,
    ModelGate,
    ModelNotAdmitted,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

logger = structlog.get_logger(__name__)

NO_MODEL = (
    "No language model is configured (LLM_PROVIDER=off), so this assistant cannot answer. "
    "Everything it would do can be done by hand in the console."
)
MODEL_FAILED = "The language model did not answer. Please try again later."
BUDGET_SPENT = "Today's budget of model tokens is spent. Please try again tomorrow."


def staff_caller(user_id: object) -> str:
    """The gate's pseudonymous key of a staff member."""
    return f"staff:{user_id}"


async def admit(gate: ModelGate, caller: str) -> None:
    """The gate's admission as the API's errors: a person's rate spent is 429
    ``assistant_rate_limited``; the day's token budget spent is 503 ``assistant_unavailable``
    (nobody can use the model until the budget renews)."""
    try:
        await gate.admit(caller)
    except ModelNotAdmitted as refused:
        if refused.reason == "rate":
            raise AssistantRateLimited(
                refused.retry_after_seconds,
                "Too many assistant requests. Please try again later.",
            ) from None
        raise AssistantUnavailable(BUDGET_SPENT) from None


class _State(TypedDict):
    system: str
    prompt: str
    text: str
    replaced: bool
    reason: str | None


class _Written(TypedDict):
    text: str


class _Checked(TypedDict):
    text: str
    replaced: bool
    reason: str | None


async def write_and_check(
    model: BaseChatModel, system: str, prompt: str, *, timeout_seconds: float, assistant: str
) -> OutputVerdict:
    """The model's text for ``prompt`` after ``check_output`` (``replaced`` when it read as
    a diagnosis, treatment or promise). ``AssistantUnavailable`` when the model fails or
    takes longer than ``timeout_seconds``."""
    try:
        return await asyncio.wait_for(_run(model, system, prompt), timeout_seconds)
    except Exception as error:
        # The type only: the error's text may quote the prompt or the answer.
        logger.warning("assistant_model_failed", assistant=assistant, error=type(error).__name__)
        raise AssistantUnavailable(MODEL_FAILED) from None


async def _run(model: BaseChatModel, system: str, prompt: str) -> OutputVerdict:
    from langchain_core.messages import HumanMessage, SystemMessage  # noqa: PLC0415 - optional
    from langgraph.graph import END, START, StateGraph  # noqa: PLC0415

    async def write(state: _State) -> _Written:
        reply = await model.ainvoke(
            [SystemMessage(content=state["system"]), HumanMessage(content=state["prompt"])]
        )
        return {"text": answer_text(reply.content)}

    def check(state: _State) -> _Checked:
        verdict = check_output(state["text"])
        return {"text": verdict.text, "replaced": verdict.replaced, "reason": verdict.reason}

    graph = StateGraph(_State)
    graph.add_node("write", write)
    graph.add_node("check", check)
    graph.add_edge(START, "write")
    graph.add_edge("write", "check")
    graph.add_edge("check", END)
    start: _State = {"system": system, "prompt": prompt, "text": "", "replaced": False,
                     "reason": None}  # fmt: skip
    result = await graph.compile().ainvoke(start)
    return OutputVerdict(result["text"], replaced=result["replaced"], reason=result["reason"])


def answer_text(content: object) -> str:
    """The answer's text, without a code fence the model may have put around it."""
    if isinstance(content, list):
        content = "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in content
            if isinstance(part, str | dict)
        )
    if not isinstance(content, str) or not content.strip():
        raise ValueError("the answer has no text")
    text = content.strip()
    if text.startswith("```"):
        first_newline = text.find("\n")
        text = text[first_newline + 1 :] if first_newline != -1 else ""
        text = text.removesuffix("```").strip()
    if not text:
        raise ValueError("the answer has no text")
    return text
