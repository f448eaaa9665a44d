"""Russian display helpers for console templates: plural forms, the practice's local
time, money. Pure functions, registered as Jinja globals by the router."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.adapters.console.labels import label
from app.domain.shared.money import Money

DEFAULT_ZONE = "Europe/Moscow"

_MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
_WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
_SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€"}


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for ``n``: 1 запись, 2 записи, 5 записей, 11 записей, 21 запись."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def local_datetime(value: datetime, zone: str = DEFAULT_ZONE) -> datetime:
    """An aware instant as the wall-clock time in ``zone``."""
    return value.astimezone(ZoneInfo(zone))


def format_date(value: date) -> str:
    """``пн, 7 декабря 2026``."""
    return f"{_WEEKDAYS[value.weekday()]}, {value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_datetime(value: datetime, zone: str = DEFAULT_ZONE) -> str:
    """``пн, 7 декабря 2026, 14:30`` in ``zone``."""
    local = local_datetime(value, zone)
    return f"{format_date(local.date())}, {local:%H:%M}"


def format_time(value: datetime, zone: str = DEFAULT_ZONE) -> str:
    """``14:30`` in ``zone``."""
    return f"{local_datetime(value, zone):%H:%M}"


def format_money(amount: Money | Decimal | int | str, currency: str = "RUB") -> str:
    """``3 500 ₽`` or ``1 250,50 ₽``. An ``int`` is in minor units (kopecks)."""
    if isinstance(amount, Money):
        value, currency = amount.amount, amount.currency
    elif isinstance(amount, int):
        value = Decimal(amount) / 100
    else:
        value = Decimal(amount)
    value = value.quantize(Decimal("0.01"))
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    text = groups if cents == "00" else f"{groups},{cents}"
    sign = "−" if value < 0 else ""
    return f"{sign}{text}\u00a0{_SYMBOLS.get(currency, currency)}"


def template_globals() -> dict[str, Any]:
    """The helpers every console template may call (zone-aware ones read ``practice_zone``
    from the template context; see ``router.register_helpers``)."""
    return {"plural": plural, "money": format_money, "label": label}
