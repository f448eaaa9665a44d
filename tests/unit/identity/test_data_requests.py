"""Export and erasure orchestration over fake personal-data sections: the subject is
bound by every section first, then the sections run in the composition root's order."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from app.application.access import Principal
from app.application.identity.accounts import ConsentInput
from app.application.identity.data_requests import EXPORT_LINK_LIFETIME
from app.application.identity.personal_data import PersonalDataSection
from app.domain.errors import NotFound
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.events import DataExportRequested, ErasureRequested
from app.domain.identity.model import ConsentType, UserStatus
from tests.unit.identity.fakes import (
    PUBLIC_BASE_URL,
    FakeSection,
    IdentityHarness,
    identity_harness,
)

CONSENT = [ConsentInput(ConsentType.PERSONAL_DATA, True, "2030-01")]
ORDER = ["crm", "telegram", "identity", "booking"]


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def sections(calls: list[str]) -> list[FakeSection]:
    return [
        FakeSection("crm", calls, leads=2, erased={"leads": 2, "notes": 1}),
        FakeSection("telegram", calls, erased={"notes": 3}),
        FakeSection("identity", calls, erased={"users": 1}),
        FakeSection("booking", calls, erased={"appointments": 4}),
    ]


@pytest.fixture
def h(sections: list[FakeSection], calls: list[str]) -> IdentityHarness:
    as_sections: list[PersonalDataSection] = list(sections)
    return identity_harness(as_sections, calls)


async def signed_in(h: IdentityHarness) -> Principal:
    await h.service.email_login.start("p@example.org")
    code = h.notifications[-1].variables["code"]
    result = await h.service.email_login.verify("p@example.org", code, CONSENT)
    return await h.service.sessions.authenticate(result.token)


async def test_an_export_binds_every_section_then_exports_in_order(
    h: IdentityHarness, sections: list[FakeSection], calls: list[str]
) -> None:
    person = await signed_in(h)
    export_id = await h.service.data_requests.request_export(person)
    (event,) = h.bus.published
    assert isinstance(event, DataExportRequested)
    assert (event.aggregate_id, event.export_id) == (str(person.user_id), str(export_id))
    assert (await h.service.data_requests.export_status(person, export_id)).status == "pending"

    await h.service.build_export(event)

    assert calls == [f"bind:{n}" for n in ORDER] + [f"export:{n}" for n in ORDER]
    # Every section saw the subject as all of them bound it (CRM's leads included).
    assert all(len(s.seen[0].lead_ids) == 2 for s in sections)
    status = await h.service.data_requests.export_status(person, export_id)
    assert status.status == "ready"
    assert status.expires_at == h.clock.now() + EXPORT_LINK_LIFETIME
    notice = h.notifications[-1]
    assert (notice.template_code, notice.to) == ("cabinet.data_export_ready", "p@example.org")
    link = urlsplit(notice.variables["download_url"])
    assert f"{link.scheme}://{link.netloc}" == PUBLIC_BASE_URL
    assert link.path == f"/api/v1/me/data-exports/{export_id}/download"
    token = parse_qs(link.query)["token"][0]

    with pytest.raises(NotFound):
        await h.service.data_requests.download_export(person, export_id, "wrong-token")
    archive = await h.service.data_requests.download_export(person, export_id, token)
    assert list(archive["sections"]) == ORDER
    assert archive["sections"]["crm"]["user_id"] == str(person.user_id)
    with pytest.raises(NotFound):  # once
        await h.service.data_requests.download_export(person, export_id, token)


async def test_a_redelivered_export_event_builds_nothing_again(
    h: IdentityHarness, calls: list[str]
) -> None:
    person = await signed_in(h)
    await h.service.data_requests.request_export(person)
    (event,) = h.bus.published
    assert isinstance(event, DataExportRequested)
    await h.service.build_export(event)
    notices, done = len(h.notifications), list(calls)
    await h.service.build_export(event)
    assert (len(h.notifications), calls) == (notices, done)


async def test_an_export_for_a_deleted_account_fails_without_collecting(
    h: IdentityHarness, calls: list[str]
) -> None:
    person = await signed_in(h)
    export_id = await h.service.data_requests.request_export(person)
    (event,) = h.bus.published
    assert isinstance(event, DataExportRequested)
    h.db.users[person.user_id].status = UserStatus.DELETED
    await h.service.build_export(event)
    assert calls == []
    assert h.db.exports[export_id].status == "failed"


async def test_someone_elses_export_reads_as_missing(h: IdentityHarness) -> None:
    person = await signed_in(h)
    export_id = await h.service.data_requests.request_export(person)
    stranger = Principal(uuid.uuid4(), uuid.uuid4(), person.roles)
    with pytest.raises(NotFound):
        await h.service.data_requests.export_status(stranger, export_id)


async def test_erasure_logs_out_at_once_then_erases_every_section_in_order(
    h: IdentityHarness, sections: list[FakeSection], calls: list[str]
) -> None:
    await h.service.email_login.start("p@example.org")
    code = h.notifications[-1].variables["code"]
    token = (await h.service.email_login.verify("p@example.org", code, CONSENT)).token
    person = await h.service.sessions.authenticate(token)
    request_id = await h.service.data_requests.request_erasure(person)
    with pytest.raises(AuthenticationFailed):
        await h.service.sessions.authenticate(token)
    (event,) = h.bus.published
    assert isinstance(event, ErasureRequested)
    assert event.request_id == str(request_id)

    h.clock.advance(minutes=1)
    await h.service.erase(event)

    assert calls == [f"bind:{n}" for n in ORDER] + [f"erase:{n}" for n in ORDER]
    assert all(len(s.seen[0].lead_ids) == 2 for s in sections)
    assert h.db.erasures[request_id] == (person.user_id, h.clock.now())
    entry = h.audit[-1]
    assert (entry.action, entry.actor_role, entry.entity_id) == (
        "user.erase", "system", str(person.user_id),
    )  # fmt: skip
    assert entry.details == {"leads": 2, "notes": 4, "users": 1, "appointments": 4}
