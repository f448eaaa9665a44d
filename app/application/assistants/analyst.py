"""Topic analyst: a short weekly summary for the owner of what clients ask about and
struggle with, written by a model from aggregates only.

What the model sees is a table of counts for one week (Monday to Sunday in the
practitioner's time zone): anonymous questions by topic, self-check result bands by
self-check and topic, moderation flags by topic, article reads by topic. Every count
under five is replaced by the string ``"<5"`` (``suppress_week``) before anything is
built from the table, so neither the model nor the answer can single out a person. No
question text, no identity and no id of a person is read, let alone sent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal, Protocol
from zoneinfo import ZoneInfo

import msgspec

from app.application.access import Principal, ensure_roles
from app.application.assistants.ports import AssistantUnavailable, ModelGate
from app.application.assistants.writing import NO_MODEL, admit, staff_caller, write_and_check
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.errors import ValidationFailed
from app.domain.identity.model import Role

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_core.language_models import BaseChatModel

ASSISTANT = "topic_analyst"
THRESHOLD = 5
SMALL: Literal["<5"] = "<5"
NO_TOPIC = "Без темы"

Count = int | Literal["<5"]


# --- what storage counts (raw, never leaves the use case unsuppressed) ----------------


class TopicCount(msgspec.Struct, frozen=True, kw_only=True):
    topic: str | None
    topic_title: str | None
    count: int


class BandCount(msgspec.Struct, frozen=True, kw_only=True):
    self_check: str
    topic: str | None
    topic_title: str | None
    band: str
    count: int


class FlagCount(msgspec.Struct, frozen=True, kw_only=True):
    topic: str | None
    topic_title: str | None
    flag: str
    count: int


class WeekCounts(msgspec.Struct, frozen=True, kw_only=True):
    questions: tuple[TopicCount, ...] = ()
    self_check_bands: tuple[BandCount, ...] = ()
    moderation_flags: tuple[FlagCount, ...] = ()
    article_reads: tuple[TopicCount, ...] = ()


class TopicStatistics(Protocol):
    """Counts over [date_from, date_to); no text, no identities."""

    async def questions_by_topic(self, date_from: datetime, date_to: datetime) -> list[TopicCount]:
        """Anonymous questions received, by topic."""
        ...

    async def self_check_bands(self, date_from: datetime, date_to: datetime) -> list[BandCount]:
        """Completed self-checks started in the period, by self-check, topic and band."""
        ...

    async def moderation_flags(self, date_from: datetime, date_to: datetime) -> list[FlagCount]:
        """Items received in the period that carry a flag, by topic and flag."""
        ...

    async def article_reads(self, date_from: datetime, date_to: datetime) -> list[TopicCount]:
        """Article views in the period, by the article's topics."""
        ...


# --- the suppressed table (what the model and the owner see) ---------------------------


class TopicRow(msgspec.Struct, frozen=True, kw_only=True):
    topic: str | None
    topic_title: str
    count: Count


class BandRow(msgspec.Struct, frozen=True, kw_only=True):
    self_check: str
    topic: str | None
    topic_title: str
    band: str
    count: Count


class FlagRow(msgspec.Struct, frozen=True, kw_only=True):
    topic: str | None
    topic_title: str
    flag: str
    count: Count


class WeekTable(msgspec.Struct, frozen=True, kw_only=True):
    questions: tuple[TopicRow, ...]
    self_check_bands: tuple[BandRow, ...]
    moderation_flags: tuple[FlagRow, ...]
    article_reads: tuple[TopicRow, ...]


def suppress(count: int) -> Count:
    """A count under five is ``"<5"``; five and over stay as they are."""
    return SMALL if count < THRESHOLD else count


def suppress_week(counts: WeekCounts) -> WeekTable:
    """The week's counts with every count under five replaced by ``"<5"``."""
    return WeekTable(
        questions=tuple(
            TopicRow(topic=c.topic, topic_title=c.topic_title or NO_TOPIC, count=suppress(c.count))
            for c in counts.questions
        ),
        self_check_bands=tuple(
            BandRow(
                self_check=c.self_check,
                topic=c.topic,
                topic_title=c.topic_title or NO_TOPIC,
                band=c.band,
                count=suppress(c.count),
            )
            for c in counts.self_check_bands
        ),
        moderation_flags=tuple(
            FlagRow(
                topic=c.topic,
                topic_title=c.topic_title or NO_TOPIC,
                flag=c.flag,
                count=suppress(c.count),
            )
            for c in counts.moderation_flags
        ),
        article_reads=tuple(
            TopicRow(topic=c.topic, topic_title=c.topic_title or NO_TOPIC, count=suppress(c.count))
            for c in counts.article_reads
        ),
    )


# --- the use case --------------------------------------------------------------------


