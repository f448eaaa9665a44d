"""The client's diary over in-memory storage: only with the health_data consent, only the
author's own entries, rewritten at the version read, read by a bounded range of days."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.application.access import Principal
from app.application.cabinet.diary import DiaryService
from app.application.cabinet.ports import DiaryEntryInput
from app.domain.errors import ConsentRequired, NotFound, ValidationFailed, VersionConflict
from app.domain.identity.model import Role
from tests.unit.cabinet.fakes import diary_world
from tests.unit.memory import ManualClock

TODAY = date(2030, 6, 10)
ANNA = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
BORIS = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))


def written(day: date, text: str = "Спокойный день", mood: int | None = 7) -> DiaryEntryInput:
    return DiaryEntryInput(entry_date=day, text=text, mood=mood, tags=("сон",))


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2030, 6, 10, 12, tzinfo=UTC))
        self.state, self.uow = diary_world(self.clock)
        self.diary = DiaryService(self.uow, self.clock)
        for person in (ANNA, BORIS):
            self.state.consents[person.user_id] = [True]


@pytest.fixture
def world() -> World:
    return World()


async def test_an_entry_is_written_read_and_rewritten_at_its_version(world: World) -> None:
    entry = await world.diary.create(ANNA, written(TODAY))
    assert (entry.text, entry.mood, entry.tags, entry.version) == ("Спокойный день", 7, ("сон",), 1)
    assert await world.diary.entry(ANNA, entry.id) == entry
    rewritten = await world.diary.update(ANNA, entry.id, 1, written(TODAY, "Тревожно", 3))
    assert (rewritten.text, rewritten.mood, rewritten.version) == ("Тревожно", 3, 2)
    with pytest.raises(VersionConflict):  # another tab still holds version 1
        await world.diary.update(ANNA, entry.id, 1, written(TODAY, "Другая правка"))
    assert (await world.diary.entry(ANNA, entry.id)).text == "Тревожно"
    await world.diary.delete(ANNA, entry.id)
    with pytest.raises(NotFound):
        await world.diary.entry(ANNA, entry.id)
    with pytest.raises(NotFound):
        await world.diary.delete(ANNA, entry.id)


async def test_another_persons_entry_is_as_absent_as_a_missing_one(world: World) -> None:
    annas = await world.diary.create(ANNA, written(TODAY))
    attempts: list[Callable[[], Awaitable[Any]]] = [
        lambda: world.diary.entry(BORIS, annas.id),
        lambda: world.diary.update(BORIS, annas.id, 1, written(TODAY, "Чужое")),
        lambda: world.diary.delete(BORIS, annas.id),
        lambda: world.diary.update(ANNA, uuid.uuid4(), 1, written(TODAY)),  # not a conflict
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            await attempt()
    assert await world.diary.entries(BORIS, None, None) == []
    assert await world.diary.entry(ANNA, annas.id) == annas


async def test_nothing_without_the_health_data_consent(world: World) -> None:
    entry = await world.diary.create(ANNA, written(TODAY))
    world.state.consents[ANNA.user_id].append(False)  # withdrawn: the latest answer counts
    attempts: list[Callable[[], Awaitable[Any]]] = [
        lambda: world.diary.entries(ANNA, None, None),
        lambda: world.diary.entry(ANNA, entry.id),
        lambda: world.diary.create(ANNA, written(TODAY)),
        lambda: world.diary.update(ANNA, entry.id, 1, written(TODAY, "Новое")),
        lambda: world.diary.delete(ANNA, entry.id),
    ]
    for attempt in attempts:
        with pytest.raises(ConsentRequired):
            await attempt()
    stored_owner, stored = world.state.entries[entry.id]
    assert (stored_owner, stored.text, stored.version) == (ANNA.user_id, "Спокойный день", 1)
    world.state.consents[ANNA.user_id].append(True)
    assert [e.id for e in await world.diary.entries(ANNA, None, None)] == [entry.id]

    newcomer = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))  # never asked
    with pytest.raises(ConsentRequired):
        await world.diary.create(newcomer, written(TODAY))


async def test_entries_between_two_days_the_last_30_by_default(world: World) -> None:
    for days_ago in (0, 5, 30, 31):
        await world.diary.create(ANNA, written(TODAY - timedelta(days=days_ago), f"{days_ago}"))
    default = await world.diary.entries(ANNA, None, None)
    assert [e.text for e in default] == ["0", "5", "30"]  # the latest day first
    week = await world.diary.entries(ANNA, TODAY - timedelta(days=6), TODAY - timedelta(days=5))
    assert [e.text for e in week] == ["5"]
    earlier = await world.diary.entries(ANNA, None, TODAY - timedelta(days=1))
    assert [e.text for e in earlier] == ["5", "30", "31"]


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [(TODAY, TODAY - timedelta(days=1)), (TODAY - timedelta(days=367), TODAY)],
)
async def test_a_range_backwards_or_over_366_days_is_refused(
    world: World, date_from: date, date_to: date
) -> None:
    with pytest.raises(ValidationFailed):
        await world.diary.entries(ANNA, date_from, date_to)
    assert world.uow.transactions == 0
