"""The configuration of an interactive version: questions, scoring, bands, the crisis
rule and recommendations — checked as a whole before a version is stored.

The schema is a msgspec structure (shape and types), then :func:`validate_config` checks
what a schema cannot: ids are unique, every rule names a question and option that exist,
bands neither overlap nor leave gaps, recommendations name bands or profiles that exist.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Any, Literal

import msgspec

from app.domain.errors import ValidationFailed
from app.domain.telegram.deep_links import PURPOSES

Id = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_]{1,64}$")]
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=200)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Level = Literal["low", "moderate", "high"]
MAX_QUESTIONS = 100
MAX_OPTIONS = 20


class Option(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: Id
    label: Text
    value: float = 0
    category: Id | None = None
    """For profile scoring: the category this option's value counts towards."""


class Question(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: Id
    text: Text
    kind: Literal["single", "multi", "scale"]
    options: tuple[Option, ...] = ()
    min: int = 0
    max: int = 10
    """For ``scale``: the answer is a whole number from ``min`` to ``max``."""


class Band(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Scores from ``min`` (inclusive) up to ``max`` (exclusive; None: no upper end)."""

    level: Level
    min: float
    max: float | None = None


class Scoring(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    kind: Literal["sum", "weighted", "profile"]
    bands: tuple[Band, ...] = ()
    weights: dict[Id, float] = msgspec.field(default_factory=dict)
    """For ``weighted``: a question's multiplier (1 when not named)."""
    profiles: tuple[Id, ...] = ()
    """For ``profile``: the categories in the order that breaks ties."""


class CrisisCondition(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """True when the answer to ``question`` includes one of ``options``, or is a scale
    value of at least ``at_least``; or, without a question, when the score is at least
    ``score_at_least``."""

    question: Id | None = None
    options: tuple[Id, ...] = ()
    at_least: int | None = None
    score_at_least: float | None = None


class CrisisRule(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    any: tuple[CrisisCondition, ...]


class Recommendation(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    content: tuple[Slug, ...] = ()
    services: tuple[Slug, ...] = ()
    telegram_purpose: str | None = None


class InteractiveConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    questions: tuple[Question, ...]
    scoring: Scoring
    crisis: CrisisRule | None = None
    recommendations: dict[Id, Recommendation] = msgspec.field(default_factory=dict)
    """Keyed by result level (sum, weighted) or profile (profile)."""

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def results(self) -> tuple[str, ...]:
        """What a run can end in: the bands' levels, or the profiles."""
        if self.scoring.kind == "profile":
            return self.scoring.profiles
        return tuple(band.level for band in self.scoring.bands)


def validate_config(raw: Any) -> InteractiveConfig:
    """The config as a structure, or ValidationFailed naming the first thing wrong."""
    try:
        config = msgspec.convert(raw, InteractiveConfig)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"config: {exc}", field="config") from None
    _check_questions(config)
    _check_scoring(config)
    _check_crisis(config)
    _check_recommendations(config)
    return config


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(f"config: {message}", field="config")


def _check_questions(config: InteractiveConfig) -> None:
    if not config.questions or len(config.questions) > MAX_QUESTIONS:
        raise _fail(f"an interactive has 1 to {MAX_QUESTIONS} questions")
    ids = [q.id for q in config.questions]
    if len(set(ids)) != len(ids):
        raise _fail("question ids must be unique")
    for question in config.questions:
        if question.kind == "scale":
            if question.options or question.min >= question.max:
                raise _fail(f"scale question {question.id} needs min < max and no options")
            continue
        option_ids = [o.id for o in question.options]
        if not 2 <= len(option_ids) <= MAX_OPTIONS:
            raise _fail(f"question {question.id} needs 2 to {MAX_OPTIONS} options")
        if len(set(option_ids)) != len(option_ids):
            raise _fail(f"option ids of question {question.id} must be unique")


def _check_scoring(config: InteractiveConfig) -> None:
    scoring = config.scoring
    for question_id in scoring.weights:
        if config.question(question_id) is None:
            raise _fail(f"a weight names unknown question {question_id}")
    if scoring.kind == "profile":
        if not scoring.profiles or len(set(scoring.profiles)) != len(scoring.profiles):
            raise _fail("profile scoring needs distinct profiles")
        for question in config.questions:
            for option in question.options:
                if option.category is not None and option.category not in scoring.profiles:
                    raise _fail(f"option {question.id}.{option.id} names an unknown profile")
        return
    _check_bands(scoring)


def _check_bands(scoring: Scoring) -> None:
    bands = sorted(scoring.bands, key=lambda band: band.min)
    if not bands:
        raise _fail(f"{scoring.kind} scoring needs bands")
    if len({band.level for band in bands}) != len(bands):
        raise _fail("each level has one band")
    for band in bands:
        if band.max is not None and band.max <= band.min:
            raise _fail(f"band {band.level} ends before it starts")
    for lower, upper in pairwise(bands):
        if lower.max is None or lower.max > upper.min:
            raise _fail(f"bands {lower.level} and {upper.level} overlap")
        if lower.max < upper.min:
            raise _fail(f"scores between {lower.max} and {upper.min} fall in no band")


def _check_crisis(config: InteractiveConfig) -> None:
    if config.crisis is None:
        return
    if not config.crisis.any:
        raise _fail("the crisis rule needs at least one condition")
    for condition in config.crisis.any:
        if condition.question is None:
            if condition.score_at_least is None or condition.options or condition.at_least:
                raise _fail("a crisis condition names a question or a score_at_least")
            continue
        question = config.question(condition.question)
        if question is None:
            raise _fail(f"the crisis rule names unknown question {condition.question}")
        known = {o.id for o in question.options}
        for option_id in condition.options:
            if option_id not in known:
                raise _fail(f"the crisis rule names unknown option {question.id}.{option_id}")
        if question.kind == "scale" and condition.at_least is None:
            raise _fail(f"a crisis condition on scale question {question.id} needs at_least")
        if question.kind != "scale" and not condition.options:
            raise _fail(f"a crisis condition on question {question.id} needs options")


def _check_recommendations(config: InteractiveConfig) -> None:
    results = set(config.results())
    for key, recommendation in config.recommendations.items():
        if key not in results:
            raise _fail(f"recommendations name unknown result {key}")
        purpose = recommendation.telegram_purpose
        if purpose is not None and purpose not in PURPOSES:
            raise _fail(f"unknown telegram_purpose {purpose}")
