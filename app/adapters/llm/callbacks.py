"""A LangChain callback that counts requests, tokens and time; it never reads or logs
the prompt or the answer text. Imported only when a model is built."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from app.adapters.llm.metrics import LlmMetrics


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
        usage = (response.llm_output or {}).get("token_usage") or {}
        for kind in ("prompt", "completion"):
            count = usage.get(f"{kind}_tokens")
            if isinstance(count, int) and count > 0:
                self._metrics.tokens.labels(kind=kind).inc(count)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, "error")

    def _finish(self, run_id: UUID, outcome: str) -> None:
        started = self._started.pop(run_id, None)
        if started is not None:
            self._metrics.seconds.observe(self._now() - started)
        self._metrics.requests.labels(outcome=outcome).inc()
