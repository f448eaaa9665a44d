"""json and jsonb columns are decoded by msgspec, and what only the standard library
takes still decodes (never a 500 for a stored value)."""

from __future__ import annotations

import math

from app.adapters.postgres.database import _loads


def test_columns_decode_as_the_standard_library_would() -> None:
    assert _loads(
        b'[{"code": "anxiety", "title": "\\u0422\\u0440\\u0435\\u0432\\u043e\\u0433\\u0430"}]'
    ) == [{"code": "anxiety", "title": "Тревога"}]
    assert _loads('{"n": 12345678901234567890123, "f": 1.5, "x": null}') == {
        "n": 12345678901234567890123, "f": 1.5, "x": None,
    }  # fmt: skip


def test_a_number_beyond_a_float_falls_back_to_the_standard_library() -> None:
    assert math.isinf(_loads(b'{"big": 1e400}')["big"])
