"""Crisis words are recognised however they are typed; ordinary worries are not."""

from __future__ import annotations

import pytest

from app.domain.shared.crisis import mentions_crisis


@pytest.mark.parametrize(
    "text",
    [
        "Не хочу жить",
        "я  больше\nне хочу жить",
        "думаю о суициде",
        "Хочу покончить с собой",
        "иногда режу себя",
        "хочется свести счёты с жизнью",
    ],
)
def test_crisis_words_are_recognised(text: str) -> None:
    assert mentions_crisis(text)


@pytest.mark.parametrize(
    "text", ["Мне тревожно перед сном", "Как записаться?", "хочу жить спокойнее"]
)
def test_ordinary_worries_are_not_crisis(text: str) -> None:
    assert not mentions_crisis(text)
