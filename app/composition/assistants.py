"""Assistants: the navigator over the published catalogue, the booking concierge over the
real availability and the ordinary hold, and the platform every assistant builds on —
the ``ai_processing`` consent, the model gate (per-caller rate and daily token budget),
conversation owners, the encrypted checkpointer, and the retention job.

The model is None (rules and the guided flow only) unless ``LLM_PROVIDER`` names one;
the chat-model library is imported only then (``build_chat_model`` imports it inside),
and so is LangGraph's checkpointer (``checkpointer`` is None with the model off, and
opens its pool on first use otherwise). Tests may pass their own consent, gate, owners
and checkpoint source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.adapters.crypto.aesgcm import KeyedHasher
from app.adapters.http.assistant_booking import CONCIERGE_CONTROLLERS
from app.adapters.http.assistants import ASSISTANT_CONTROLLERS
from app.adapters.llm.checkpoints import LazyCheckpointer
from app.adapters.llm.openai_compatible import build_chat_model
from app.adapters.postgres.assistant_crisis import PostgresCrisisRecords
from app.adapters.postgres.assistants import (
    PostgresAiConsent,
    PostgresConversationOwners,
    PostgresConversationRetention,
    PostgresModelGate,
)
from app.adapters.postgres.navigator import PostgresNavigatorCatalogue
from app.application.assistants.concierge import Concierge, GuidedFlow
from app.application.assistants.crisis_desk import AssistantCrisisDesk
from app.application.assistants.navigator import Navigator
from app.application.assistants.ports import (
    AiConsent,
    CheckpointSource,
    ConversationOwners,
    ModelGate,
)
from app.application.assistants.retention import purge_idle_conversations
from app.application.booking.use_cases import Booking
from app.application.scheduler import PeriodicJob
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, provide

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

RETENTION_INTERVAL = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class AssistantsContext:
    navigator: Navigator
    concierge: Concierge | None
    wiring: Wiring
    # The configured chat model (None when LLM_PROVIDER=off), shared by every assistant.
    model: BaseChatModel | None
    consent: AiConsent
    gate: ModelGate
    owners: ConversationOwners
    # The encrypted LangGraph checkpointer (``await checkpointer.saver()``); None when no
    # model is configured. Closed by ``close`` when the process stops.
    checkpointer: CheckpointSource | None

    async def close(self) -> None:
        if isinstance(self.checkpointer, LazyCheckpointer):
            await self.checkpointer.close()


def build_assistants(
    infra: Infrastructure, model: BaseChatModel | None = None, *,
    booking: Booking | None = None, ai_consent: AiConsent | None = None,
    model_gate: ModelGate | None = None, conversation_owners: ConversationOwners | None = None,
    checkpointer: CheckpointSource | None = None,
) -> AssistantsContext:  # fmt: skip
    """The assistants over ``model``, or over the configured one when none is given."""
    settings = infra.settings
    gate: ModelGate = model_gate or PostgresModelGate(
        infra.database, infra.clock, KeyedHasher(infra.cipher.keyring),
        daily_token_budget=settings.llm_daily_token_budget,
        requests_per_hour=settings.assistant_requests_per_hour,
    )  # fmt: skip
    chosen = model if model is not None else build_chat_model(settings, gate=gate)
    navigator = Navigator(
        PostgresNavigatorCatalogue(infra.database), settings.site_links, chosen,
        timeout_seconds=settings.llm_timeout_seconds, gate=gate,
    )  # fmt: skip
    checkpoints: CheckpointSource | None = checkpointer
    if checkpoints is None and chosen is not None and settings.database_url is not None:
        checkpoints = LazyCheckpointer(settings.database_url, infra.cipher.keyring)
    consent = ai_consent or PostgresAiConsent(infra.database)
    owners = conversation_owners or PostgresConversationOwners(infra.database, infra.clock)
    concierge = None
    if booking is not None:
        concierge = Concierge(
            GuidedFlow(booking.slots, booking.holding, infra.clock),
            AssistantCrisisDesk(infra.unit_of_work(PostgresCrisisRecords), infra.clock),
            consent=consent, gate=gate, owners=owners, model=chosen,
            checkpoints=checkpoints, timeout_seconds=settings.llm_timeout_seconds,
        )  # fmt: skip
    controllers = (*ASSISTANT_CONTROLLERS, *(CONCIERGE_CONTROLLERS if concierge else ()))
    retention = PostgresConversationRetention(infra.database)

    async def purge_conversations(now: datetime) -> None:
        await purge_idle_conversations(retention, now, settings.assistant_retention_days)

    return AssistantsContext(
        navigator=navigator,
        concierge=concierge,
        wiring=Wiring(
            jobs=(PeriodicJob("assistants.retention", RETENTION_INTERVAL, purge_conversations),),
            controllers=controllers,
            dependencies={"navigator": provide(navigator), "concierge": provide(concierge)},
        ),
        model=chosen,
        consent=consent,
        gate=gate,
        owners=owners,
        checkpointer=checkpoints,
    )
