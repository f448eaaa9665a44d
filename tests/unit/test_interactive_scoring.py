"""Scoring interactives: each kind, band edges, the crisis rule, and configs refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.domain.errors import ValidationFailed
from app.domain.interactives.config import validate_config
from app.domain.interactives.scoring import score

FREQUENCY = [
    {"id": "never", "label": "Никогда", "value": 0},
    {"id": "sometimes", "label": "Иногда", "value": 1},
    {"id": "often", "label": "Часто", "value": 2},
    {"id": "always", "label": "Почти всегда", "value": 3},
]


def quiz(**changes: Any) -> dict[str, Any]:
    """Three frequency questions (0–9 points), three bands, a crisis rule on q3."""
    config: dict[str, Any] = {
        "questions": [
            {"id": f"q{n}", "text": f"Вопрос {n}", "kind": "single", "options": FREQUENCY}
            for n in (1, 2, 3)
        ],
        "scoring": {
            "kind": "sum",
            "bands": [
                {"level": "low", "min": 0, "max": 4},
                {"level": "moderate", "min": 4, "max": 7},
                {"level": "high", "min": 7},
            ],
        },
        "crisis": {"any": [{"question": "q3", "options": ["always"]}]},
        "recommendations": {"high": {"services": ["first-session"], "telegram_purpose": "plan"}},
    }
    config.update(changes)
    return config


def answers(q1: str, q2: str, q3: str) -> dict[str, object]:
    return {"q1": q1, "q2": q2, "q3": q3}


@pytest.mark.parametrize(
    ("given", "level"),
    [
        (answers("never", "never", "never"), "low"),  # 0
        (answers("often", "sometimes", "never"), "low"),  # 3: just below the edge
        (answers("often", "often", "never"), "moderate"),  # 4: the edge belongs above
        (answers("often", "often", "often"), "moderate"),  # 6
        (answers("always", "always", "sometimes"), "high"),  # 7: the next edge
        (answers("always", "always", "often"), "high"),  # 8
    ],
)
def test_sum_scoring_bands_scores_at_their_edges(given: dict[str, object], level: str) -> None:
    outcome = score(validate_config(quiz()), given)
    assert (outcome.result_level, outcome.result_profile) == (level, None)


def test_the_crisis_rule_fires_on_its_answer_whatever_the_score() -> None:
    config = validate_config(quiz())
    assert score(config, answers("never", "never", "always")).crisis_triggered
    assert not score(config, answers("always", "always", "often")).crisis_triggered


def test_a_crisis_rule_on_a_score_or_a_scale_value() -> None:
    config = validate_config(
        quiz(
            questions=[
                {"id": "q1", "text": "Тревога", "kind": "scale", "min": 0, "max": 10},
                {"id": "q2", "text": "Сон", "kind": "single", "options": FREQUENCY},
            ],
            crisis={"any": [{"question": "q1", "at_least": 9}, {"score_at_least": 11}]},
            recommendations={},
        )
    )
    assert score(config, {"q1": 9, "q2": "never"}).crisis_triggered
    assert score(config, {"q1": 9, "q2": "never"}).result_level == "high"
    assert score(config, {"q1": 8, "q2": "always"}).crisis_triggered  # by the score: 11
    assert not score(config, {"q1": 8, "q2": "often"}).crisis_triggered  # 10
    assert score(config, {"q1": 2, "q2": "sometimes"}).result_level == "low"


def test_weighted_scoring_multiplies_named_questions() -> None:
    scoring = copy.deepcopy(quiz()["scoring"])
    scoring.update(kind="weighted", weights={"q3": 3})
    config = validate_config(quiz(scoring=scoring))
    # q1 = 1, q2 = 0, q3 = 2 × 3 = 6 → 7: high; the plain sum (3) would be low.
    assert score(config, answers("sometimes", "never", "often")).result_level == "high"


def test_multi_choice_adds_every_chosen_option() -> None:
    config = validate_config(
        quiz(
            questions=[
                {
                    "id": "q1",
                    "text": "Что беспокоит?",
                    "kind": "multi",
                    "options": [
                        {"id": "sleep", "label": "Сон", "value": 2},
                        {"id": "mood", "label": "Настроение", "value": 3},
                        {"id": "work", "label": "Работа", "value": 1},
                    ],
                },
            ],
            crisis=None,
            recommendations={},
        )
    )
    assert score(config, {"q1": ["sleep", "mood"]}).result_level == "moderate"  # 5
    assert score(config, {"q1": ["work"]}).result_level == "low"


def test_profile_scoring_picks_the_strongest_category_ties_by_declared_order() -> None:
    options = [
        {"id": "a", "label": "Избегаю", "category": "avoidant"},
        {"id": "b", "label": "Спорю", "category": "assertive"},
        {"id": "c", "label": "Уступаю", "category": "accommodating"},
    ]
    config = validate_config(
        {
            "questions": [
                {"id": f"q{n}", "text": f"Ситуация {n}", "kind": "single", "options": options}
                for n in (1, 2, 3)
            ],
            "scoring": {"kind": "profile",
                        "profiles": ["assertive", "accommodating", "avoidant"]},
            "recommendations": {"avoidant": {"content": ["granitsy"]}},
        }
    )  # fmt: skip
    outcome = score(config, {"q1": "a", "q2": "a", "q3": "b"})
    assert (outcome.result_level, outcome.result_profile) == (None, "avoidant")
    assert score(config, {"q1": "a", "q2": "b", "q3": "c"}).result_profile == "assertive"


@pytest.mark.parametrize(
    "given",
    [
        {"q1": "never", "q2": "never"},  # one missing
        {**answers("never", "never", "never"), "q4": "never"},  # one too many
        answers("never", "never", "SECRET-ANSWER-1"),  # not an option
        {**answers("never", "never", "never"), "q1": ["never"]},  # a list for a single choice
        {**answers("never", "never", "never"), "q1": 2},
    ],
)
def test_answers_that_do_not_fit_are_refused_without_echoing_them(
    given: dict[str, object],
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        score(validate_config(quiz()), given)
    assert "SECRET" not in refused.value.detail
    assert refused.value.field == "answers"


def test_scale_answers_must_be_whole_numbers_in_range() -> None:
    config = validate_config(
        quiz(
            questions=[{"id": "q1", "text": "Оценка", "kind": "scale", "min": 1, "max": 5}],
            crisis=None,
            recommendations={},
        )
    )
    for bad in (0, 6, True, "3", 2.5):
        with pytest.raises(ValidationFailed):
            score(config, {"q1": bad})
    assert score(config, {"q1": 5}).result_level == "moderate"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"crisis": {"any": [{"question": "q9", "options": ["always"]}]}},
         "the crisis rule names unknown question q9"),
        ({"crisis": {"any": [{"question": "q1", "options": ["sometimes", "nope"]}]}},
         "the crisis rule names unknown option q1.nope"),
        ({"crisis": {"any": [{"question": "q1"}]}}, "needs options"),
        ({"crisis": {"any": [{"options": ["x"]}]}}, "names a question or a score_at_least"),
        ({"scoring": {"kind": "sum", "bands": [{"level": "low", "min": 0, "max": 5},
                                               {"level": "high", "min": 4}]}},
         "bands low and high overlap"),
        ({"scoring": {"kind": "sum", "bands": [{"level": "low", "min": 0, "max": 3},
                                               {"level": "high", "min": 4}]}},
         "scores between 3.0 and 4.0 fall in no band"),
        ({"scoring": {"kind": "sum", "bands": [{"level": "low", "min": 0},
                                               {"level": "low", "min": 4}]}},
         "each level has one band"),
        ({"scoring": {"kind": "sum", "bands": []}}, "sum scoring needs bands"),
        ({"scoring": {"kind": "sum", "bands": [{"level": "severe", "min": 0}]}}, "config: "),
        ({"scoring": {"kind": "weighted", "weights": {"q7": 2},
                      "bands": [{"level": "low", "min": 0}]}},
         "a weight names unknown question q7"),
        ({"questions": []}, "1 to 100 questions"),
        ({"questions": [{"id": "q1", "text": "?", "kind": "single", "options": FREQUENCY[:1]}]},
         "needs 2 to 20 options"),
        ({"questions": [{"id": "q1", "text": "?", "kind": "single", "options": FREQUENCY},
                        {"id": "q1", "text": "?", "kind": "single", "options": FREQUENCY}]},
         "question ids must be unique"),
        ({"recommendations": {"severe": {}}}, "recommendations name unknown result severe"),
        ({"recommendations": {"high": {"telegram_purpose": "phishing"}}},
         "unknown telegram_purpose phishing"),
        ({"extra": 1}, "config: "),
    ],
)  # fmt: skip
def test_configs_that_cannot_be_scored_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_config(quiz(**changes))
    assert message in refused.value.detail
    assert refused.value.field == "config"
