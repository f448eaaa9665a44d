"""Erasure is complete and reaches only the person: after Erika erases her account, a
walk over every column of every table of the schema (from information_schema, so a
table added later is walked too) finds nothing that still points at her — her id, her
e-mail, phone, Telegram id or name, the anonymous id whose self-checks she claimed, her
guest booking's manage token or its hash, in clear or inside any decrypted P2 value —
except the keepers listed below, each with its reason. Her upcoming sessions are
cancelled under the service's policy, and a stranger's lead that only gives her e-mail
is left as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually
from tests.security.data_subject import (
    CIPHER,
    EMAIL,
    NOW,
    SLUG,
    STRANGER,
    Keeper,
    Person,
    build_person,
    drained,
    one,
    traces,
)

ID = ("user id",)
KEEPERS: dict[tuple[str, str], Keeper] = {
    ("users", "id"): Keeper(
        "id = %(user_id)s", ID,
        "the account's own row stays, de-identified (status deleted, no e-mail, phone, "
        "Telegram id or name): appointments, payments and consents point at it",
    ),
    ("consents", "user_id"): Keeper(
        "true", ID,
        "the consent history is append-only legal evidence (152-FZ; a trigger refuses "
        "changes): it records decisions of the de-identified account, no contact",
    ),
    ("appointments", "client_user_id"): Keeper(
        "true", ID,
        "de-identified accounting rows: sessions held or paid for stay with their payments "
        "and refunds, owned by the de-identified account (the table requires an owner); "
        "their manage token, metadata and contact are gone",
    ),
    ("erasure_requests", "user_id"): Keeper(
        "true", ID, "the request's own record, done: the practice's proof that it erased",
    ),
    ("audit_log_entries", "entity_id"): Keeper(
        "action = 'user.erase'", ID,
        "the audit log is append-only (a trigger refuses changes): the erasure itself is "
        "recorded by the account's id, with counts of what was destroyed and no contact",
    ),
    ("outbox_events", "aggregate_id"): Keeper(
        "aggregate_type = 'user'", ID,
        "the job queue's export and erasure requests of the account (ids only), dropped "
        "7 days after they were handled by outbox.purge_processed",
    ),
    ("notification_deliveries", "recipient_id"): Keeper(
        "template_code = 'booking.canceled' AND status = 'sent' AND payload_encrypted IS NULL",
        ID,
        "the cancellation the erasure owed the person for the session it cancelled (with the "
        "refund): queued before the anonymising step, sent, its address and variables wiped; "
        "the id says no more than the kept, cancelled appointment",
    ),
    ("lead_identities", "value"): Keeper(
        "lead_id = %(stranger)s", ("e-mail",),
        "a stranger's contact-form lead that gave her e-mail: a claim, not her data; "
        "erasure must leave another person's lead alone",
    ),
    ("lead_identities", "value_normalized"): Keeper(
        "lead_id = %(stranger)s", ("e-mail",), "as value",
    ),
}  # fmt: skip


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox, DATABASE_POOL_MAX="8")


@pytest.fixture
async def client(settings: Settings, clock: FixedClock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app, timeout=60) as test_client:
        yield test_client


def params(person: Person) -> dict[str, Any]:
    return {"user_id": person.user_id, "stranger": person.stranger_lead_id}


async def erase(
    client: AsyncTestClient[Litestar], db: psycopg.Connection[Any], person: Person
) -> None:
    erased = await client.post("/api/v1/me/erasure", headers=bearer(person.token))
    assert erased.status_code == 202, erased.text
    await eventually(
        lambda: one(db, "SELECT count(*) FILTER (WHERE status = 'done') FROM erasure_requests") == 1
    )
    await eventually(lambda: drained(db))  # the cancellations' events are handled too


async def test_erasure_leaves_nothing_of_the_person_in_any_table(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    person = await build_person(client, inbox, postgresql)
    before = traces(postgresql, person, KEEPERS, params(person))
    # The walk sees every marker before erasure, so its silence afterwards means something.
    seen = {trace.rsplit(": ", 1)[1] for trace in before}
    assert seen == {label for label, _ in person.markers} | {"manage token hash"}, before

    await erase(client, postgresql, person)

    assert traces(postgresql, person, KEEPERS, params(person)) == []
    assert (await client.get("/api/v1/me", headers=bearer(person.token))).status_code == 401


async def test_erasure_cancels_upcoming_sessions_by_policy_and_keeps_accounting(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    person = await build_person(client, inbox, postgresql)
    await erase(client, postgresql, person)
    db = postgresql

    # The paid session two days ahead: cancelled as if she had cancelled it (the policy
    # gives all back 24 hours ahead), refunded, its slot free again.
    assert db.execute(
        """SELECT a.status, a.cancel_reason, a.canceled_by, r.amount::text, r.status
           FROM appointments a JOIN payments p ON p.appointment_id = a.id
           JOIN refunds r ON r.payment_id = p.id WHERE a.id = %(a)s""",
        {"a": person.upcoming_id},
    ).fetchall() == [("canceled", "client_request", None, "3500.00", "succeeded")]
    # The guest hold of her lead (not paid): cancelled, nothing to refund.
    assert db.execute(
        "SELECT status, cancel_reason, lead_id FROM appointments WHERE id = %(a)s",
        {"a": person.guest_appointment_id},
    ).fetchone() == ("canceled", "client_request", None)
    # The usual handlers ran: the calendar event is removed, the slot offered to the
    # waitlist (hers is gone).
    handled = db.execute(
        """SELECT handled_by FROM outbox_events
           WHERE event_type = 'booking.appointment_canceled' AND aggregate_id = %(a)s""",
        {"a": person.upcoming_id},
    ).fetchone()
    assert handled is not None
    assert {"booking.calendar_remove", "booking.waitlist_offer"} <= set(handled[0])
    start = NOW + timedelta(days=2)
    slots = await client.get(
        f"/api/v1/services/{SLUG}/slots",
        params={"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat(),
                "tz": "UTC"},
    )  # fmt: skip
    assert start.isoformat() in [s.replace("Z", "+00:00") for s in slots.json()["slots"]]
    # She is told of the cancellation and the refund: the erasure's first step queued the
    # message while her address was still known; it was sent, then its address wiped.
    assert db.execute(
        """SELECT recipient_kind, status, payload_encrypted IS NULL FROM notification_deliveries
           WHERE template_code = 'booking.canceled'"""
    ).fetchall() == [("user", "sent", True)]
    assert any("Мы вернём 3500.00 RUB." in text for text in inbox.texts_to(EMAIL))

    # Accounting stays: every session with its payment, owned by the de-identified account.
    assert db.execute(
        """SELECT a.status, p.amount::text, p.status, a.metadata, a.manage_token_hash
           FROM appointments a JOIN payments p ON p.appointment_id = a.id
           WHERE a.id = %(a)s""",
        {"a": person.past_id},
    ).fetchone() == ("completed", "3500.00", "succeeded", {}, None)
    # All three — hers and the guest booking CRM moved to her account — de-identified
    # after every other step has run.
    assert db.execute(
        """SELECT count(*), count(*) FILTER (WHERE manage_token_hash IS NULL
                                              AND metadata = '{}' AND contact_identity_id IS NULL)
           FROM appointments WHERE client_user_id = %(u)s""",
        {"u": person.user_id},
    ).fetchone() == (3, 3)
    # Her leads stay as emptied anchors of their consent history.
    assert db.execute(
        """SELECT count(*) FILTER (WHERE display_name IS NULL AND converted_user_id IS NULL),
                  (SELECT count(*) FROM consents WHERE lead_id = ANY(%(l)s::uuid[]))
           FROM leads WHERE id = ANY(%(l)s::uuid[])""",
        {"l": person.lead_ids},
    ).fetchone() == (2, 2)

    # The stranger's lead that gave her e-mail is someone else's: untouched.
    assert db.execute(
        """SELECT l.display_name, l.status, i.value FROM leads l
           JOIN lead_identities i ON i.lead_id = l.id WHERE l.id = %(l)s""",
        {"l": person.stranger_lead_id},
    ).fetchall() == [(STRANGER, "new", EMAIL)]
    (note_id, body), *_ = db.execute(
        "SELECT id, body_encrypted FROM lead_notes WHERE lead_id = %(l)s",
        {"l": person.stranger_lead_id},
    ).fetchall()
    assert CIPHER.decrypt(body, f"lead_notes.body_encrypted:{note_id}") == "Чужое сообщение"

    audit = db.execute(
        "SELECT details FROM audit_log_entries WHERE action = 'user.erase'"
    ).fetchone()
    assert audit is not None
    counts = audit[0]
    assert counts["appointments_canceled"] == 2
    assert counts["leads"] == 2
    assert counts["telegram_accounts"] == 1
    assert counts["deep_links"] == 2
    assert counts["waitlist_requests"] == 2
    assert counts["analytics_events"] >= 3
    assert counts["interactive_runs"] == 1
