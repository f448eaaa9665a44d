"""The export covers every table that holds the person's data, and so does erasure.

The tables that can hold a person's data are found in the database catalog: a foreign
key to users or leads, or a column named for a person (user_id, lead_id, ...). Each must
be read by some section's export and touched by some section's erasure — measured by
PostgreSQL's own per-transaction table statistics while the real sections run for a
person with data everywhere — or be listed below with the reason it is not the person's
data. A table added later with such a column fails this test until it is handled.

The archive itself is then checked: it holds what the issue found missing (waitlist,
Telegram accounts, deep links, analytics events, appointment metadata) and nothing of a
stranger whose lead merely gives the person's e-mail."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.postgres.identity import PostgresIdentityRepos
from app.adapters.postgres.session import Session
from app.application.identity.personal_data import (
    DataSubject,
    PersonalDataSection,
    bind_subject,
)
from app.bootstrap import Core, build_core, create_app, personal_data_sections
from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer
from tests.security.data_subject import (
    ANONYMOUS_ID,
    NOW,
    STRANGER,
    TELEGRAM_ID,
    USERNAME,
    Person,
    build_person,
    download_link,
)

# Columns that name a person even without a foreign key.
PERSON_COLUMNS = ("user_id", "lead_id", "client_user_id", "author_id", "author_user_id",
                  "telegram_user_id", "anonymous_id")  # fmt: skip

# Tables that refer to a person but hold nothing that is the subject's to receive.
NOT_EXPORTED = {
    "audit_log_entries": "the practice's accountability record: who (staff, system) did "
    "what, by id; what it refers to is exported from its own table",
    "content_items": "author_id: staff authorship of the practice's published content",
    "content_item_versions": "created_by: staff authorship of content versions",
    "interactive_versions": "created_by: staff authorship of self-check configurations",
    "message_templates": "updated_by: staff edits of the practice's message templates",
    "system_settings": "updated_by: staff edits of the practice's settings",
}
# Tables that refer to a person and that erasure keeps as they are, on purpose.
NOT_ERASED = {
    **NOT_EXPORTED,
    "audit_log_entries": "append-only by trigger: the erasure itself is recorded here, by "
    "id; entries hold ids only, never contact data",
    "consents": "append-only legal evidence (152-FZ) of the account's and its leads' "
    "decisions; the account is de-identified and the leads emptied around it",
    "erasure_requests": "the record that the erasure was asked for and done",
}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox, DATABASE_POOL_MAX="8")


@pytest.fixture
def core(settings: Settings, clock: FixedClock) -> Core:
    return build_core(settings, clock=clock)


@pytest.fixture
async def client(settings: Settings, core: Core) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings, core=core)
    async with AsyncTestClient(app=app, timeout=60) as test_client:
        yield test_client


def person_tables(db: psycopg.Connection[Any]) -> set[str]:
    """Every table with a foreign key to users or leads, or a column named for a person."""
    db.commit()
    found = db.execute(
        """SELECT c.conrelid::regclass::text FROM pg_constraint c
           WHERE c.contype = 'f' AND c.confrelid IN ('users'::regclass, 'leads'::regclass)
           UNION
           SELECT c.table_name FROM information_schema.columns c
           JOIN information_schema.tables t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name
           WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
             AND (c.column_name = ANY(%(names)s) OR c.column_name LIKE '%%\\_user\\_id')""",
        {"names": list(PERSON_COLUMNS)},
    ).fetchall()
    return {str(name) for (name,) in found}


Step = Callable[[list[PersonalDataSection], DataSubject], Coroutine[Any, Any, None]]


async def tables_touched(core: Core, person: Person, step: Step) -> set[str]:
    """The tables the real sections read or changed while doing ``step`` for the person
    (PostgreSQL's statistics of the current transaction), rolled back afterwards."""
    sections = personal_data_sections(core.settings)
    uow = core.unit_of_work(lambda s: PostgresIdentityRepos(s, sections=sections))()

    async def activity(session: Session) -> dict[str, int]:
        cursor = await session.conn.execute(
            """SELECT relname, seq_scan + coalesce(idx_scan, 0) + n_tup_ins + n_tup_upd
                              + n_tup_del AS activity
               FROM pg_stat_xact_user_tables"""
        )
        return {str(r["relname"]): int(r["activity"]) for r in await cursor.fetchall()}

    async with uow:
        subject = await bind_subject(uow.repos.personal_data, uuid.UUID(person.user_id))
        before = await activity(uow.session)
        await step(uow.repos.personal_data, subject)
        after = await activity(uow.session)
    return {table for table, n in after.items() if n > before.get(table, 0)}


async def export_all(sections: list[PersonalDataSection], subject: DataSubject) -> None:
    for section in sections:
        json.dumps(await section.export(subject), default=str)


async def erase_all(sections: list[PersonalDataSection], subject: DataSubject) -> None:
    for section in sections:
        await section.erase(subject)


async def test_every_table_that_refers_to_a_person_is_exported_and_erased(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    core: Core,
) -> None:  # fmt: skip
    person = await build_person(client, inbox, postgresql)
    tables = person_tables(postgresql)
    assert {"appointments", "waitlist_requests", "telegram_accounts", "analytics_events",
            "deep_links", "consents", "leads"} <= tables  # fmt: skip
    assert set(NOT_EXPORTED) <= tables  # no stale entries
    assert set(NOT_ERASED) <= tables

    exported = await tables_touched(core, person, export_all)
    assert tables - exported - set(NOT_EXPORTED) == set(), "tables no section exports"
    erased = await tables_touched(core, person, erase_all)
    assert tables - erased - set(NOT_ERASED) == set(), "tables no section erases"


async def test_the_export_holds_the_person_and_nothing_of_a_stranger(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    person = await build_person(client, inbox, postgresql)
    downloaded = await client.get(download_link(inbox), headers=bearer(person.token))
    assert downloaded.status_code == 200, downloaded.text
    archive = downloaded.json()
    sections = archive["sections"]
    text = json.dumps(archive, ensure_ascii=False)

    # Only her leads: the converted one and the one on her Telegram, never the
    # stranger's lead that gave the same e-mail, nor a hint that it exists.
    assert sorted(lead["id"] for lead in sections["crm"]["leads"]) == sorted(person.lead_ids)
    for stranger in (STRANGER, "Чужое сообщение", person.stranger_lead_id, "merge_suggestions"):
        assert stranger not in text
    assert {c["lead_id"] for c in sections["crm"]["consents"]} == set(person.lead_ids)

    booking = sections["booking"]
    metadata = {a["id"]: a["metadata"] for a in booking["appointments"]}
    assert metadata == {
        person.upcoming_id: {"entry_point": "article", "utm_source": "newsletter"},
        person.guest_appointment_id: {"entry_point": "telegram"},
        person.past_id: {"entry_point": "telegram", "utm_campaign": "spring"},
    }
    paid = {p["appointment_id"] for p in booking["payments"] if p["status"] == "succeeded"}
    assert paid == {person.upcoming_id, person.past_id}
    assert {f["appointment_id"] for f in booking["intake_forms"]} == paid
    assert sorted(next(iter(w["preferences"])) for w in booking["waitlist_requests"]) == [
        "days", "parts_of_day",
    ]  # fmt: skip

    telegram = sections["telegram"]
    assert [(a["telegram_user_id"], a["username"]) for a in telegram["accounts"]] == [
        (TELEGRAM_ID, USERNAME)
    ]
    assert sorted(d["purpose"] for d in telegram["deep_links"]) == ["booking", "plan"]

    events = {e["event_name"]: e["props"] for e in sections["analytics"]["events"]}
    assert {"page.viewed", "booking.started", "interactive.completed", "booking.held",
            "booking.paid"} <= set(events)  # fmt: skip
    assert len(sections["interactives"]["runs"]) == 1
    assert len(sections["diary"]["entries"]) == 1
    assert len(sections["moderation"]["items"]) == 1
    identity = sections["identity"]
    assert identity["profile"]["telegram_user_id"] == TELEGRAM_ID
    assert {c["type"] for c in identity["consents"]} >= {"personal_data", "health_data"}
    assert ANONYMOUS_ID not in json.dumps(sections["identity"])  # bound, not stored there
