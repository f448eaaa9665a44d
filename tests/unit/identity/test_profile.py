"""The person's profile and consents over in-memory fakes."""

from __future__ import annotations

import pytest

from app.application.access import Principal
from app.application.identity.accounts import ConsentInput
from app.application.identity.profile import ProfileChanges
from app.domain.errors import ConsentRequired, ValidationFailed, VersionConflict
from app.domain.identity.model import ConsentType
from tests.unit.identity.fakes import IdentityHarness, identity_harness

CONSENT = [ConsentInput(ConsentType.PERSONAL_DATA, True, "2030-01")]


@pytest.fixture
def h() -> IdentityHarness:
    return identity_harness()


async def signed_in(h: IdentityHarness) -> Principal:
    await h.service.email_login.start("p@example.org")
    code = h.notifications[-1].variables["code"]
    result = await h.service.email_login.verify("p@example.org", code, CONSENT)
    return await h.service.sessions.authenticate(result.token)


async def test_the_profile_changes_only_what_is_given(h: IdentityHarness) -> None:
    person = await signed_in(h)
    before = await h.service.profile.me(person)
    assert (before.timezone, before.locale, before.version) == ("Europe/Moscow", "ru", 1)
    after = await h.service.profile.update_me(
        person, ProfileChanges(display_name="  Анна  ", locale="en"), expected_version=1
    )
    assert (after.display_name, after.locale, after.timezone) == ("Анна", "en", "Europe/Moscow")
    assert after.version == 2
    with pytest.raises(VersionConflict):
        await h.service.profile.update_me(person, ProfileChanges(locale="ru"), expected_version=1)
    with pytest.raises(ValidationFailed):
        await h.service.profile.update_me(person, ProfileChanges(timezone="Mars/Base"), None)
    assert (await h.service.profile.me(person)).locale == "en"


async def test_the_latest_consent_decides(h: IdentityHarness) -> None:
    person = await signed_in(h)
    with pytest.raises(ConsentRequired):
        await h.service.profile.require_consent(person.user_id, ConsentType.HEALTH_DATA)
    given = ConsentInput(ConsentType.HEALTH_DATA, True, "2030-01")
    state = await h.service.profile.give_consent(person, given)
    assert state.has(ConsentType.HEALTH_DATA)
    await h.service.profile.require_consent(person.user_id, ConsentType.HEALTH_DATA)
    h.clock.advance(minutes=1)
    withdrawn = ConsentInput(ConsentType.HEALTH_DATA, False, "2030-01")
    await h.service.profile.give_consent(person, withdrawn)
    with pytest.raises(ConsentRequired):
        await h.service.profile.require_consent(person.user_id, ConsentType.HEALTH_DATA)
    assert (await h.service.profile.consents(person)).has(ConsentType.PERSONAL_DATA)
