"""LangChain callbacks: one counts requests, tokens and time for the metrics, one
records the tokens spent against the daily budget (``ModelGate.spend``). Neither reads
or logs the prompt or the answer text. Imported only when a model is built."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import structlog
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from app.adapters.llm.metrics import LlmMetrics
from app.application.assistants.ports import ModelGate

logger = structlog.get_logger(__name__)


def reported_tokens(response: LLMResult) -> dict[str, int]:
    """The prompt and completion tokens the provider reported (missing or bad: none)."""
    usage = (response.llm_output or {}).get("token_usage") or {}
    counts: dict[str, int] = {}
    for kind in ("prompt", "completion"):
        count = usage.get(f"{kind}_tokens")
        if isinstance(count, int) and count > 0:
            counts[kind] = count
    return counts


class MetricsCallback(BaseCallbackHandler):
    def __init__(self, metrics: LlmMetrics, *, now: Callable[[], float] = time.monotonic) -> None:
        self._metrics = metrics
        self._now = now
        self._started: dict[UUID, float] = {}

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        self._started[run_id] = self._now()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, "ok")
        for kind, count in reported_tokens(response).items():
            self._metrics.tokens.labels(kind=kind).inc(count)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, "error")

    def _finish(self, run_id: UUID, outcome: str) -> None:
        started = self._started.pop(run_id, None)
        if started is not None:
            self._metrics.seconds.observe(self._now() - started)
        self._metrics.requests.labels(outcome=outcome).inc()


UNREPORTED_TOKENS = 1000


class BudgetCallback(AsyncCallbackHandler):
    """Adds each answer's reported tokens to the day's spend. A failure to record is
    logged (its type only) and does not fail the answer."""

    def __init__(self, gate: ModelGate) -> None:
        self._gate = gate

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        # A provider that reports no usage (some self-hosted servers) is charged a fixed
        # amount per answer, so the budget still ends.
        tokens = sum(reported_tokens(response).values()) or UNREPORTED_TOKENS
        try:
            await self._gate.spend(tokens)
        except Exception as error:  # the answer stands; only the spend is lost
            logger.warning("llm_spend_not_recorded", error_type=type(error).__name__)
