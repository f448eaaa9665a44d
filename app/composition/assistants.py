"""Assistants: the navigator over the published catalogue, and the booking concierge
over the real availability and the ordinary hold.

The model is None (rules and the guided flow only) unless ``LLM_PROVIDER`` names one;
the chat-model library is imported only then (``build_chat_model`` imports it inside).
The concierge's consent, model gate, conversation owners and checkpointer are
parameters; their defaults keep client text away from any model (no consent, a closed
gate, no checkpointer: the guided flow answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.adapters.http.assistant_booking import CONCIERGE_CONTROLLERS
from app.adapters.http.assistants import ASSISTANT_CONTROLLERS
from app.adapters.llm.openai_compatible import build_chat_model
from app.adapters.postgres.assistant_crisis import PostgresCrisisRecords
from app.adapters.postgres.navigator import PostgresNavigatorCatalogue
from app.application.assistants.concierge import Concierge, GuidedFlow
from app.application.assistants.concierge_defaults import (
    ClosedGate,
    NoAiConsent,
    ProcessConversationOwners,
)
from app.application.assistants.crisis_desk import AssistantCrisisDesk
from app.application.assistants.navigator import Navigator
from app.application.assistants.ports import AiConsent, ConversationOwners, ModelGate
from app.application.booking.use_cases import Booking
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, provide

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


@dataclass(frozen=True, slots=True)
class AssistantsContext:
    navigator: Navigator
    concierge: Concierge | None
    wiring: Wiring


def build_assistants(
    infra: Infrastructure, model: BaseChatModel | None = None, *,
    booking: Booking | None = None, ai_consent: AiConsent | None = None,
    model_gate: ModelGate | None = None, conversation_owners: ConversationOwners | None = None,
    checkpointer: Any | None = None,
) -> AssistantsContext:  # fmt: skip
    """The assistants over ``model``, or over the configured one when none is given."""
    settings = infra.settings
    chosen = model if model is not None else build_chat_model(settings)
    navigator = Navigator(
        PostgresNavigatorCatalogue(infra.database), settings.site_links, chosen,
        timeout_seconds=settings.llm_timeout_seconds,
    )  # fmt: skip
    concierge = None
    if booking is not None:
        concierge = Concierge(
            GuidedFlow(booking.slots, booking.holding, infra.clock),
            AssistantCrisisDesk(infra.unit_of_work(PostgresCrisisRecords), infra.clock),
            consent=ai_consent or NoAiConsent(), gate=model_gate or ClosedGate(),
            owners=conversation_owners or ProcessConversationOwners(), model=chosen,
            checkpointer=checkpointer, timeout_seconds=settings.llm_timeout_seconds,
        )  # fmt: skip
    controllers = (*ASSISTANT_CONTROLLERS, *(CONCIERGE_CONTROLLERS if concierge else ()))
    return AssistantsContext(
        navigator=navigator,
        concierge=concierge,
        wiring=Wiring(
            controllers=controllers,
            dependencies={"navigator": provide(navigator), "concierge": provide(concierge)},
        ),
    )
