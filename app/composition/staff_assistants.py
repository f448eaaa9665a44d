"""The staff assistants: editor's drafts (over the ordinary editorial workflow) and the
topic analyst (over suppressed weekly counts).

Both need a model: without one (``LLM_PROVIDER=off``) they answer 503
``assistant_unavailable``. The model gate is a parameter: the composition root passes
the real one (per-caller rate, daily token budget); without one every call is admitted
(``AdmitAll``, for tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.adapters.http.staff_assistants import STAFF_ASSISTANT_CONTROLLERS, ReviewLinks
from app.adapters.llm.openai_compatible import MAX_RETRIES, build_chat_model
from app.adapters.postgres.staff_assistants import PostgresTopicStatistics, PostgresTopicTitles
from app.application.assistants.analyst import TopicAnalyst
from app.application.assistants.editor import EditorDrafts
from app.application.assistants.ports import ModelGate
from app.application.content.service import ContentService
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, provide

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class AdmitAll:
    """A model gate that admits every call and keeps no count (no limits configured)."""

    async def admit(self, caller: str) -> None:
        return None

    async def spend(self, tokens: int) -> None:
        return None


@dataclass(frozen=True, slots=True)
class StaffAssistantsContext:
    editor_drafts: EditorDrafts
    topic_analyst: TopicAnalyst
    wiring: Wiring


def build_staff_assistants(
    infra: Infrastructure,
    content: ContentService,
    practitioner_timezone: str,
    *,
    model: BaseChatModel | None = None,
    gate: ModelGate | None = None,
) -> StaffAssistantsContext:
    """Over ``model``, or the configured one when none is given; ``gate`` admits calls."""
    settings = infra.settings
    chosen = model if model is not None else build_chat_model(settings)
    admission: ModelGate = gate if gate is not None else AdmitAll()
    # The adapter waits LLM_TIMEOUT_SECONDS per try; leave room for its retries.
    timeout = float(settings.llm_timeout_seconds * (MAX_RETRIES + 1))
    editor = EditorDrafts(
        content.editorial, PostgresTopicTitles(infra.database), admission, chosen,
        timeout_seconds=timeout,
    )  # fmt: skip
    analyst = TopicAnalyst(
        infra.unit_of_work(PostgresTopicStatistics), infra.clock, practitioner_timezone,
        admission, chosen, timeout_seconds=timeout,
    )  # fmt: skip
    return StaffAssistantsContext(
        editor_drafts=editor,
        topic_analyst=analyst,
        wiring=Wiring(
            controllers=tuple(STAFF_ASSISTANT_CONTROLLERS),
            dependencies={
                "editor_drafts": provide(editor),
                "topic_analyst": provide(analyst),
                "review_links": provide(ReviewLinks(settings.console_enabled)),
            },
        ),
    )
