"""Assistants: the navigator over the published catalogue.

The model is None (rules only) unless ``LLM_PROVIDER`` names one; the chat-model library
is imported only then (``build_chat_model`` imports it inside).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.adapters.http.assistants import ASSISTANT_CONTROLLERS
from app.adapters.llm.openai_compatible import build_chat_model
from app.adapters.postgres.navigator import PostgresNavigatorCatalogue
from app.application.assistants.navigator import Navigator
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, provide

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


@dataclass(frozen=True, slots=True)
class AssistantsContext:
    navigator: Navigator
    wiring: Wiring


def build_assistants(
    infra: Infrastructure, model: BaseChatModel | None = None
) -> AssistantsContext:
    """The assistants over ``model``, or over the configured one when none is given."""
    settings = infra.settings
    chosen = model if model is not None else build_chat_model(settings)
    navigator = Navigator(
        PostgresNavigatorCatalogue(infra.database), settings.site_links, chosen,
        timeout_seconds=settings.llm_timeout_seconds,
    )  # fmt: skip
    return AssistantsContext(
        navigator=navigator,
        wiring=Wiring(
            controllers=tuple(ASSISTANT_CONTROLLERS),
            dependencies={"navigator": provide(navigator)},
        ),
    )
