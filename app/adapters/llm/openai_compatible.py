"""The chat model built from the settings: any OpenAI-compatible chat completions API.

``build_chat_model`` returns ``None`` when ``LLM_PROVIDER=off``; LangChain is imported
only inside it, so a process with the model off never loads it. The adapter logs no
prompt and no answer; the metrics callback counts requests, tokens and time only, and,
given a ``ModelGate``, the budget callback adds each answer's tokens to the day's spend.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import structlog

from app.adapters.llm.metrics import LlmMetrics, default_metrics
from app.config import ConfigError, Settings

if TYPE_CHECKING:
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.language_models import BaseChatModel

    from app.application.assistants.ports import ModelGate

MAX_RETRIES = 2
# LangChain sends every prompt and answer to LangSmith when one of these is true.
TRACING_VARIABLES = ("LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2",
                     "LANGCHAIN_TRACING")  # fmt: skip

logger = structlog.get_logger(__name__)


def _no_third_party_tracing() -> None:
    """Clients' words go to the configured provider only: LangChain's tracing to an
    outside service is switched off in this process, whatever the environment says."""
    for name in TRACING_VARIABLES:
        if os.environ.get(name, "").strip().lower() not in ("", "false", "0"):
            logger.warning("llm_tracing_disabled", variable=name)
        os.environ[name] = "false"


def build_chat_model(
    settings: Settings, *, metrics: LlmMetrics | None = None, gate: ModelGate | None = None
) -> BaseChatModel | None:
    if settings.llm_provider == "off":
        return None
    if settings.llm_base_url is None or settings.llm_api_key is None or not settings.llm_model:
        raise ConfigError("LLM_PROVIDER", "openai needs LLM_BASE_URL, LLM_API_KEY and LLM_MODEL")
    _no_third_party_tracing()
    try:
        from langchain_openai import ChatOpenAI  # noqa: PLC0415 (loaded only when on)
        from pydantic import SecretStr  # noqa: PLC0415

        from app.adapters.llm.callbacks import BudgetCallback, MetricsCallback  # noqa: PLC0415
    except ImportError:
        raise ConfigError(
            "LLM_PROVIDER", "openai needs the `assistants` extra (langchain-openai) installed"
        ) from None
    callbacks: list[BaseCallbackHandler] = [MetricsCallback(metrics or default_metrics())]
    if gate is not None:
        callbacks.append(BudgetCallback(gate))
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        api_key=SecretStr(settings.llm_api_key),
        model=settings.llm_model,
        timeout=float(settings.llm_timeout_seconds),
        max_retries=MAX_RETRIES,
        callbacks=callbacks,
    )
