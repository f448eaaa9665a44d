"""The console's display helpers: Russian plural forms, local time, money."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.adapters.console.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_time,
    plural,
)
from app.domain.shared.money import Money

FORMS = ("запись", "записи", "записей")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "записей"), (1, "запись"), (2, "записи"), (4, "записи"), (5, "записей"),
        (11, "записей"), (12, "записей"), (14, "записей"), (21, "запись"), (22, "записи"),
        (25, "записей"), (101, "запись"), (111, "записей"), (112, "записей"),
        (1004, "записи"), (-1, "запись"),
    ],
)  # fmt: skip
def test_plural_follows_the_russian_rule(n: int, expected: str) -> None:
    assert plural(n, *FORMS) == expected


def test_times_are_shown_in_the_practice_zone() -> None:
    instant = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    assert format_datetime(instant, "Europe/Moscow") == "пн, 7 декабря 2026, 14:30"
    assert format_time(instant, "Asia/Yekaterinburg") == "16:30"
    assert format_date(date(2026, 1, 1)) == "чт, 1 января 2026"


def test_money_in_minor_units_decimals_and_money() -> None:
    assert format_money(350000, "RUB") == "3\u00a0500\u00a0₽"
    assert format_money(Decimal("1250.5"), "RUB") == "1\u00a0250,50\u00a0₽"
    assert format_money(Money.of("99.99", "EUR")) == "99,99\u00a0€"
    assert format_money(Decimal("-300"), "RUB") == "−300\u00a0₽"
    assert format_money(100, "KZT") == "1\u00a0KZT"
