"""The topic analyst with a scripted chat model over counts in memory: the model is given
the suppressed table only (no count under five), the owner gets the table and the
summary, an answer that reads as a diagnosis is withheld."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest

from app.application.access import Principal
from app.application.assistants.analyst import (
    BandCount,
    FlagCount,
    TopicAnalyst,
    TopicCount,
    WeekCounts,
)
from app.application.assistants.ports import AssistantRateLimited, AssistantUnavailable
from app.domain.errors import Forbidden
from app.domain.identity.model import Role
from tests.unit.assistants.fakes import MemoryGate, recording
from tests.unit.memory import ManualClock, RollbackUnitOfWork

OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)  # Wednesday of 2030-W24
SUMMARY = "Чаще всего спрашивали о тревоге; статьи о сне читали охотно."

WEEK = WeekCounts(
    questions=(
        TopicCount(topic="anxiety", topic_title="Тревога", count=9),
        TopicCount(topic="sleep", topic_title="Сон", count=1),
        TopicCount(topic="burnout", topic_title="Выгорание", count=2),
    ),
    self_check_bands=(
        BandCount(
            self_check="test-trevogi",
            topic="anxiety",
            topic_title="Тревога",
            band="moderate",
            count=6,
        ),
        BandCount(
            self_check="test-trevogi", topic="anxiety", topic_title="Тревога", band="high", count=3
        ),
    ),
    moderation_flags=(FlagCount(topic="anxiety", topic_title="Тревога", flag="crisis", count=4),),
    article_reads=(TopicCount(topic="sleep", topic_title="Сон", count=5),),
)


class MemoryStatistics:
    def __init__(self, week: WeekCounts) -> None:
        self.week = week
        self.periods: list[tuple[datetime, datetime]] = []

    async def questions_by_topic(self, date_from: datetime, date_to: datetime) -> list[TopicCount]:
        self.periods.append((date_from, date_to))
        return list(self.week.questions)

    async def self_check_bands(self, date_from: datetime, date_to: datetime) -> list[BandCount]:
        return list(self.week.self_check_bands)

    async def moderation_flags(self, date_from: datetime, date_to: datetime) -> list[FlagCount]:
        return list(self.week.moderation_flags)

    async def article_reads(self, date_from: datetime, date_to: datetime) -> list[TopicCount]:
        return list(self.week.article_reads)


def analyst(model: object, gate: MemoryGate | None = None) -> tuple[TopicAnalyst, MemoryStatistics]:
    stats = MemoryStatistics(WEEK)
    uow = RollbackUnitOfWork(stats, stats)
    return TopicAnalyst(uow, ManualClock(NOW), "Europe/Moscow", gate or MemoryGate(),
                        model, timeout_seconds=2), stats  # type: ignore[arg-type]  # fmt: skip


async def test_the_model_reads_only_the_suppressed_table_and_the_owner_gets_both() -> None:
    model = recording(SUMMARY)
    use_case, stats = analyst(model)
    answer = await use_case.summary(OWNER, None)

    assert (answer.week, answer.date_from, answer.date_to) == (
        "2030-W23",
        date(2030, 6, 3),
        date(2030, 6, 9),
    )  # the last complete week
    start, end = stats.periods[0]
    assert start.isoformat() == "2030-06-03T00:00:00+03:00"
    assert end.isoformat() == "2030-06-10T00:00:00+03:00"
    assert answer.summary == SUMMARY
    assert answer.summary_refused is None
    assert [r.count for r in answer.aggregates.questions] == [9, "<5", "<5"]
    assert [r.count for r in answer.aggregates.self_check_bands] == [6, "<5"]
    assert [r.count for r in answer.aggregates.moderation_flags] == ["<5"]

    (call,) = model.seen
    prompt = str(call[1].content)
    shown = re.findall(r"^- .*: (\S+)$", prompt, flags=re.MULTILINE)
    assert shown == ["9", "<5", "<5", "6", "<5", "<5", "5"]
    for small in ("1", "2", "3", "4"):
        assert small not in shown
    assert "Выгорание" in prompt
    assert "crisis" in prompt


async def test_a_summary_that_reads_as_a_diagnosis_is_withheld_and_the_table_kept() -> None:
    use_case, _ = analyst(recording("У вас депрессия у половины клиентов."))
    answer = await use_case.summary(OWNER, "2030-W20")
    assert answer.week == "2030-W20"
    assert answer.summary is None
    assert answer.summary_refused == "diagnosis"
    assert answer.aggregates.questions[0].count == 9


async def test_owner_only_and_no_model_is_unavailable() -> None:
    use_case, _ = analyst(recording(SUMMARY))
    with pytest.raises(Forbidden):
        await use_case.summary(EDITOR, None)
    without, stats = analyst(None)
    with pytest.raises(AssistantUnavailable):
        await without.summary(OWNER, None)
    assert stats.periods == []  # nothing was read


async def test_a_spent_rate_or_budget_stops_the_call() -> None:
    model = recording(SUMMARY)
    with pytest.raises(AssistantRateLimited):
        await analyst(model, MemoryGate("rate"))[0].summary(OWNER, None)
    with pytest.raises(AssistantUnavailable):
        await analyst(model, MemoryGate("budget"))[0].summary(OWNER, None)
    assert model.seen == []
