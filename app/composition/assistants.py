"""Assistants: the navigator over the published catalogue, and the platform every
assistant builds on — the ``ai_processing`` consent, the model gate (per-caller rate
and daily token budget), conversation owners, the encrypted checkpointer, and the
retention job.

The model is None (rules only) unless ``LLM_PROVIDER`` names one; the chat-model library
is imported only then (``build_chat_model`` imports it inside), and so is LangGraph's
checkpointer (``checkpointer`` is None with the model off, and opens its pool on first
use otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.adapters.crypto.aesgcm import KeyedHasher
from app.adapters.http.assistants import ASSISTANT_CONTROLLERS
from app.adapters.llm.checkpoints import LazyCheckpointer
from app.adapters.llm.openai_compatible import build_chat_model
from app.adapters.postgres.assistants import (
    PostgresAiConsent,
    PostgresConversationOwners,
    PostgresConversationRetention,
    PostgresModelGate,
)
from app.adapters.postgres.navigator import PostgresNavigatorCatalogue
from app.application.assistants.navigator import Navigator
from app.application.assistants.ports import AiConsent, ConversationOwners, ModelGate
from app.application.assistants.retention import purge_idle_conversations
from app.application.scheduler import PeriodicJob
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, provide

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

RETENTION_INTERVAL = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class AssistantsContext:
    navigator: Navigator
    wiring: Wiring
    # The configured chat model (None when LLM_PROVIDER=off), shared by every assistant.
    model: BaseChatModel | None
    consent: AiConsent
    gate: ModelGate
    owners: ConversationOwners
    # The encrypted LangGraph checkpointer (``await checkpointer.get()``); None when no
    # model is configured. Closed by ``close`` when the process stops.
    checkpointer: LazyCheckpointer | None

    async def close(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.close()


def build_assistants(
    infra: Infrastructure, model: BaseChatModel | None = None
) -> AssistantsContext:
    """The assistants over ``model``, or over the configured one when none is given."""
    settings = infra.settings
    gate = PostgresModelGate(
        infra.database, infra.clock, KeyedHasher(infra.cipher.keyring),
        daily_token_budget=settings.llm_daily_token_budget,
        requests_per_hour=settings.assistant_requests_per_hour,
    )  # fmt: skip
    chosen = model if model is not None else build_chat_model(settings, gate=gate)
    navigator = Navigator(
        PostgresNavigatorCatalogue(infra.database), settings.site_links, chosen,
        timeout_seconds=settings.llm_timeout_seconds, gate=gate,
    )  # fmt: skip
    checkpointer = (
        LazyCheckpointer(settings.database_url, infra.cipher.keyring)
        if chosen is not None and settings.database_url is not None
        else None
    )
    retention = PostgresConversationRetention(infra.database)

    async def purge_conversations(now: datetime) -> None:
        await purge_idle_conversations(retention, now, settings.assistant_retention_days)

    return AssistantsContext(
        navigator=navigator,
        wiring=Wiring(
            jobs=(PeriodicJob("assistants.retention", RETENTION_INTERVAL, purge_conversations),),
            controllers=tuple(ASSISTANT_CONTROLLERS),
            dependencies={"navigator": provide(navigator)},
        ),
        model=chosen,
        consent=PostgresAiConsent(infra.database),
        gate=gate,
        owners=PostgresConversationOwners(infra.database, infra.clock),
        checkpointer=checkpointer,
    )
