"""Guests over in-memory fakes: the e-mail a guest gave is proven only by a link sent to
it, and only proven guests' records join an account that proved the same address; a
guest's export and erasure run after a link sent to the address is opened."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.application.identity.accounts import ConsentInput
from app.application.identity.guests import REQUESTS_PER_DAY, Guests
from app.application.identity.personal_data import PersonalDataSection
from app.domain.booking.appointment import AppointmentHeld
from app.domain.errors import NotFound
from app.domain.identity.model import ConsentType
from app.domain.shared.links import SiteLinks
from tests.unit.identity.fakes import FakeSection, IdentityHarness, identity_harness
from tests.unit.identity.guest_fakes import GuestLeadRow

SITE = "https://eb.example.org"
GUEST = "guest@example.org"
CONSENT = [ConsentInput(ConsentType.PERSONAL_DATA, True, "2030-01")]


@pytest.fixture
def sections() -> list[FakeSection]:
    calls: list[str] = []
    return [FakeSection("crm", calls, erased={"leads": 1}), FakeSection("booking", calls)]


@pytest.fixture
def h(sections: list[FakeSection]) -> IdentityHarness:
    as_sections: list[PersonalDataSection] = list(sections)
    return identity_harness(as_sections)


@pytest.fixture
def guests(h: IdentityHarness) -> Guests:
    return Guests(lambda: h.uow, h.clock, SiteLinks(SITE))


def guest_booked(h: IdentityHarness, email: str = GUEST) -> GuestLeadRow:
    lead = GuestLeadRow(email=email)
    h.db.guests.leads.append(lead)
    return lead


def held(lead: GuestLeadRow, h: IdentityHarness) -> AppointmentHeld:
    return AppointmentHeld(
        event_id=uuid.uuid4(), occurred_at=h.clock.now(), aggregate_id=str(lead.appointment_id),
        service_id=str(uuid.uuid4()), start_at=h.clock.now() + timedelta(days=3),
    )  # fmt: skip


def token_in(url: str, page: str) -> str:
    assert url.startswith(f"{SITE}{page}#token="), url
    return url.split("#token=")[1]


async def sign_up(h: IdentityHarness, email: str = GUEST) -> uuid.UUID:
    await h.service.email_login.start(email)
    code = h.notifications[-1].variables["code"]
    result = await h.service.email_login.verify(email, code, CONSENT)
    return result.user.id


async def test_a_guest_is_asked_to_confirm_the_email_given_with_a_booking(
    h: IdentityHarness, guests: Guests
) -> None:
    lead = guest_booked(h)
    await guests.ask_contact_proof(held(lead, h))
    [mail] = h.notifications
    assert (mail.template_code, mail.to) == ("booking.guest_contact_confirm", GUEST)
    assert mail.variables["start_local"] == "10.05.2030 10:00"  # Moscow time
    token = token_in(mail.variables["confirm_url"], "/booking/confirm-email")
    await guests.confirm_contact(token)
    assert lead.verified
    with pytest.raises(NotFound):  # single use
        await guests.confirm_contact(token)


async def test_a_proven_guests_booking_joins_the_account_at_sign_up_and_is_audited(
    h: IdentityHarness, guests: Guests
) -> None:
    lead = guest_booked(h)
    await guests.ask_contact_proof(held(lead, h))
    await guests.confirm_contact(
        token_in(h.notifications[-1].variables["confirm_url"], "/booking/confirm-email")
    )
    user_id = await sign_up(h)
    assert lead.user_id == user_id
    [entry] = [a for a in h.audit if a.action == "guest_records.attached"]
    assert entry.entity_id == str(lead.lead_id)
    assert entry.details["appointments"] == 1


async def test_an_unproven_claim_on_the_address_joins_nothing(
    h: IdentityHarness, guests: Guests
) -> None:
    """Someone booked with this address and never opened the link sent to it: the
    owner of the address signs up and gets none of it."""
    stranger = guest_booked(h)
    await guests.ask_contact_proof(held(stranger, h))  # the link went to the mailbox, unused
    await sign_up(h)
    assert stranger.user_id is None
    assert not [a for a in h.audit if a.action == "guest_records.attached"]


async def test_a_proof_after_sign_up_attaches_at_once(h: IdentityHarness, guests: Guests) -> None:
    user_id = await sign_up(h)
    lead = guest_booked(h)
    await guests.ask_contact_proof(held(lead, h))
    await guests.confirm_contact(
        token_in(h.notifications[-1].variables["confirm_url"], "/booking/confirm-email")
    )
    assert lead.user_id == user_id


async def test_a_proof_of_another_address_attaches_nothing_to_this_account(
    h: IdentityHarness, guests: Guests
) -> None:
    other = guest_booked(h, "other@example.org")
    await guests.ask_contact_proof(held(other, h))
    await guests.confirm_contact(
        token_in(h.notifications[-1].variables["confirm_url"], "/booking/confirm-email")
    )
    await sign_up(h)
    assert other.verified
    assert other.user_id is None


async def test_contact_links_expire(h: IdentityHarness, guests: Guests) -> None:
    lead = guest_booked(h)
    await guests.ask_contact_proof(held(lead, h))
    h.clock.advance(days=15)
    with pytest.raises(NotFound):
        await guests.confirm_contact(
            token_in(h.notifications[-1].variables["confirm_url"], "/booking/confirm-email")
        )
    assert not lead.verified


async def test_a_request_for_an_unknown_address_sends_nothing(
    h: IdentityHarness, guests: Guests
) -> None:
    await guests.request("nobody@example.org", "export")
    assert h.notifications == []
    assert h.db.guests.links == []


async def test_requests_to_one_address_are_limited_per_day(
    h: IdentityHarness, guests: Guests
) -> None:
    guest_booked(h)
    for _ in range(REQUESTS_PER_DAY + 2):
        await guests.request(GUEST, "erasure")
    assert len(h.notifications) == REQUESTS_PER_DAY
    assert h.notifications[0].variables["request_text"] == "удаление ваших данных"
    h.clock.advance(days=1, seconds=1)
    await guests.request(GUEST, "erasure")
    assert len(h.notifications) == REQUESTS_PER_DAY + 1


async def test_a_confirmed_export_is_mailed_and_downloaded_once(
    h: IdentityHarness, guests: Guests, sections: list[FakeSection]
) -> None:
    lead, other = guest_booked(h), guest_booked(h, "other@example.org")
    await guests.request(GUEST, "export")
    token = token_in(h.notifications[-1].variables["confirm_url"], "/privacy/confirm")
    assert await guests.confirm_request(token) == "export"
    subject = sections[0].seen[-1]
    assert subject.user_id is None
    assert subject.lead_ids == (lead.lead_id,)
    assert other.lead_id not in subject.lead_ids
    ready = h.notifications[-1]
    assert (ready.template_code, ready.to) == ("privacy.guest_export_ready", GUEST)
    download = token_in(ready.variables["download_url"], "/privacy/download")
    archive = await guests.download(download)
    assert archive["sections"]["crm"]["leads"] == [str(lead.lead_id)]
    with pytest.raises(NotFound):
        await guests.download(download)
    with pytest.raises(NotFound):  # the request link is spent
        await guests.confirm_request(token)


async def test_a_confirmed_erasure_runs_every_section_and_forgets_the_address(
    h: IdentityHarness, guests: Guests, sections: list[FakeSection]
) -> None:
    lead = guest_booked(h)
    await guests.request(GUEST, "erasure")
    token = token_in(h.notifications[-1].variables["confirm_url"], "/privacy/confirm")
    assert await guests.confirm_request(token) == "erasure"
    assert [s.seen[-1].lead_ids for s in sections] == [(lead.lead_id,), (lead.lead_id,)]
    assert h.db.guests.forgotten == [GUEST]
    assert h.db.guests.links == []
    [entry] = [a for a in h.audit if a.action == "guest.erase"]
    assert entry.details == {"leads": 1, "booking_rows": 1}


async def test_a_contact_link_does_not_confirm_a_data_request(
    h: IdentityHarness, guests: Guests
) -> None:
    lead = guest_booked(h)
    await guests.ask_contact_proof(held(lead, h))
    token = token_in(h.notifications[-1].variables["confirm_url"], "/booking/confirm-email")
    with pytest.raises(NotFound):
        await guests.confirm_request(token)
