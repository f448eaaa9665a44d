"""Money: an exact decimal amount in a currency, with kopeck rounding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.domain.errors import ValidationFailed

_CENT = Decimal("0.01")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount (two decimal places) and an ISO 4217 currency code."""

    amount: Decimal
    currency: str = "RUB"

    def __post_init__(self) -> None:
        if not _CURRENCY.match(self.currency):
            raise ValidationFailed("currency must be an ISO 4217 code")
        if not self.amount.is_finite():
            raise ValidationFailed("amount must be a finite number")
        object.__setattr__(self, "amount", self.amount.quantize(_CENT, rounding=ROUND_HALF_UP))

    @classmethod
    def of(cls, value: str | int | Decimal, currency: str = "RUB") -> Money:
        """Parse ``"3500.00"``, ``3500`` or a ``Decimal``; floats are refused."""
        try:
            return cls(Decimal(value), currency)
        except InvalidOperation:
            raise ValidationFailed("amount must be a decimal number") from None

    @classmethod
    def zero(cls, currency: str = "RUB") -> Money:
        return cls(Decimal(0), currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationFailed("cannot combine amounts in different currencies")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def percent(self, percent: int) -> Money:
        """``percent`` % of this amount, rounded half up to the kopeck."""
        if not 0 <= percent <= 100:
            raise ValidationFailed("percent must be between 0 and 100")
        return Money(self.amount * percent / 100, self.currency)

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        """The API's money format: a decimal string such as ``"3500.00"``."""
        return f"{self.amount:.2f}"