class TopicSummary(msgspec.Struct, frozen=True, kw_only=True):
    week: str
    date_from: date
    date_to: date
    timezone: str
    aggregates: WeekTable
    summary: str | None
    """None when the output check refused the model's text."""
    summary_refused: str | None = None
    """The output check's rule (diagnosis, treatment, promise) when it refused."""


SYSTEM = (
    "Ты — аналитик частной практики психолога. По агрегированной статистике сайта за "
    "неделю напиши владельцу короткую сводку на русском языке (5–8 предложений): о чём "
    "чаще спрашивают, с какими трудностями приходят, какие темы читают, что стоит "
    "учесть в материалах и в работе модерации. «<5» означает «меньше пяти»: не угадывай "
    "точное число и не делай выводов об отдельных людях. Нельзя ставить диагнозы, "
    "советовать лечение и что-либо обещать. Ответь только текстом сводки."
)

StatsUoW = UnitOfWork[TopicStatistics]


class TopicAnalyst:
    def __init__(
        self,
        uow: Callable[[], StatsUoW],
        clock: Clock,
        timezone: str,
        gate: ModelGate,
        model: BaseChatModel | None = None,
        timeout_seconds: float = 60.0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = timezone
        self._gate = gate
        self._model = model
        self._timeout = timeout_seconds

    def week_bounds(self, week: str | None) -> tuple[str, date, date]:
        """``2030-W23`` (ISO week), or the last complete week: its name, Monday, Sunday.

        Only a finished week: the counts of one still under way would change between two
        requests, and their difference would show single events that "<5" hides.
        """
        today = self._clock.now().astimezone(ZoneInfo(self._tz)).date()
        this_monday = today - timedelta(days=today.weekday())
        if week is None:
            monday = this_monday - timedelta(days=7)
        else:
            try:
                year, number = week.split("-W")
                monday = date.fromisocalendar(int(year), int(number), 1)
                date.fromordinal(monday.toordinal() + 6)  # the calendar's last week: ValueError
            except (ValueError, OverflowError):
                raise ValidationFailed("an ISO week like 2030-W23", field="week") from None
            if monday >= this_monday:
                raise ValidationFailed("only a finished week can be summarised", field="week")
        iso = monday.isocalendar()
        return f"{iso.year}-W{iso.week:02d}", monday, monday + timedelta(days=6)

    async def summary(self, actor: Principal, week: str | None) -> TopicSummary:
        """Owner only (403); 503 ``assistant_unavailable`` without a model."""
        ensure_roles(actor, Role.OWNER)
        if self._model is None:
            raise AssistantUnavailable(NO_MODEL)
        name, monday, sunday = self.week_bounds(week)
        zone = ZoneInfo(self._tz)
        start = datetime.combine(monday, time(), zone)
        end = datetime.combine(sunday + timedelta(days=1), time(), zone)

        async def work(uow: StatsUoW) -> WeekCounts:
            stats = uow.repos
            return WeekCounts(
                questions=tuple(await stats.questions_by_topic(start, end)),
                self_check_bands=tuple(await stats.self_check_bands(start, end)),
                moderation_flags=tuple(await stats.moderation_flags(start, end)),
                article_reads=tuple(await stats.article_reads(start, end)),
            )

        table = suppress_week(await in_transaction(self._uow, work))
        await admit(self._gate, staff_caller(actor.user_id))
        verdict = await write_and_check(
            self._model, SYSTEM, table_prompt(table, monday, sunday),
            timeout_seconds=self._timeout, assistant=ASSISTANT,
        )  # fmt: skip
        return TopicSummary(
            week=name, date_from=monday, date_to=sunday, timezone=self._tz, aggregates=table,
            summary=None if verdict.replaced else verdict.text,
            summary_refused=verdict.reason if verdict.replaced else None,
        )  # fmt: skip


def table_prompt(table: WeekTable, monday: date, sunday: date) -> str:
    """The suppressed table as the model reads it (built from ``WeekTable`` only)."""

    def section(heading: str, lines: list[str]) -> str:
        return heading + "\n" + ("\n".join(lines) if lines else "- нет данных")

    return "\n\n".join(
        [
            f"Неделя: {monday.isoformat()} — {sunday.isoformat()}.",
            section(
                "Анонимные вопросы по темам (тема: число):",
                [f"- {r.topic_title}: {r.count}" for r in table.questions],
            ),
            section(
                "Результаты самопроверок (самопроверка / тема / уровень: число):",
                [
                    f"- {r.self_check} / {r.topic_title} / {r.band}: {r.count}"
                    for r in table.self_check_bands
                ],
            ),
            section(
                "Флаги модерации (тема / флаг: число):",
                [f"- {r.topic_title} / {r.flag}: {r.count}" for r in table.moderation_flags],
            ),
            section(
                "Прочтения статей по темам (тема: число):",
                [f"- {r.topic_title}: {r.count}" for r in table.article_reads],
            ),
        ]
    )
