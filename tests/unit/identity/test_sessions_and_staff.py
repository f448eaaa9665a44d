"""Sessions, Telegram login and the owner's role grants over in-memory fakes."""

from __future__ import annotations

import uuid

import pytest

from app.application.access import Principal
from app.application.identity.accounts import ConsentInput, LoginResult
from app.domain.errors import (
    ConsentRequired,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from app.domain.identity.errors import AccountBlocked, AuthenticationFailed
from app.domain.identity.model import ConsentType, Role
from tests.unit.identity.fakes import (
    CLIENT_SESSIONS,
    STAFF_SESSIONS,
    IdentityHarness,
    identity_harness,
)

CONSENT = [ConsentInput(ConsentType.PERSONAL_DATA, True, "2030-01")]


@pytest.fixture
def h() -> IdentityHarness:
    return identity_harness()


async def log_in(h: IdentityHarness, email: str) -> LoginResult:
    await h.service.email_login.start(email)
    code = h.notifications[-1].variables["code"]
    return await h.service.email_login.verify(email, code, CONSENT)


async def owner(h: IdentityHarness) -> tuple[Principal, LoginResult]:
    await h.service.create_owner("owner@example.org")
    result = await log_in(h, "owner@example.org")
    return await h.service.sessions.authenticate(result.token), result


# --- sessions ----------------------------------------------------------------------


async def test_a_client_session_ends_after_the_idle_time(h: IdentityHarness) -> None:
    token = (await log_in(h, "c@example.org")).token
    h.clock.advance(seconds=CLIENT_SESSIONS.idle.total_seconds() - 1)
    await h.service.sessions.authenticate(token)  # used: idle counts again from now
    h.clock.advance(seconds=CLIENT_SESSIONS.idle.total_seconds() - 1)
    await h.service.sessions.authenticate(token)
    h.clock.advance(seconds=CLIENT_SESSIONS.idle.total_seconds())
    with pytest.raises(AuthenticationFailed):
        await h.service.sessions.authenticate(token)


async def test_a_session_in_use_still_ends_at_its_lifetime(h: IdentityHarness) -> None:
    result = await log_in(h, "c@example.org")
    assert result.expires_at == h.clock.now() + CLIENT_SESSIONS.lifetime
    step = CLIENT_SESSIONS.idle / 2
    used = step
    while used < CLIENT_SESSIONS.lifetime:
        h.clock.advance(seconds=step.total_seconds())
        await h.service.sessions.authenticate(result.token)
        used += step
    h.clock.advance(seconds=step.total_seconds())
    with pytest.raises(AuthenticationFailed):
        await h.service.sessions.authenticate(result.token)


async def test_staff_sessions_are_shorter(h: IdentityHarness) -> None:
    _, result = await owner(h)
    assert result.expires_at == h.clock.now() + STAFF_SESSIONS.lifetime
    h.clock.advance(seconds=STAFF_SESSIONS.idle.total_seconds())
    with pytest.raises(AuthenticationFailed):
        await h.service.sessions.authenticate(result.token)


async def test_last_seen_is_refreshed_at_most_once_a_minute(h: IdentityHarness) -> None:
    token = (await log_in(h, "c@example.org")).token
    (row,) = h.db.sessions.values()
    created = row.last_seen_at
    h.clock.advance(seconds=59)
    await h.service.sessions.authenticate(token)
    assert row.last_seen_at == created
    h.clock.advance(seconds=1)
    await h.service.sessions.authenticate(token)
    assert row.last_seen_at == h.clock.now()


async def test_logout_ends_the_session_and_unknown_tokens_fail(h: IdentityHarness) -> None:
    token = (await log_in(h, "c@example.org")).token
    principal = await h.service.sessions.authenticate(token)
    await h.service.sessions.logout(principal)
    with pytest.raises(AuthenticationFailed):
        await h.service.sessions.authenticate(token)
    with pytest.raises(AuthenticationFailed):
        await h.service.sessions.authenticate("no-such-token")


# --- Telegram login ----------------------------------------------------------------


async def test_telegram_login_registers_once_and_refuses_a_replayed_payload(
    h: IdentityHarness,
) -> None:
    data = {"id": 4242, "first_name": "  Анна ", "hash": "sig-1"}
    with pytest.raises(ConsentRequired):
        await h.service.telegram_login.login(data)
    result = await h.service.telegram_login.login(data, CONSENT)  # not spent by the refusal
    assert (result.user.telegram_user_id, result.user.display_name) == (4242, "Анна")
    with pytest.raises(AuthenticationFailed):
        await h.service.telegram_login.login(data, CONSENT)
    again = await h.service.telegram_login.login({**data, "hash": "sig-2"})
    assert again.user.id == result.user.id
    assert len(h.db.users) == 1
    with pytest.raises(AuthenticationFailed):
        await h.service.telegram_login.login({**data, "hash": "bad"}, CONSENT)


# --- the owner's staff management ----------------------------------------------------


async def test_only_the_owner_grants_roles(h: IdentityHarness) -> None:
    boss, _ = await owner(h)
    editor = await h.service.staff.add_staff(boss, "ed@example.org", frozenset({Role.EDITOR}))
    assert editor.roles == frozenset({Role.EDITOR})
    assert h.db.granted_by[editor.id] == boss.user_id
    ed_token = (await log_in(h, "ed@example.org")).token
    ed = await h.service.sessions.authenticate(ed_token)
    with pytest.raises(InvalidState):
        await h.service.staff.add_staff(ed, "x@example.org", frozenset({Role.ASSISTANT}))
    with pytest.raises(InvalidState):
        await h.service.staff.set_roles(ed, ed.user_id, frozenset({Role.OWNER}))
    with pytest.raises(ValidationFailed):
        await h.service.staff.add_staff(boss, "x@example.org", frozenset())
    assert [e.action for e in h.audit] == ["user.grant_owner", "user.add_staff"]


async def test_adding_staff_to_an_existing_client_keeps_the_client_role(
    h: IdentityHarness,
) -> None:
    boss, _ = await owner(h)
    client = (await log_in(h, "c@example.org")).user
    staff = await h.service.staff.add_staff(boss, "C@example.org", frozenset({Role.ASSISTANT}))
    assert staff.id == client.id
    assert h.db.users[client.id].roles == frozenset({Role.CLIENT, Role.ASSISTANT})


async def test_the_owner_cannot_drop_their_own_owner_role_or_block_themselves(
    h: IdentityHarness,
) -> None:
    boss, _ = await owner(h)
    with pytest.raises(Forbidden):
        await h.service.staff.set_roles(boss, boss.user_id, frozenset({Role.EDITOR}))
    with pytest.raises(Forbidden):
        await h.service.staff.block(boss, boss.user_id)
    with pytest.raises(NotFound):
        await h.service.staff.set_roles(boss, uuid.uuid4(), frozenset({Role.EDITOR}))


async def test_blocking_ends_every_session_and_refuses_the_next_login(
    h: IdentityHarness,
) -> None:
    boss, _ = await owner(h)
    first = await log_in(h, "c@example.org")
    h.clock.advance(seconds=30)
    await h.service.email_login.start("c@example.org")
    second_code = h.notifications[-1].variables["code"]
    await h.service.staff.block(boss, first.user.id)
    assert h.audit[-1].action == "user.block"
    assert h.audit[-1].details == {"sessions_revoked": 1}
    with pytest.raises(AuthenticationFailed):
        await h.service.sessions.authenticate(first.token)
    with pytest.raises(AccountBlocked):
        await h.service.email_login.verify("c@example.org", second_code)


async def test_unblocking_lets_the_account_sign_in_again_audited(h: IdentityHarness) -> None:
    boss, _ = await owner(h)
    first = await log_in(h, "c@example.org")
    client = await h.service.sessions.authenticate(first.token)
    with pytest.raises(InvalidState):  # not blocked
        await h.service.staff.unblock(boss, first.user.id)
    await h.service.staff.block(boss, first.user.id)
    with pytest.raises(Forbidden):
        await h.service.staff.unblock(client, first.user.id)
    with pytest.raises(NotFound):
        await h.service.staff.unblock(boss, uuid.uuid4())
    await h.service.staff.unblock(boss, first.user.id)
    assert (h.audit[-1].action, h.audit[-1].entity_id) == ("user.unblock", str(first.user.id))
    with pytest.raises(AuthenticationFailed):  # the old sessions stay ended
        await h.service.sessions.authenticate(first.token)
    h.clock.advance(minutes=5)
    again = await log_in(h, "c@example.org")
    assert again.user.id == first.user.id


async def test_create_owner_grants_the_role_to_an_existing_account(h: IdentityHarness) -> None:
    client = (await log_in(h, "c@example.org")).user
    promoted = await h.service.create_owner("c@example.org")
    assert promoted.id == client.id
    assert h.db.users[client.id].roles == frozenset({Role.CLIENT, Role.OWNER})
    assert h.db.granted_by[client.id] is None
