"""The shared kernel: money, time ranges, contacts, the P0 guard, retry timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.errors import ValidationFailed
from app.domain.shared.contact import Email, Phone
from app.domain.shared.money import Money
from app.domain.shared.privacy import ensure_p0
from app.domain.shared.retry import backoff_delay
from app.domain.shared.time_range import TimeRange

T0 = datetime(2030, 1, 1, 10, tzinfo=UTC)


def test_money_is_exact_and_kopeck_rounded() -> None:
    price = Money.of("3500")
    assert str(price) == "3500.00"
    assert str(Money.of("0.1") + Money.of("0.2")) == "0.30"
    assert str(price - Money.of("1500.50")) == "1999.50"
    assert str(Money.of("3333.33").percent(50)) == "1666.67"  # half up
    assert str(price.percent(0)) == "0.00"
    assert price.percent(0).is_zero
    assert Money.of(Decimal("10.005")).amount == Decimal("10.01")


def test_money_refuses_mixing_currencies_and_nonsense() -> None:
    with pytest.raises(ValidationFailed):
        Money.of("1", "RUB") + Money.of("1", "EUR")
    with pytest.raises(ValidationFailed):
        Money.of("abc")
    with pytest.raises(ValidationFailed):
        Money.of("1", "rub")
    with pytest.raises(ValidationFailed):
        Money.of("NaN")
    with pytest.raises(ValidationFailed):
        Money.of("100").percent(101)
    assert Money.of("1") < Money.of("2")
    assert Money.of("2") <= Money.of("2")


def test_time_ranges_are_half_open() -> None:
    morning = TimeRange(T0, T0 + timedelta(hours=1))
    next_hour = TimeRange(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert not morning.overlaps(next_hour)
    assert morning.overlaps(TimeRange(T0 + timedelta(minutes=59), T0 + timedelta(hours=3)))
    assert morning.duration == timedelta(hours=1)
    widened = morning.expanded(timedelta(minutes=10), timedelta(minutes=15))
    assert widened.overlaps(next_hour)
    assert widened.contains(morning)
    assert not morning.contains(widened)


def test_time_ranges_need_zones_and_order() -> None:
    with pytest.raises(ValidationFailed):
        TimeRange(T0, T0)
    with pytest.raises(ValidationFailed):
        TimeRange(T0.replace(tzinfo=None), T0 + timedelta(hours=1))


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("  Anna@Example.ORG ", "anna@example.org"), ("a.b+tag@mail.ru", "a.b+tag@mail.ru")],
)
def test_email_normalisation(raw: str, normalized: str) -> None:
    assert Email(raw).normalized == normalized
    assert "example" not in repr(Email(raw))


@pytest.mark.parametrize("raw", ["", "no-at-sign", "a@b", "two@@example.org", "a b@example.org"])
def test_invalid_emails(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        Email(raw)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+7 (999) 123-45-67", "+79991234567"),
        ("8 999 123 45 67", "+79991234567"),
        ("9991234567", "+79991234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_normalisation(raw: str, e164: str) -> None:
    assert Phone(raw).normalized == e164


@pytest.mark.parametrize("raw", ["12", "+0123456789", "phone"])
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        Phone(raw)


def test_p0_guard_accepts_ids_codes_and_levels() -> None:
    ensure_p0(
        {"appointment_id": "2b1c", "level": "high", "count": 3, "flags": ["crisis"], "x": None},
        where="test",
    )


@pytest.mark.parametrize(
    "value",
    [
        # random UUIDs whose digit-and-hyphen runs look like a phone number
        "12345678-9012-4345-8678-901234567890",
        "0f1e2d3c-1234-4567-8901-234567890123",
        "2026-11-22",
        "2026-11-22T10:00:00+03:00",
        "2026-11-22 10:00:00.123456Z",
    ],
)
def test_p0_guard_takes_ids_and_timestamps_for_what_they_are(value: str) -> None:
    ensure_p0({"service_id": value}, where="test")


def test_p0_guard_still_sees_a_phone_beside_an_id() -> None:
    with pytest.raises(ValidationFailed):
        ensure_p0({"ref": "12345678-9012 +7 916 123-45-67"}, where="test")


@pytest.mark.parametrize(
    "values",
    [
        {"email": "x"},
        {"note": "x"},
        {"body_encrypted": "enc:v1:k1:x"},
        {"ref": "anna@example.org"},
        {"ref": "+7 999 123-45-67"},
        {"nested": {"phone": "1"}},
        {"long": "слово " * 100},
        {"obj": object()},
    ],
)
def test_p0_guard_rejects_personal_data(values: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        ensure_p0(values, where="test")


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, base_seconds=5, cap_seconds=60) for n in range(1, 7)]
    assert delays[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert delays[-1] == timedelta(seconds=60)
