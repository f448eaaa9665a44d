"""Editor's drafts with scripted chat models over the editorial workflow in memory: the
model's text lands as a draft whose version is marked assisted, never published; a text
that reads as a diagnosis, treatment or promise is refused and nothing is saved."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from app.application.access import Principal
from app.application.assistants.editor import DraftBrief, DraftRefused, EditorDrafts
from app.application.assistants.ports import AssistantRateLimited, AssistantUnavailable
from app.application.content.ports import ListFilter, Topic
from app.application.content.service import ContentService
from app.domain.content.model import SLUG, ContentStatus, ContentType
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.domain.identity.model import Role
from tests.unit.assistants.fakes import MemoryGate, RecordingChatModel, recording
from tests.unit.content.fakes import ContentState, content_world
from tests.unit.memory import ManualClock

EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
ASSISTANT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.ASSISTANT}))

BRIEF = DraftBrief(
    topic="anxiety",
    audience="взрослые, которые впервые думают о психологе",
    key_points=("тревога — нормальная реакция", "пишите мне: anna@example.org, +7 916 123-45-67"),
)
DRAFT = (
    "# Когда тревога мешает жить\n\nТревога — естественная реакция на неопределённость.\n\n"
    "## Что можно сделать\n\n- Замедлить дыхание.\n- Обсудить это со специалистом."
)


class Topics:
    def __init__(self, state: ContentState) -> None:
        self._state = state

    async def title(self, code: str) -> str | None:
        found = self._state.topics.get(code)
        return found[0].title if found else None


class World:
    def __init__(self, model: Any = None, gate: MemoryGate | None = None) -> None:
        self.clock = ManualClock()
        self.state, self.uow = content_world(self.clock)
        self.state.topics["anxiety"] = (Topic(code="anxiety", title="Тревога"), 0)
        self.content = ContentService(self.uow, self.clock, max_body_chars=5000)
        self.gate = gate or MemoryGate()
        self.drafts = EditorDrafts(
            self.content.editorial, Topics(self.state), self.gate, model, timeout_seconds=2
        )


async def test_the_models_text_lands_as_an_assisted_draft_that_readers_do_not_see() -> None:
    model = recording(DRAFT)
    world = World(model)
    item = await world.drafts.draft(EDITOR, BRIEF)

    assert item.status is ContentStatus.DRAFT
    assert item.published_at is None
    assert item.type is ContentType.ARTICLE
    assert item.title == "Когда тревога мешает жить"
    assert item.body_markdown.startswith("Тревога — естественная реакция")
    assert SLUG.match(item.slug)
    assert item.slug.startswith("kogda-trevoga-meshaet-zhit-")
    stored = world.state.items[item.id]
    assert stored.status is ContentStatus.DRAFT
    assert stored.topics == ("anxiety",)
    (version,) = await world.content.editorial.versions(EDITOR, item.id)
    assert version.assisted_by == "editor_drafts"
    assert version.created_by == EDITOR.user_id
    # Not published: the public reading sees nothing of it.
    page = await world.content.public.list_published(ListFilter(), None, 10)
    assert page.items == []
    with pytest.raises(NotFound):
        await world.content.public.get_published("article", item.slug)
    # Audited like any other creation, with the assistant named.
    entry = world.uow.audit_log[-1]
    assert entry.action == "content.create"
    assert entry.entity_id == str(item.id)
    assert entry.details["assisted_by"] == "editor_drafts"
    assert world.gate.callers == [f"staff:{EDITOR.user_id}"]

    # What the model was given: the editor's rules, the brief, masked.
    (call,) = model.seen
    assert isinstance(call[0], SystemMessage)
    assert isinstance(call[1], HumanMessage)
    assert "диагноз" in str(call[0].content)
    assert "русском" in str(call[0].content)
    prompt = str(call[1].content)
    assert "Тема: Тревога" in prompt
    assert "тревога — нормальная реакция" in prompt
    assert "anna@example.org" not in prompt
    assert "916" not in prompt
    assert "[e-mail]" in prompt
    assert "[телефон]" in prompt


async def test_the_briefs_title_and_kind_win_and_a_code_fence_is_dropped() -> None:
    world = World(recording("```markdown\n" + DRAFT + "\n```"))
    brief = DraftBrief(topic="anxiety", audience="все", key_points=("дыхание",),
                       kind=ContentType.PRACTICE, title="Дыхание 4-7-8")  # fmt: skip
    item = await world.drafts.draft(OWNER, brief)
    assert (item.type, item.title) == (ContentType.PRACTICE, "Дыхание 4-7-8")
    assert item.slug.startswith("dykhanie-4-7-8-")
    assert "```" not in item.body_markdown
    assert item.body_markdown.endswith("Обсудить это со специалистом.")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("# Тревога\n\nСудя по всему, у вас тревожное расстройство.", "diagnosis"),
        ("# Тревога\n\nПринимайте успокоительное на ночь.", "treatment"),
        ("# Тревога\n\nГарантирую: через месяц тревога пройдёт.", "promise"),
    ],
)
async def test_a_draft_that_reads_as_a_diagnosis_treatment_or_promise_is_not_saved(
    text: str, rule: str
) -> None:
    world = World(recording(text))
    with pytest.raises(DraftRefused) as refused:
        await world.drafts.draft(EDITOR, BRIEF)
    assert refused.value.code == "assistant_draft_refused"
    assert rule in refused.value.detail
    assert text not in refused.value.detail
    assert world.state.items == {}
    assert world.uow.audit_log == []


async def test_without_a_model_the_assistant_is_unavailable_and_roles_come_first() -> None:
    world = World(model=None)
    with pytest.raises(AssistantUnavailable) as unavailable:
        await world.drafts.draft(EDITOR, BRIEF)
    assert "LLM_PROVIDER=off" in unavailable.value.detail
    for someone in (CLIENT, ASSISTANT):
        with pytest.raises(Forbidden):
            await World(recording(DRAFT)).drafts.draft(someone, BRIEF)


async def test_an_unknown_topic_is_refused_before_the_model_is_asked() -> None:
    model = recording(DRAFT)
    world = World(model)
    with pytest.raises(ValidationFailed) as invalid:
        await world.drafts.draft(EDITOR, DraftBrief(topic="nope", audience="все",
                                                    key_points=("x",)))  # fmt: skip
    assert invalid.value.field == "topic"
    with pytest.raises(ValidationFailed):
        await world.drafts.draft(EDITOR, DraftBrief(topic="anxiety", audience="все",
                                                    key_points=("x",), kind=ContentType.QA))  # fmt: skip
    assert model.seen == []
    assert world.gate.callers == []


async def test_the_gate_refuses_a_spent_rate_with_429_and_a_spent_budget_with_503() -> None:
    model = recording(DRAFT)
    with pytest.raises(AssistantRateLimited) as limited:
        await World(model, MemoryGate("rate")).drafts.draft(EDITOR, BRIEF)
    assert limited.value.retry_after_seconds == 60
    with pytest.raises(AssistantUnavailable) as spent:
        await World(model, MemoryGate("budget")).drafts.draft(EDITOR, BRIEF)
    assert "budget" in spent.value.detail
    assert model.seen == []


class FailingModel(FakeMessagesListChatModel):
    async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the provider is down")


@pytest.mark.parametrize("model", [FailingModel(responses=[AIMessage(content="x")]),
                                   recording("   ")])  # fmt: skip
async def test_a_failing_or_empty_model_is_unavailable_and_nothing_is_saved(
    model: FakeMessagesListChatModel | RecordingChatModel,
) -> None:
    world = World(model)
    with pytest.raises(AssistantUnavailable):
        await world.drafts.draft(EDITOR, BRIEF)
    assert world.state.items == {}


async def test_a_title_with_numbers_never_makes_a_slug_that_reads_as_a_phone() -> None:
    # The suffix once was six hex digits: all digits about one time in sixteen, and with
    # the title's "4-7-8" the audit log's check took the slug for a phone number.
    for _ in range(40):
        world = World(recording(DRAFT))
        brief = DraftBrief(topic="anxiety", audience="все", key_points=("дыхание",),
                           kind=ContentType.PRACTICE, title="Дыхание 4-7-8")  # fmt: skip
        item = await world.drafts.draft(OWNER, brief)
        assert re.fullmatch(r"dykhanie-4-7-8-[a-p]{6}", item.slug), item.slug
