"""The per-address rules of e-mail login codes (a longer pause before each further code,
a few codes per window, a day's lock after too many wrong guesses) and the freshness of
a Telegram login payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.telegram.login_widget import TelegramLoginWidgetVerifier, sign
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.model import LoginCodePolicy

T0 = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
POLICY = LoginCodePolicy()


def test_the_first_code_is_sent_at_once() -> None:
    assert POLICY.wait_before_next_code([], T0) == timedelta(0)


def test_each_further_code_waits_twice_as_long_up_to_an_hour() -> None:
    pauses = [POLICY.pause_after(n) for n in range(1, 10)]
    assert pauses[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert pauses[-1] == timedelta(hours=1)
    assert POLICY.pause_after(10_000) == timedelta(hours=1)


def test_the_wait_counts_from_the_newest_code() -> None:
    sent = [T0, T0 + timedelta(seconds=30)]
    now = T0 + timedelta(seconds=40)
    assert POLICY.wait_before_next_code(sent, now) == timedelta(seconds=50)
    assert POLICY.wait_before_next_code(sent, T0 + timedelta(seconds=90)) == timedelta(0)


def test_three_codes_in_fifteen_minutes_are_the_most() -> None:
    sent = [T0, T0 + timedelta(seconds=30), T0 + timedelta(seconds=90)]
    now = T0 + timedelta(minutes=5)
    assert POLICY.wait_before_next_code(sent, now) == timedelta(minutes=10)
    assert POLICY.wait_before_next_code(sent, T0 + timedelta(minutes=15)) == timedelta(0)


def test_twenty_wrong_guesses_lock() -> None:
    assert not POLICY.locks_after(19)
    assert POLICY.locks_after(20)
    assert POLICY.lock_duration == timedelta(days=1)


def test_a_telegram_login_payload_is_fresh_for_ten_minutes_and_named_by_its_signature() -> None:
    token = "123456789:AAH" + "x" * 32
    data: dict[str, object] = {"id": 42, "auth_date": int(T0.timestamp())}
    data["hash"] = sign(data, token)
    verifier = TelegramLoginWidgetVerifier(token)
    identity = verifier.verify(data, T0 + timedelta(minutes=10))
    assert identity.accepted_until == T0 + timedelta(minutes=10)
    assert identity.signature_hash == verifier.verify(data, T0).signature_hash
    with pytest.raises(AuthenticationFailed, match="too old"):
        verifier.verify(data, T0 + timedelta(minutes=10, seconds=1))
