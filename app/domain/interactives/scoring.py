"""Scoring a completed run against its version's config — a pure function.

Answers are P2: they live only in this call. Errors name the question, never the value
given, so neither a problem response nor a log line can carry an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.errors import ValidationFailed
from app.domain.interactives.config import Band, CrisisCondition, InteractiveConfig, Question

Answer = str | int | list[str]
"""An option id (single), option ids (multi) or a whole number (scale)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    result_level: str | None
    result_profile: str | None
    crisis_triggered: bool

    @property
    def result(self) -> str:
        """The key recommendations are filed under."""
        return self.result_profile or self.result_level or ""


def score(config: InteractiveConfig, answers: Mapping[str, object]) -> Outcome:
    """Check every answer against its question, then score, band and apply the crisis rule."""
    unknown = sorted(set(answers) - {q.id for q in config.questions})
    if unknown:
        raise ValidationFailed("answers name questions this interactive does not have",
                               field="answers")  # fmt: skip
    chosen: dict[str, tuple[str, ...] | int] = {}
    for question in config.questions:
        if question.id not in answers:
            raise ValidationFailed(f"question {question.id} is not answered", field="answers")
        chosen[question.id] = _checked(question, answers[question.id])
    total = _total(config, chosen)
    crisis = config.crisis is not None and any(
        _holds(condition, chosen, total) for condition in config.crisis.any
    )
    if config.scoring.kind == "profile":
        return Outcome(None, _profile(config, chosen), crisis)
    return Outcome(band_of(config.scoring.bands, total).level, None, crisis)


def _checked(question: Question, answer: object) -> tuple[str, ...] | int:
    wrong = ValidationFailed(f"the answer to question {question.id} is not valid", field="answers")
    if question.kind == "scale":
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise wrong
        if not question.min <= answer <= question.max:
            raise wrong
        return answer
    options = {o.id for o in question.options}
    if question.kind == "single":
        if not isinstance(answer, str) or answer not in options:
            raise wrong
        return (answer,)
    if (
        not isinstance(answer, list)
        or not answer
        or len(set(answer)) != len(answer)
        or not all(isinstance(a, str) and a in options for a in answer)
    ):
        raise wrong
    return tuple(answer)


def _value(question: Question, answer: tuple[str, ...] | int) -> float:
    if isinstance(answer, int):
        return float(answer)
    return sum(o.value for o in question.options if o.id in answer)


def _total(config: InteractiveConfig, chosen: Mapping[str, tuple[str, ...] | int]) -> float:
    weights = config.scoring.weights if config.scoring.kind == "weighted" else {}
    return sum(weights.get(q.id, 1.0) * _value(q, chosen[q.id]) for q in config.questions)


def band_of(bands: tuple[Band, ...], total: float) -> Band:
    """The band holding ``total``: [min, max); below the lowest band → the lowest, at or
    above the highest band's end → the highest."""
    ordered = sorted(bands, key=lambda band: band.min)
    for band in ordered:
        if band.max is None or total < band.max:
            return band
    return ordered[-1]


def _profile(config: InteractiveConfig, chosen: Mapping[str, tuple[str, ...] | int]) -> str:
    points = dict.fromkeys(config.scoring.profiles, 0.0)
    for question in config.questions:
        answer = chosen[question.id]
        if isinstance(answer, int):
            continue
        for option in question.options:
            if option.id in answer and option.category is not None:
                points[option.category] += option.value or 1.0
    best = max(points.values())
    return next(name for name in config.scoring.profiles if points[name] == best)


def _holds(
    condition: CrisisCondition, chosen: Mapping[str, tuple[str, ...] | int], total: float
) -> bool:
    if condition.question is None:
        return condition.score_at_least is not None and total >= condition.score_at_least
    answer = chosen[condition.question]
    if isinstance(answer, int):
        return condition.at_least is not None and answer >= condition.at_least
    return any(option in answer for option in condition.options)
