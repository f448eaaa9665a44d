"""The e-mail login rules over in-memory fakes: codes, their lifetime and attempts,
the per-address backoff and window, the daily lock and its single notice, the first
login's consent, blocked accounts."""

from __future__ import annotations

import pytest

from app.application.identity.accounts import ConsentInput
from app.domain.errors import ConsentRequired
from app.domain.identity.errors import AccountBlocked, AuthenticationFailed, RateLimited
from app.domain.identity.model import ConsentType, Role, UserStatus
from tests.unit.identity.fakes import CLIENT_SESSIONS, IdentityHarness, identity_harness

EMAIL = "Anna@Example.org"
CONSENT = [ConsentInput(ConsentType.PERSONAL_DATA, True, "2030-01")]


@pytest.fixture
def h() -> IdentityHarness:
    return identity_harness()


def last_code(h: IdentityHarness) -> str:
    sent = [n for n in h.notifications if n.template_code == "auth.login_code"]
    code: str = sent[-1].variables["code"]
    return code


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_a_code_is_sent_and_logs_in_once(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    (notice,) = h.notifications
    assert (notice.template_code, notice.to, notice.channel) == ("auth.login_code", EMAIL, "email")
    code = last_code(h)
    assert len(code) == 6
    assert code.isdigit()
    assert all(code.encode() not in row.code_hash for row in h.db.login_codes)

    result = await h.service.email_login.verify(EMAIL, code, CONSENT)

    assert result.user.roles == frozenset({Role.CLIENT})
    (user,) = h.db.users.values()
    assert user.email_verified_at == h.clock.now()
    assert [c.consent_type for c in h.db.consents[user.id]] == [ConsentType.PERSONAL_DATA]
    assert result.expires_at == h.clock.now() + CLIENT_SESSIONS.lifetime
    principal = await h.service.sessions.authenticate(result.token)
    assert principal.user_id == user.id
    with pytest.raises(AuthenticationFailed):
        await h.service.email_login.verify(EMAIL, code)  # single use


async def test_a_wrong_code_is_refused_and_counted(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    code = last_code(h)
    with pytest.raises(AuthenticationFailed):
        await h.service.email_login.verify(EMAIL, wrong(code), CONSENT)
    assert h.db.login_codes[0].attempts == 1
    assert (await h.service.email_login.verify(EMAIL, code, CONSENT)).token


async def test_a_code_expires_after_ten_minutes(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    h.clock.advance(minutes=10)
    with pytest.raises(AuthenticationFailed):
        await h.service.email_login.verify(EMAIL, last_code(h), CONSENT)


async def test_five_wrong_guesses_retire_the_code(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    code = last_code(h)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            await h.service.email_login.verify(EMAIL, wrong(code), CONSENT)
    with pytest.raises(AuthenticationFailed):
        await h.service.email_login.verify(EMAIL, code, CONSENT)
    assert h.db.login_codes[0].attempts == 5


async def test_a_new_code_retires_the_previous(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    first = last_code(h)
    h.clock.advance(seconds=30)
    await h.service.email_login.start(EMAIL)
    if first != last_code(h):
        with pytest.raises(AuthenticationFailed):
            await h.service.email_login.verify(EMAIL, first, CONSENT)


async def test_further_codes_back_off_and_three_per_fifteen_minutes(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    with pytest.raises(RateLimited) as second_at_once:
        await h.service.email_login.start(EMAIL)
    assert second_at_once.value.retry_after_seconds == 30
    h.clock.advance(seconds=30)
    await h.service.email_login.start(EMAIL)  # the second, after 30 s
    h.clock.advance(seconds=59)
    with pytest.raises(RateLimited) as third_early:
        await h.service.email_login.start(EMAIL)
    assert third_early.value.retry_after_seconds == 1
    h.clock.advance(seconds=1)
    await h.service.email_login.start(EMAIL)  # the third, 60 s after the second
    h.clock.advance(seconds=120)  # past the 120 s pause, still within 15 minutes
    with pytest.raises(RateLimited) as fourth:
        await h.service.email_login.start(EMAIL)
    assert fourth.value.retry_after_seconds == 15 * 60 - 210
    assert len(h.db.login_codes) == 3
    h.clock.advance(seconds=15 * 60 - 210)
    await h.service.email_login.start(EMAIL)
    assert len(h.db.login_codes) == 4


async def test_twenty_wrong_guesses_in_a_day_lock_the_address_with_one_notice(
    h: IdentityHarness,
) -> None:
    for _ in range(4):
        await h.service.email_login.start(EMAIL)
        code = last_code(h)
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                await h.service.email_login.verify(EMAIL, wrong(code), CONSENT)
        h.clock.advance(hours=1)

    locked = [n for n in h.notifications if n.template_code == "auth.login_locked"]
    assert len(locked) == 1
    assert locked[0].to == EMAIL
    assert len(h.db.lockouts) == 1
    with pytest.raises(RateLimited) as refused:
        await h.service.email_login.start(EMAIL)
    assert refused.value.retry_after_seconds == 23 * 3600  # the lock began an hour ago
    with pytest.raises(RateLimited):
        await h.service.email_login.verify(EMAIL, "000000", CONSENT)
    assert len([n for n in h.notifications if n.template_code == "auth.login_locked"]) == 1

    h.clock.advance(hours=23)
    await h.service.email_login.start(EMAIL)
    assert (await h.service.email_login.verify(EMAIL, last_code(h), CONSENT)).token


async def test_an_unknown_address_gets_the_same_answer(h: IdentityHarness) -> None:
    """Known or not, the address gets a code, and the same work is done."""
    await h.service.email_login.start("nobody@example.org")
    assert len(h.notifications) == 1
    assert not h.db.users


async def test_a_first_login_needs_the_personal_data_consent(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    code = last_code(h)
    with pytest.raises(ConsentRequired):
        await h.service.email_login.verify(EMAIL, code)
    with pytest.raises(ConsentRequired):
        refused = [ConsentInput(ConsentType.PERSONAL_DATA, False, "2030-01")]
        await h.service.email_login.verify(EMAIL, code, refused)
    assert not h.db.users
    assert not h.db.sessions
    assert h.db.login_codes[0].consumed_at is None  # rolled back: the code still works
    assert (await h.service.email_login.verify(EMAIL, code, CONSENT)).token


async def test_a_returning_user_needs_no_consent_again(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    await h.service.email_login.verify(EMAIL, last_code(h), CONSENT)
    h.clock.advance(minutes=1)
    await h.service.email_login.start(EMAIL)
    result = await h.service.email_login.verify(EMAIL, last_code(h))
    assert len(h.db.users) == 1
    assert result.user.id in h.db.users


async def test_a_blocked_account_is_refused(h: IdentityHarness) -> None:
    await h.service.email_login.start(EMAIL)
    user = (await h.service.email_login.verify(EMAIL, last_code(h), CONSENT)).user
    h.db.users[user.id].status = UserStatus.BLOCKED
    h.clock.advance(minutes=1)
    await h.service.email_login.start(EMAIL)
    sessions_before = len(h.db.sessions)
    with pytest.raises(AccountBlocked):
        await h.service.email_login.verify(EMAIL, last_code(h))
    assert len(h.db.sessions) == sessions_before
