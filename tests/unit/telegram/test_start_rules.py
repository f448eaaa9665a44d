"""The bot's /start rules without a database: deep links are issued under the domain's
rules, and a Telegram account gets its own lead, the one its link was made for, or none
when it belongs to a client."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.application.telegram.start import lead_of
from app.domain.crm.contact import LeadContact
from app.domain.errors import ValidationFailed
from app.domain.telegram import deep_links
from tests.unit.crm.fakes import MemoryLeadStore

NOW = datetime(2030, 1, 1, 10, tzinfo=UTC)


class Used:
    def __init__(self, purpose: str, user_id: uuid.UUID | None, lead_id: uuid.UUID | None):
        self.id, self.purpose = uuid.uuid4(), purpose
        self.payload: dict[str, object] = {}
        self.user_id, self.lead_id = user_id, lead_id


class Accounts:
    def __init__(self, user_id: uuid.UUID | None = None, lead_id: uuid.UUID | None = None):
        self.owner = (user_id, lead_id)
        self.leads = MemoryLeadStore()
        self.attached: list[tuple[int, uuid.UUID]] = []

    async def owners(self, telegram_user_id: int) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        return self.owner

    async def attach_lead(self, telegram_user_id: int, lead_id: uuid.UUID) -> None:
        self.attached.append((telegram_user_id, lead_id))


def test_a_link_for_a_person_is_short_lived_and_an_unbound_one_is_not() -> None:
    bound = deep_links.issue("link_account", {}, now=NOW, user_id=uuid.uuid4())
    unbound = deep_links.issue("campaign", {"path": "/blog"}, now=NOW)
    assert bound.expires_at - NOW == timedelta(minutes=15)
    assert unbound.expires_at - NOW == timedelta(days=30)
    assert deep_links.looks_like_code(bound.code)
    with pytest.raises(ValidationFailed):
        deep_links.issue("phishing", {}, now=NOW)
    with pytest.raises(ValidationFailed):  # the payload travels in plain sight: P0 only
        deep_links.issue("booking", {"email": "anna@example.org"}, now=NOW)


async def test_a_first_start_makes_the_accounts_own_lead() -> None:
    accounts = Accounts()
    lead_id = await lead_of(accounts, accounts.leads, 4242, Used("plan", None, None))  # type: ignore[arg-type]
    assert lead_id is not None
    assert accounts.attached == [(4242, lead_id)]
    assert accounts.leads.rows[lead_id]["source"] == "telegram"
    assert [e[1:] for e in accounts.leads.events] == [("telegram.started", {"purpose": "plan"})]


async def test_a_link_made_for_a_lead_joins_that_lead() -> None:
    accounts = Accounts()
    lead = await accounts.leads.create("booking", deep_links_contact(), (), {})
    found = await lead_of(accounts, accounts.leads, 4242, Used("booking", None, lead.lead_id))  # type: ignore[arg-type]
    assert found == lead.lead_id
    assert len(accounts.leads.rows) == 1
    assert [i[2] for i in accounts.leads.identities] == ["email", "telegram"]


async def test_a_client_or_a_link_made_for_one_makes_no_lead() -> None:
    client = Accounts(user_id=uuid.uuid4())
    assert await lead_of(client, client.leads, 4242, None) is None  # type: ignore[arg-type]
    stranger = Accounts()
    link = Used("link_account", uuid.uuid4(), None)
    assert await lead_of(stranger, stranger.leads, 4242, link) is None  # type: ignore[arg-type]
    assert client.leads.rows == {}
    assert stranger.leads.rows == {}


async def test_a_known_lead_only_gets_the_start_event() -> None:
    accounts = Accounts()
    lead = await accounts.leads.create("telegram", deep_links_contact(), (), {})
    accounts.owner = (None, lead.lead_id)
    assert await lead_of(accounts, accounts.leads, 4242, None) == lead.lead_id  # type: ignore[arg-type]
    assert accounts.attached == []
    assert [e[1] for e in accounts.leads.events] == ["telegram.started"]


def deep_links_contact() -> LeadContact:
    return LeadContact("Анна", "anna@example.org")
