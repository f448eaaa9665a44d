"""The editors' side of interactives over in-memory storage: definitions at their version,
validated immutable versions, which version the public sees, the archive."""

from __future__ import annotations

import copy
import uuid

import pytest

from app.application.access import Principal
from app.domain.errors import (
    Forbidden,
    NotFound,
    SlugTaken,
    ValidationFailed,
    VersionConflict,
)
from app.domain.identity.model import Role
from tests.unit.interactives.world import EDITOR, QUIZ, World

CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))


@pytest.fixture
def world() -> World:
    return World()


async def test_a_definition_is_a_draft_edited_at_its_version(world: World) -> None:
    created = await world.definitions.create(EDITOR, "trevoga", "quiz", "Тревога", None, None)
    assert (created.status, created.version, created.latest_version_no) == ("draft", 1, None)
    edited = await world.definitions.update(EDITOR, created.id, 1, "Тревога: тест", "О тесте",
                                            "anxiety")  # fmt: skip
    assert (edited.title, edited.topic_code, edited.version) == ("Тревога: тест", "anxiety", 2)
    with pytest.raises(VersionConflict):
        await world.definitions.update(EDITOR, created.id, 1, "Старая вкладка", None, None)
    with pytest.raises(NotFound):
        await world.definitions.update(EDITOR, uuid.uuid4(), 1, "Нет такого", None, None)
    assert world.state.definitions[created.id].title == "Тревога: тест"
    assert world.uow.actions() == ["interactive.create", "interactive.update"]
    assert world.uow.audit_log[0].details == {"slug": "trevoga"}


@pytest.mark.parametrize(
    ("slug", "interactive_type", "error"),
    [
        ("Trevoga Test", "quiz", ValidationFailed),
        ("trevoga", "horoscope", ValidationFailed),
        ("taken", "quiz", SlugTaken),
    ],
)
async def test_a_definition_needs_a_free_slug_and_a_known_type(
    world: World, slug: str, interactive_type: str, error: type[Exception]
) -> None:
    await world.definitions.create(EDITOR, "taken", "quiz", "Занято", None, None)
    with pytest.raises(error):
        await world.definitions.create(EDITOR, slug, interactive_type, "Т", None, None)
    assert len(world.state.definitions) == 1
    assert world.uow.actions() == ["interactive.create"]


async def test_versions_are_validated_numbered_and_kept_as_stored(world: World) -> None:
    created = await world.definitions.create(EDITOR, "trevoga", "quiz", "Тревога", None, None)
    broken = copy.deepcopy(QUIZ)
    broken["scoring"]["bands"][1]["min"] = 5  # scores from 4 to 5 would fall in no band
    with pytest.raises(ValidationFailed) as refused:
        await world.definitions.add_version(EDITOR, created.id, broken)
    assert refused.value.field == "config"
    assert await world.definitions.add_version(EDITOR, created.id, QUIZ) == 1
    assert await world.definitions.add_version(EDITOR, created.id, QUIZ) == 2
    with pytest.raises(NotFound):
        await world.definitions.add_version(EDITOR, uuid.uuid4(), QUIZ)
    first = await world.definitions.version(EDITOR, created.id, 1)
    assert first.config["questions"][0]["options"][1] == {
        "id": "some", "label": "Иногда", "value": 1, "category": None,
    }  # fmt: skip
    with pytest.raises(NotFound):
        await world.definitions.version(EDITOR, created.id, 3)
    assert (await world.definitions.definition(EDITOR, created.id)).latest_version_no == 2
    assert world.uow.actions().count("interactive.version_add") == 2


async def test_publishing_shows_the_questions_without_what_scores_them(world: World) -> None:
    created = await world.definitions.create(EDITOR, "trevoga", "quiz", "Тревога", None, None)
    with pytest.raises(NotFound):  # no such version yet
        await world.definitions.publish(EDITOR, created.id, 1)
    number = await world.definitions.add_version(EDITOR, created.id, QUIZ)
    with pytest.raises(NotFound):  # a version alone is not public
        await world.runs.get("trevoga")
    published = await world.definitions.publish(EDITOR, created.id, number)
    assert published.status == "published"
    assert published.published_version_id is not None
    shown = await world.runs.get("trevoga")
    assert shown.version_no == 1
    question = shown.questions[0]
    assert (question.id, question.kind, question.min, question.max) == ("q1", "single", None, None)
    assert question.options is not None
    assert [(o.id, o.label) for o in question.options][:2] == [("never", "Никогда"),
                                                               ("some", "Иногда")]  # fmt: skip
    assert [i.slug for i in await world.runs.published()] == ["trevoga"]


async def test_a_scale_question_shows_its_range(world: World) -> None:
    scale = {
        "questions": [{"id": "mood", "text": "Настроение", "kind": "scale", "min": 1,
                       "max": 10}],
        "scoring": {"kind": "sum", "bands": [{"level": "low", "min": 0, "max": 5},
                                             {"level": "high", "min": 5}]},
    }  # fmt: skip
    await world.publish("nastroenie", scale)
    [question] = (await world.runs.get("nastroenie")).questions
    assert (question.kind, question.min, question.max, question.options) == ("scale", 1, 10, None)


async def test_an_archived_self_check_leaves_the_public_list(world: World) -> None:
    definition_id = await world.publish()
    await world.definitions.archive(EDITOR, definition_id)
    assert await world.runs.published() == []
    with pytest.raises(NotFound):
        await world.runs.get("trevoga")
    with pytest.raises(NotFound):
        await world.definitions.archive(EDITOR, uuid.uuid4())
    assert world.uow.actions()[-1] == "interactive.archive"


async def test_clients_do_nothing_editorial(world: World) -> None:
    definition_id = await world.publish()
    for attempt in (
        world.definitions.definitions(CLIENT),
        world.definitions.definition(CLIENT, definition_id),
        world.definitions.create(CLIENT, "x", "quiz", "X", None, None),
        world.definitions.update(CLIENT, definition_id, 1, "X", None, None),
        world.definitions.add_version(CLIENT, definition_id, QUIZ),
        world.definitions.version(CLIENT, definition_id, 1),
        world.definitions.publish(CLIENT, definition_id, 1),
        world.definitions.archive(CLIENT, definition_id),
    ):
        with pytest.raises(Forbidden):
            await attempt
    assert world.uow.actions() == [
        "interactive.create", "interactive.version_add", "interactive.publish",
    ]  # fmt: skip
