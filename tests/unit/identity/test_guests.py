"""Guests over in-memory fakes: the e-mail a guest gave is proven only by a link sent to
it, and only proven guests' records join an account that proved the same address; a
guest's export and erasure run after a link sent to the address is opened."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.application.identity.accounts import ConsentInput
from app.application.identity.guests import REQUESTS_PER_DAY, Guests
from app.application.identity.personal_data import PersonalDataSection
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


def token_in(url: str, page: str) -> str:
    assert url.startswith(f"{SITE}{page}#token="), url
    return url.split("#token=")[1]


async def sign_up(h: IdentityHarness, guests: Guests, email: str = GUEST) -> uuid.UUID:
    """An e-mail sign-in as the HTTP endpoint runs it: the login, then the offer."""
    await h.service.email_login.start(email)
    code = h.notifications[-1].variables["code"]
    result = await h.service.email_login.verify(email, code, CONSENT)
    await guests.offer_proof(result.user.id)
    return result.user.id


def offers(h: IdentityHarness) -> list[Any]:
    return [n for n in h.notifications if n.template_code == "identity.guest_records_confirm"]


def attached(h: IdentityHarness) -> list[Any]:
    return [a for a in h.audit if a.action == "guest_records.attached"]


async def test_a_sign_in_offers_a_link_for_unproven_guest_bookings_and_attaches_nothing(
    h: IdentityHarness, guests: Guests
) -> None:
    """Someone booked with this address: signing in with it (a login code) does not
    hand the booking over; a link goes to the address instead."""
    lead = guest_booked(h)
    await sign_up(h, guests)
    assert lead.user_id is None
    assert attached(h) == []
    [offer] = offers(h)
    assert offer.to == GUEST
    assert offer.variables["bookings_count"] == "1"
    token_in(offer.variables["confirm_url"], "/booking/confirm-email")


async def test_opening_the_link_attaches_the_bookings_and_is_audited(
    h: IdentityHarness, guests: Guests
) -> None:
    lead = guest_booked(h)
    user_id = await sign_up(h, guests)
    token = token_in(offers(h)[0].variables["confirm_url"], "/booking/confirm-email")
    assert await guests.confirm_contact(token) == 1
    assert lead.verified
    assert lead.user_id == user_id
    [entry] = attached(h)
    assert entry.entity_id == str(lead.lead_id)
    assert entry.details["appointments"] == 1
    with pytest.raises(NotFound):  # single use
        await guests.confirm_contact(token)


async def test_a_booking_made_after_the_link_was_sent_is_not_proven_by_it(
    h: IdentityHarness, guests: Guests
) -> None:
    guest_booked(h)
    await sign_up(h, guests)
    h.clock.advance(minutes=5)
    later = guest_booked(h)
    later.created_at = h.clock.now()
    await guests.confirm_contact(
        token_in(offers(h)[0].variables["confirm_url"], "/booking/confirm-email")
    )
    assert not later.verified
    assert later.user_id is None


async def test_an_already_proven_guest_joins_at_sign_in_without_a_link(
    h: IdentityHarness, guests: Guests
) -> None:
    lead = guest_booked(h)
    lead.verified = True
    user_id = await sign_up(h, guests)
    assert lead.user_id == user_id
    assert offers(h) == []


async def test_other_addresses_and_other_accounts_are_left_alone(
    h: IdentityHarness, guests: Guests
) -> None:
    other = guest_booked(h, "other@example.org")
    await sign_up(h, guests)
    assert offers(h) == []
    assert other.user_id is None


async def test_contact_links_expire(h: IdentityHarness, guests: Guests) -> None:
    lead = guest_booked(h)
    await sign_up(h, guests)
    h.clock.advance(days=4)
    with pytest.raises(NotFound):
        await guests.confirm_contact(
            token_in(offers(h)[0].variables["confirm_url"], "/booking/confirm-email")
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


async def test_a_link_of_one_kind_does_not_serve_another(
    h: IdentityHarness, guests: Guests
) -> None:
    guest_booked(h)
    await sign_up(h, guests)
    contact = token_in(offers(h)[0].variables["confirm_url"], "/booking/confirm-email")
    with pytest.raises(NotFound):
        await guests.confirm_request(contact)
    await guests.request(GUEST, "export")
    request = token_in(h.notifications[-1].variables["confirm_url"], "/privacy/confirm")
    with pytest.raises(NotFound):
        await guests.confirm_contact(request)
