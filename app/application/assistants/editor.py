"""Editor's drafts: a model writes a Markdown draft from an editor's brief, and it lands
through the ordinary editorial workflow as a ``draft`` content item whose first version
is marked as written by this assistant. Nothing is ever published without a person.

The brief is staff text, not a client's: it needs no ``ai_processing`` consent and no
crisis check (an article about a crisis topic is legitimate work), but it is masked
(``mask_personal``) in case a client's details were pasted into it. A draft that reads
as a diagnosis, treatment advice or a promise (``check_output``) is refused and nothing
is saved. Neither the brief nor the draft is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import structlog

from app.application.access import Principal, ensure_roles
from app.application.assistants.guardrails import mask_personal
from app.application.assistants.ports import AssistantUnavailable, ModelGate
from app.application.assistants.writing import NO_MODEL, admit, staff_caller, write_and_check
from app.application.content.editorial import Editorial, ItemFields
from app.domain.content.model import MAX_TITLE, ContentItem, ContentType
from app.domain.content.slugs import slug_from_title
from app.domain.errors import DomainError, ValidationFailed
from app.domain.identity.model import Role
from app.domain.shared.ids import new_id

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

logger = structlog.get_logger(__name__)

ASSISTANT = "editor_drafts"
DRAFT_KINDS = {
    ContentType.ARTICLE: "статья",
    ContentType.NOTE: "короткая заметка",
    ContentType.PRACTICE: "практика: упражнение с понятными шагами",
    ContentType.FAQ: "ответ на частый вопрос",
}

SYSTEM = (
    "Ты — внимательный редактор частной практики психолога. По брифу ты пишешь черновик "
    "материала для сайта на русском языке в Markdown: бережно, ясно, без жаргона и без "
    "оценок читателя. Нельзя: ставить или называть диагнозы, советовать лечение, "
    "лекарства или их дозы, обещать результат. Не пиши о конкретных людях и клиентах. "
    "Если уместно, мягко предложи обсудить свою ситуацию со специалистом. Ответь только "
    "текстом черновика, начиная с заголовка первого уровня (# Заголовок)."
)


# Hex digits as letters: a suffix of digits beside a title's numbers ("Дыхание 4-7-8")
# could read as a phone number to the audit log's personal-data check, and the draft
# would be refused at random.
_HEX_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _letters(hex_digits: str) -> str:
    return hex_digits.translate(_HEX_AS_LETTERS)


class DraftRefused(DomainError):
    """The model's draft read as a diagnosis, treatment advice or a promise; not saved."""

    code = "assistant_draft_refused"
    title = "The assistant's draft did not pass the output check"


@dataclass(frozen=True, slots=True)
class DraftBrief:
    topic: str
    audience: str
    key_points: tuple[str, ...]
    kind: ContentType = ContentType.ARTICLE
    title: str | None = None


class TopicTitles(Protocol):
    async def title(self, code: str) -> str | None:
        """The topic's title, or None when there is no topic with this code."""
        ...


class EditorDrafts:
    def __init__(
        self,
        editorial: Editorial,
        topics: TopicTitles,
        gate: ModelGate,
        model: BaseChatModel | None = None,
        timeout_seconds: float = 60.0,
    ) -> None:
        self._editorial = editorial
        self._topics = topics
        self._gate = gate
        self._model = model
        self._timeout = timeout_seconds

    async def draft(self, actor: Principal, brief: DraftBrief) -> ContentItem:
        """The saved draft. 403 for anyone but an owner or editor; 503
        ``assistant_unavailable`` without a model; 422 for an unknown topic or kind;
        ``DraftRefused`` when the output check replaced the text."""
        ensure_roles(actor, Role.OWNER, Role.EDITOR)
        if self._model is None:
            raise AssistantUnavailable(NO_MODEL)
        if brief.kind not in DRAFT_KINDS:
            raise ValidationFailed("the assistant drafts articles, notes, practices and FAQ",
                                   field="kind")  # fmt: skip
        topic_title = await self._topics.title(brief.topic)
        if topic_title is None:
            raise ValidationFailed("no topic with this code", field="topic")
        await admit(self._gate, staff_caller(actor.user_id))
        verdict = await write_and_check(
            self._model, SYSTEM, brief_prompt(brief, topic_title),
            timeout_seconds=self._timeout, assistant=ASSISTANT,
        )  # fmt: skip
        if verdict.replaced:
            # The rule's code only, never the text.
            logger.info("assistant_draft_refused", assistant=ASSISTANT, rule=verdict.reason)
            raise DraftRefused(
                f"The draft tripped the '{verdict.reason}' output check (no diagnosis, no "
                "treatment or medication advice, no promises), so it was not saved. Adjust "
                "the brief and try again, or write the text by hand."
            )
        title, body = split_title(verdict.text)
        title = (brief.title or title or f"Черновик: {topic_title}")[:MAX_TITLE].strip()
        fields = ItemFields(
            slug=slug_from_title(title, suffix=_letters(new_id().hex[:6])), title=title,
            body_markdown=body, topics=(brief.topic,),
        )  # fmt: skip
        return await self._editorial.create(actor, brief.kind, fields, assisted_by=ASSISTANT)


def brief_prompt(brief: DraftBrief, topic_title: str) -> str:
    """The brief as the model reads it, masked."""
    points = "\n".join(f"- {mask_personal(p)}" for p in brief.key_points)
    lines = [
        f"Формат: {DRAFT_KINDS[brief.kind]}",
        f"Тема: {topic_title}",
        f"Для кого: {mask_personal(brief.audience)}",
        f"Ключевые мысли:\n{points}",
    ]
    if brief.title:
        lines.append(f"Заголовок: {mask_personal(brief.title)}")
    return "\n".join(lines)


def split_title(markdown: str) -> tuple[str | None, str]:
    """The text of a leading ``# heading`` and the body without it."""
    lines = markdown.strip().splitlines()
    if lines and lines[0].startswith("# "):
        return lines[0][2:].strip() or None, "\n".join(lines[1:]).strip()
    return None, markdown.strip()
