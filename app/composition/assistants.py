"""Assistants: the navigator over the published catalogue.

The model is None (rules only) until a chat model is configured; no chat-model library
is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.adapters.http.assistants import ASSISTANT_CONTROLLERS
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
    navigator = Navigator(
        PostgresNavigatorCatalogue(infra.database), infra.settings.site_links, model
    )
    return AssistantsContext(
        navigator=navigator,
        wiring=Wiring(
            controllers=tuple(ASSISTANT_CONTROLLERS),
            dependencies={"navigator": provide(navigator)},
        ),
    )
