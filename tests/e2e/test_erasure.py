"""Erasure leaves no P1 and no P2 of the person anywhere: the test walks every table
and column of the database (and decrypts every P2 value), so tables added later are
covered without touching it. De-identified accounting rows survive."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from psycopg import sql

from app.adapters.crypto.aesgcm import AesGcmCipher, Keyring
from app.config import Settings
from tests.conftest import TEST_KEYRING
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually, login, wait_for_mail
from tests.integration import rows

EMAIL = "erase.me@example.org"
NAME = "Эрика Стираемая"
PHONE = "+79990001122"
TELEGRAM_ID = 987654321
MARKERS = (EMAIL.lower(), NAME, PHONE, str(TELEGRAM_ID), "erika_tg")
CIPHER = AesGcmCipher(Keyring.parse(TEST_KEYRING))


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


def text_columns(db: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    return db.execute(
        """SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name
           WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
             AND c.data_type IN ('text', 'character varying', 'jsonb', 'ARRAY', 'bigint')
           ORDER BY 1, 2"""
    ).fetchall()


def personal_data_left(db: psycopg.Connection[Any]) -> list[str]:
    """Every place where a marker of the person still appears, in clear or encrypted."""
    db.commit()
    found = []
    for table, column in text_columns(db):
        query = sql.SQL("SELECT {col}::text FROM {table} WHERE {col} IS NOT NULL").format(
            col=sql.Identifier(column), table=sql.Identifier(table)
        )
        for (value,) in db.execute(query):
            text = value.lower()
            if column.endswith("_encrypted"):
                continue
            found += [f"{table}.{column}: {m}" for m in MARKERS if m.lower() in text]
        if column.endswith("_encrypted"):
            rows = db.execute(
                sql.SQL("SELECT id, {col} FROM {table} WHERE {col} IS NOT NULL").format(
                    col=sql.Identifier(column), table=sql.Identifier(table)
                )
            ).fetchall()
            for row_id, token in rows:
                plain = CIPHER.decrypt(token, f"{table}.{column}:{row_id}").lower()
                found += [
                    f"{table}.{column} (decrypted): {m}" for m in MARKERS if m.lower() in plain
                ]
    return found


async def test_erasure_leaves_no_personal_data_and_keeps_accounting_rows(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    token, user = await login(client, inbox, EMAIL)
    await login(client, inbox, "bystander@example.org")  # someone else's data must stay
    await client.patch(
        "/api/v1/me", json={"display_name": NAME, "phone": PHONE}, headers=bearer(token)
    )
    # Data the other contexts hold: a Telegram link, an appointment with a payment,
    # a queued message, a finished export (its archive is P2).
    postgresql.commit()
    postgresql.execute(
        "UPDATE users SET telegram_user_id = %(t)s WHERE id = %(u)s",
        {"t": TELEGRAM_ID, "u": user["id"]},
    )
    postgresql.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, username, user_id)
           VALUES (%(t)s, %(t)s, 'erika_tg', %(u)s)""",
        {"t": TELEGRAM_ID, "u": user["id"]},
    )
    appointment = postgresql.execute(
        """WITH s AS (INSERT INTO services (slug, title, format, duration_minutes, price_amount)
                      VALUES ('konsultatsiya', 'Консультация', 'online', 50, 3500) RETURNING id)
           INSERT INTO appointments (service_id, client_user_id, start_at, end_at, blocked_period,
                                     timezone, status, format)
           SELECT s.id, %(u)s, '2030-01-01 10:00Z', '2030-01-01 11:00Z',
                  tstzrange('2030-01-01 10:00Z', '2030-01-01 11:00Z'), 'Europe/Moscow',
                  'completed', 'online' FROM s
           RETURNING id""",
        {"u": user["id"]},
    ).fetchone()[0]  # type: ignore[index]
    postgresql.execute(
        """INSERT INTO payments (appointment_id, kind, amount, provider, provider_payment_id,
                                 idempotence_key, status, confirmed_at)
           VALUES (%(a)s, 'full', 3500, 'yookassa', 'pay-1', gen_random_uuid(), 'succeeded', now())""",
        {"a": appointment},
    )
    form_id = uuid.uuid4()
    postgresql.execute(
        """INSERT INTO intake_forms (id, appointment_id, payload_encrypted, status)
           VALUES (%(f)s, %(a)s, %(p)s, 'draft')""",
        {"f": form_id, "a": appointment,
         "p": CIPHER.encrypt(json.dumps({"about": NAME}), f"intake_forms.payload_encrypted:{form_id}")},
    )  # fmt: skip
    entry_id = uuid.uuid4()
    postgresql.execute(
        """INSERT INTO diary_entries (id, user_id, entry_date, body_encrypted)
           VALUES (%(i)s, %(u)s, '2026-11-20', %(b)s)""",
        {"i": entry_id, "u": user["id"],
         "b": CIPHER.encrypt(json.dumps({"text": f"{NAME} пишет"}),
                             f"diary_entries.body_encrypted:{entry_id}")},
    )  # fmt: skip
    # A lead from the contact form that staff converted to the account (a lead that only
    # shares the address is not the person's: tests/security/test_erasure_walk.py), and a
    # question the person asked while signed in.
    lead = rows.one(
        postgresql,
        """INSERT INTO leads (source, display_name, status, converted_user_id)
           VALUES ('web_form', %(n)s, 'converted', %(u)s) RETURNING id""",
        {"n": NAME, "u": user["id"]},
    )
    postgresql.execute(
        """INSERT INTO lead_identities (lead_id, kind, value, value_normalized)
           VALUES (%(l)s, 'email', %(e)s, %(e)s), (%(l)s, 'phone', %(p)s, %(p)s)""",
        {"l": lead, "e": EMAIL, "p": PHONE},
    )
    postgresql.execute(
        """INSERT INTO consents (lead_id, consent_type, granted, document_version, source)
           VALUES (%(l)s, 'personal_data', true, '2026-01', 'web')""",
        {"l": lead},
    )
    note_id, item_id = uuid.uuid4(), uuid.uuid4()
    postgresql.execute(
        """INSERT INTO lead_notes (id, lead_id, body_encrypted) VALUES (%(i)s, %(l)s, %(b)s)""",
        {"i": note_id, "l": lead,
         "b": CIPHER.encrypt(f"Перезвоните {NAME}", f"lead_notes.body_encrypted:{note_id}")},
    )  # fmt: skip
    postgresql.execute(
        """INSERT INTO ugc_items (id, kind, author_user_id, text_encrypted, sla_due_at)
           VALUES (%(i)s, 'question', %(u)s, %(t)s, now())""",
        {"i": item_id, "u": user["id"],
         "t": CIPHER.encrypt(f"Меня зовут {NAME}", f"ugc_items.text_encrypted:{item_id}")},
    )  # fmt: skip
    definition, version = rows.interactive(postgresql)
    postgresql.execute(
        """INSERT INTO interactive_runs (definition_id, version_id, user_id, status, result_level,
                                         completed_at)
           VALUES (%(d)s, %(v)s, %(u)s, 'completed', 'high', now())""",
        {"d": definition, "v": version, "u": user["id"]},
    )
    postgresql.commit()
    await client.post("/api/v1/me/data-exports", headers=bearer(token))
    await wait_for_mail(inbox, EMAIL, count=2)
    assert personal_data_left(postgresql)  # the walk does see the person before erasure

    erased = await client.post("/api/v1/me/erasure", headers=bearer(token))
    assert erased.status_code == 202
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401

    def done() -> bool:
        postgresql.commit()
        row = postgresql.execute("SELECT status FROM erasure_requests").fetchone()
        return row == ("done",)

    await eventually(done)
    assert personal_data_left(postgresql) == []

    postgresql.commit()
    assert postgresql.execute(
        "SELECT status, email, display_name FROM users WHERE id = %(u)s", {"u": user["id"]}
    ).fetchone() == ("deleted", None, None)
    kept = postgresql.execute(
        """SELECT a.client_user_id::text, p.amount::text, p.status
           FROM appointments a JOIN payments p ON p.appointment_id = a.id"""
    ).fetchone()
    assert kept == (user["id"], "3500.00", "succeeded")
    assert postgresql.execute(
        "SELECT count(*) FROM users WHERE email = 'bystander@example.org'"
    ).fetchone() == (1,)
    audit = postgresql.execute(
        "SELECT details FROM audit_log_entries WHERE action = 'user.erase'"
    ).fetchone()
    assert audit is not None
    assert audit[0]["users"] == 1
    assert audit[0]["telegram_accounts"] == 1
    assert audit[0]["intake_forms"] == 1
    assert audit[0]["diary_entries"] == 1
    assert audit[0]["interactive_runs"] == 1  # which self-checks they took goes too
    assert audit[0]["leads"] == 1
    assert audit[0]["ugc_items"] == 1
    assert postgresql.execute("SELECT count(*) FROM interactive_runs").fetchone() == (0,)
    assert EMAIL not in json.dumps(audit[0])

    # The old address now opens a new, empty account, never the erased one.
    _, again = await login(client, inbox, EMAIL)
    assert again["id"] != user["id"]
    assert again["display_name"] is None
