"""Deep-link codes fit Telegram's start parameter and cannot be guessed."""

from __future__ import annotations

import pytest

from app.domain.errors import ValidationFailed
from app.domain.telegram.deep_links import looks_like_code, new_code, validate_purpose


def test_codes_fit_the_start_parameter_and_do_not_repeat() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(looks_like_code(code) and len(code) == 22 for code in codes)


@pytest.mark.parametrize("value", ["abc", "a" * 65, "has space!", "кириллица12", ""])
def test_values_outside_the_alphabet_or_length_are_not_codes(value: str) -> None:
    assert not looks_like_code(value)


def test_only_known_purposes_are_accepted() -> None:
    assert validate_purpose("interactive_result") == "interactive_result"
    with pytest.raises(ValidationFailed) as raised:
        validate_purpose("anything")
    assert raised.value.field == "purpose"
