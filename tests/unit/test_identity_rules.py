"""Identity rules: session lifetimes, consent state, login codes, Telegram signatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.telegram.login_widget import TelegramLoginWidgetVerifier, sign
from app.domain.errors import ConsentRequired, ValidationFailed
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.model import (
    ConsentRecord,
    ConsentSource,
    ConsentState,
    ConsentType,
    Role,
    SessionPolicies,
    SessionPolicy,
    new_login_code,
    new_token,
    validate_display_name,
    validate_timezone,
)

NOW = datetime(2030, 5, 1, 12, tzinfo=UTC)
TOKEN = "123456789:AAH" + "x" * 32


def test_session_ends_at_idle_or_lifetime_whichever_first() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
    start = NOW
    assert policy.is_alive(created_at=start, last_seen_at=start, now=start + timedelta(minutes=29))
    assert not policy.is_alive(
        created_at=start, last_seen_at=start, now=start + timedelta(minutes=30)
    )
    late_use = start + timedelta(hours=11, minutes=50)
    assert not policy.is_alive(
        created_at=start, last_seen_at=late_use, now=start + timedelta(hours=12)
    )
    assert policy.expires_at(start) == start + timedelta(hours=12)


def test_staff_get_the_staff_policy() -> None:
    client = SessionPolicy(timedelta(days=14), timedelta(days=30))
    staff = SessionPolicy(timedelta(minutes=30), timedelta(hours=12))
    policies = SessionPolicies(client=client, staff=staff)
    assert policies.for_roles(frozenset({Role.CLIENT})) is client
    assert policies.for_roles(frozenset({Role.CLIENT, Role.EDITOR})) is staff


def record(kind: ConsentType, granted: bool, minutes: int) -> ConsentRecord:
    return ConsentRecord(
        kind, granted, "2026-01", ConsentSource.WEB, NOW + timedelta(minutes=minutes)
    )


def test_latest_consent_of_a_type_wins() -> None:
    state = ConsentState.from_history(
        [record(ConsentType.HEALTH_DATA, False, 5), record(ConsentType.HEALTH_DATA, True, 1)]
    )
    assert not state.has(ConsentType.HEALTH_DATA)
    with pytest.raises(ConsentRequired):
        state.require(ConsentType.HEALTH_DATA)
    with pytest.raises(ConsentRequired):
        state.require(ConsentType.PERSONAL_DATA)
    ConsentState.from_history([record(ConsentType.PERSONAL_DATA, True, 0)]).require(
        ConsentType.PERSONAL_DATA
    )


def test_codes_and_tokens_look_right() -> None:
    codes = {new_login_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150
    assert len(new_token()) >= 43


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_display_name_bounds(name: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_display_name(name)


def test_timezones_must_be_iana() -> None:
    assert validate_timezone("Europe/Moscow") == "Europe/Moscow"
    with pytest.raises(ValidationFailed):
        validate_timezone("Moscow/Time")


def widget(**override: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": 42, "first_name": "Анна", "username": "anna_k", "auth_date": int(NOW.timestamp()),
    }  # fmt: skip
    data.update(override)
    data["hash"] = sign(data, TOKEN)
    return data


def test_valid_widget_data_is_accepted() -> None:
    identity = TelegramLoginWidgetVerifier(TOKEN).verify(widget(), NOW + timedelta(minutes=1))
    assert (identity.telegram_user_id, identity.first_name, identity.username) == (
        42,
        "Анна",
        "anna_k",
    )


def test_altered_field_is_rejected() -> None:
    data = widget()
    data["id"] = 43
    with pytest.raises(AuthenticationFailed):
        TelegramLoginWidgetVerifier(TOKEN).verify(data, NOW)


def test_other_bots_signature_is_rejected() -> None:
    with pytest.raises(AuthenticationFailed):
        TelegramLoginWidgetVerifier("987654321:BBH" + "y" * 32).verify(widget(), NOW)


def test_stale_or_future_auth_date_is_rejected() -> None:
    verifier = TelegramLoginWidgetVerifier(TOKEN)
    with pytest.raises(AuthenticationFailed, match="too old"):
        verifier.verify(widget(), NOW + timedelta(hours=2))
    with pytest.raises(AuthenticationFailed, match="too old"):
        verifier.verify(widget(), NOW - timedelta(hours=1))


def test_missing_hash_is_rejected() -> None:
    data = widget()
    del data["hash"]
    with pytest.raises(AuthenticationFailed):
        TelegramLoginWidgetVerifier(TOKEN).verify(data, NOW)
