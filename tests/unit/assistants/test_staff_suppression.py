"""The topic analyst's small-count suppression, the table the model reads, the week it
covers, and the slug an assisted draft gets: pure functions."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest

from app.application.assistants.analyst import (
    BandCount,
    FlagCount,
    TopicAnalyst,
    TopicCount,
    WeekCounts,
    suppress,
    suppress_week,
    table_prompt,
)
from app.domain.content.model import SLUG
from app.domain.content.slugs import slug_from_title
from app.domain.errors import ValidationFailed
from tests.unit.assistants.fakes import MemoryGate
from tests.unit.memory import ManualClock


@pytest.mark.parametrize(("count", "shown"), [(0, "<5"), (1, "<5"), (4, "<5"), (5, 5), (17, 17)])
def test_a_count_under_five_is_shown_as_less_than_five(count: int, shown: int | str) -> None:
    assert suppress(count) == shown


COUNTS = WeekCounts(
    questions=(
        TopicCount(topic="anxiety", topic_title="Тревога", count=7),
        TopicCount(topic="sleep", topic_title="Сон", count=3),
        TopicCount(topic=None, topic_title=None, count=1),
    ),
    self_check_bands=(
        BandCount(
            self_check="test-trevogi", topic="anxiety", topic_title="Тревога", band="high", count=2
        ),
        BandCount(
            self_check="test-trevogi", topic="anxiety", topic_title="Тревога", band="low", count=12
        ),
    ),
    moderation_flags=(FlagCount(topic="anxiety", topic_title="Тревога", flag="crisis", count=4),),
    article_reads=(TopicCount(topic="sleep", topic_title="Сон", count=40),),
)


def test_every_small_count_of_the_week_is_suppressed_and_the_rest_kept() -> None:
    table = suppress_week(COUNTS)
    assert [(r.topic, r.topic_title, r.count) for r in table.questions] == [
        ("anxiety", "Тревога", 7), ("sleep", "Сон", "<5"), (None, "Без темы", "<5"),
    ]  # fmt: skip
    assert [(r.band, r.count) for r in table.self_check_bands] == [("high", "<5"), ("low", 12)]
    assert [(r.flag, r.count) for r in table.moderation_flags] == [("crisis", "<5")]
    assert [r.count for r in table.article_reads] == [40]


def test_the_models_table_shows_no_count_under_five() -> None:
    prompt = table_prompt(suppress_week(COUNTS), date(2030, 6, 3), date(2030, 6, 9))
    counts = re.findall(r"^- .*: (\S+)$", prompt, flags=re.MULTILINE)
    assert counts == ["7", "<5", "<5", "<5", "12", "<5", "40"]
    assert "Тревога" in prompt
    assert "test-trevogi" in prompt
    empty = table_prompt(suppress_week(WeekCounts()), date(2030, 6, 3), date(2030, 6, 9))
    assert empty.count("нет данных") == 4


def analyst(now: datetime) -> TopicAnalyst:
    class NoStats:
        pass

    return TopicAnalyst(
        NoStats,  # type: ignore[arg-type,return-value]
        ManualClock(now), "Europe/Moscow", MemoryGate(),
    )  # fmt: skip


def test_the_default_week_is_the_last_complete_one_in_the_practitioners_time_zone() -> None:
    # Monday 10 June 2030, 00:30 in Moscow (still Sunday in UTC).
    name, monday, sunday = analyst(datetime(2030, 6, 9, 21, 30, tzinfo=UTC)).week_bounds(None)
    assert (name, monday, sunday) == ("2030-W23", date(2030, 6, 3), date(2030, 6, 9))
    named = analyst(datetime(2030, 6, 9, 21, 30, tzinfo=UTC)).week_bounds("2030-W01")
    assert named == ("2030-W01", date(2029, 12, 31), date(2030, 1, 6))
    with pytest.raises(ValidationFailed):
        analyst(datetime(2030, 6, 9, tzinfo=UTC)).week_bounds("2030-W60")


@pytest.mark.parametrize("week", ["9999-W52", "2030-W24", "2030-W30", "0-W1", "2030-Wx"])
def test_a_week_not_yet_over_or_off_the_calendar_is_refused(week: str) -> None:
    # Monday 10 June 2030 in Moscow: 2030-W24 is under way, its counts still moving.
    with pytest.raises(ValidationFailed) as refused:
        analyst(datetime(2030, 6, 10, 9, 0, tzinfo=UTC)).week_bounds(week)
    assert refused.value.field == "week"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Тревога: что с ней делать?", "trevoga-chto-s-ney-delat"),
        ("Щедрость и Ёлка — 2 шага", "shchedrost-i-elka-2-shaga"),
        ("???", "draft"),
    ],
)
def test_a_slug_from_a_russian_title(title: str, slug: str) -> None:
    assert slug_from_title(title) == slug
    suffixed = slug_from_title(title, suffix=uuid.uuid4().hex[:6])
    assert SLUG.match(suffixed)
    assert suffixed.startswith(slug + "-")
    assert len(slug_from_title("о" * 300, suffix="abc123")) == 200
