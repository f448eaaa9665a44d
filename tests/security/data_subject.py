"""A person with data in every context, made the way the product makes it (HTTP and the
worker), for the erasure walk and the export checks; and the walk itself: every column
of every table, searched for anything that still points at the person."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient
from psycopg import sql

from app.adapters.crypto.aesgcm import AesGcmCipher, Keyring
from tests.conftest import TEST_KEYRING
from tests.e2e.identity_helpers import Inbox, bearer, eventually, login, wait_for_mail
from tests.e2e.staff import signed_in
from tests.e2e.test_interactives import answers, publish_quiz

# A Monday at 06:00 UTC (09:00 in Moscow).
NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
EMAIL = "erika.walk@example.org"
NAME = "Эрика Обходная"
PHONE = "+79990007733"
TELEGRAM_ID = 7312468590
USERNAME = "erika_walk_tg"
ANONYMOUS_ID = "walk-anon-5d1e9b7c3a"
SLUG = "sessiya"
STRANGER = "Незнакомка Совпадающая"
CIPHER = AesGcmCipher(Keyring.parse(TEST_KEYRING))
CONSENTS = [
    {"consent_type": kind, "granted": True, "document_version": "2026-01"}
    for kind in ("personal_data", "health_data", "communications")
]


@dataclass
class Person:
    token: str
    user_id: str
    lead_ids: list[str]
    stranger_lead_id: str
    upcoming_id: str
    guest_appointment_id: str
    past_id: str
    manage_token: str
    manage_token_hash: bytes
    markers: list[tuple[str, str]] = field(default_factory=list)


def one(db: psycopg.Connection[Any], query: str, params: dict[str, Any] | None = None) -> Any:
    db.commit()
    row = db.execute(query, params or {}).fetchone()
    assert row is not None, query
    return row[0]


def drained(db: psycopg.Connection[Any]) -> bool:
    """The worker has handled every event and sent every message."""
    return bool(
        one(
            db,
            """SELECT NOT EXISTS (SELECT 1 FROM outbox_events WHERE processed_at IS NULL)
                  AND NOT EXISTS (SELECT 1 FROM notification_deliveries
                                  WHERE status = 'pending')""",
        )
    )


async def _service(client: AsyncTestClient[Litestar], owner: dict[str, str]) -> None:
    created = await client.post(
        "/api/v1/admin/services",
        json={"slug": SLUG, "title": "Сессия", "format": "online", "duration_minutes": 60,
              "price": "3500.00", "cancel_free_hours": 24, "cancel_partial_hours": 6,
              "cancel_partial_refund_percent": 50, "reschedule_min_hours": 12,
              "status": "published"},
        headers=owner,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    for weekday in range(1, 8):
        rule = await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        assert rule.status_code == 201, rule.text


async def _hold(
    client: AsyncTestClient[Litestar], start: datetime, key: str, **extra: Any
) -> dict[str, Any]:
    headers = {"Idempotency-Key": key, **extra.pop("headers", {})}
    held = await client.post(
        "/api/v1/appointments",
        json={"service_slug": SLUG, "start_at": start.isoformat(), "format": "online", **extra},
        headers=headers,
    )
    assert held.status_code == 201, held.text
    body: dict[str, Any] = held.json()
    return body


async def build_person(
    client: AsyncTestClient[Litestar], inbox: Inbox, db: psycopg.Connection[Any]
) -> Person:
    """Erika: an account with consents, sessions and login codes; a profile with a phone
    and a linked Telegram; a self-check taken anonymously (with a crisis flag) and
    claimed; analytics events; a diary entry; a question; a waitlist request; a paid
    upcoming appointment with an intake form and a past one with metadata; a lead from the
    contact form staff converted to her (her message and a staff note); a guest booking
    whose lead is attached to her Telegram account, with a deep link and a waitlist
    request; a built data export. Beside her: a stranger's contact-form lead that gives
    her e-mail, which is not hers to export or erase."""
    owner = bearer(signed_in(db, "owner", now=NOW))
    await publish_quiz(client, db, now=NOW)
    await _service(client, owner)

    # Before signing in: a self-check with a crisis answer, under her browser's id.
    started = await client.post(
        "/api/v1/interactives/trevoga-test/runs", json={"anonymous_id": ANONYMOUS_ID}
    )
    assert started.status_code == 201, started.text
    run_id, claim_token = started.json()["id"], started.json()["claim_token"]
    done = await client.post(
        f"/api/v1/interactive-runs/{run_id}/complete",
        json={"anonymous_id": ANONYMOUS_ID,
              "answers": answers("ans_always_x44", "ans_always_x44", "ans_always_x44")},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    viewed = await client.post(
        "/api/v1/events",
        json={"name": "page.viewed", "anonymous_id": ANONYMOUS_ID, "props": {"page": "home"}},
    )
    assert viewed.status_code == 202, viewed.text

    token, user = await login(client, inbox, EMAIL, CONSENTS)
    me = bearer(token)
    user_id = str(user["id"])
    patched = await client.patch("/api/v1/me", json={"display_name": NAME, "phone": PHONE},
                                 headers=me)  # fmt: skip
    assert patched.status_code == 200, patched.text
    claimed = await client.post(
        "/api/v1/me/interactive-runs/claim",
        json={"anonymous_id": ANONYMOUS_ID, "claim_tokens": [claim_token]}, headers=me,
    )  # fmt: skip
    assert claimed.json() == {"claimed": 1}, claimed.text
    signed_event = await client.post(
        "/api/v1/events",
        json={"name": "booking.started", "anonymous_id": ANONYMOUS_ID, "props": {}}, headers=me,
    )  # fmt: skip
    assert signed_event.status_code == 202, signed_event.text
    diary = await client.post(
        "/api/v1/me/diary",
        json={"entry_date": "2030-06-01", "text": f"{NAME} пишет дневник", "mood": 4},
        headers=me,
    )
    assert diary.status_code == 201, diary.text
    question = await client.post(
        "/api/v1/questions", json={"text": f"Меня зовут {NAME}, как справиться с тревогой?"},
        headers=me,
    )  # fmt: skip
    assert question.status_code == 202, question.text
    waiting = await client.post(
        "/api/v1/waitlist/", json={"service_slug": SLUG, "preferences": {"days": [1, 2]}},
        headers=me,
    )  # fmt: skip
    assert waiting.status_code == 201, waiting.text

    # A paid session the day after tomorrow, with an intake form.
    upcoming = await _hold(
        client, NOW + timedelta(days=2), "walk-upcoming-0001", headers=me,
        metadata={"entry_point": "article", "utm_source": "newsletter"},
    )  # fmt: skip
    upcoming_id = upcoming["appointment"]["id"]
    paid = await client.post(urlsplit(upcoming["payment"]["confirmation_url"]).path)
    assert paid.status_code == 204, paid.text
    form = await client.put(
        f"/api/v1/appointments/{upcoming_id}/intake-form",
        json={"answers": {"about": f"{NAME}, {PHONE}"}, "submit": True}, headers=me,
    )  # fmt: skip
    assert form.status_code == 200, form.text

    # A guest booking with her contacts; its lead is attached to her Telegram below.
    guest = await _hold(
        client, NOW + timedelta(days=3), "walk-guest-0001",
        contact={"name": NAME, "email": EMAIL, "phone": PHONE},
        consents=[CONSENTS[0]], metadata={"entry_point": "telegram"},
    )  # fmt: skip
    guest_id, manage_token = guest["appointment"]["id"], guest["manage_token"]
    assert manage_token
    guest_lead = str(one(db, "SELECT lead_id FROM appointments WHERE id = %(a)s",
                         {"a": guest_id}))  # fmt: skip

    # The contact form: hers (staff convert it) and a stranger's giving her e-mail.
    for name, message in ((NAME, f"Перезвоните {NAME}"), (STRANGER, "Чужое сообщение")):
        sent = await client.post(
            "/api/v1/leads",
            json={"name": name, "email": EMAIL, "phone": PHONE if name == NAME else None,
                  "message": message, "consents": [CONSENTS[0]]},
        )  # fmt: skip
        assert sent.status_code == 202, sent.text
    converted = str(one(db, """SELECT id FROM leads WHERE source = 'web_form'
                               AND display_name = %(n)s""", {"n": NAME}))  # fmt: skip
    stranger = str(one(db, "SELECT id FROM leads WHERE display_name = %(n)s", {"n": STRANGER}))
    note = await client.post(f"/api/v1/admin/leads/{converted}/notes",
                             json={"body": f"Позвонить {NAME}: {PHONE}"}, headers=owner)  # fmt: skip
    assert note.status_code in (200, 201), note.text
    convert = await client.post(f"/api/v1/admin/leads/{converted}/convert",
                                json={"user_id": user_id}, headers=owner)  # fmt: skip
    assert convert.status_code == 200, convert.text

    # What no HTTP call of this test can make: a linked Telegram account (the bot's
    # /start and the owner's confirmation), deep links made for her and her lead, a
    # waitlist request of the guest lead, and a past session with its payment and form.
    db.commit()
    db.execute("UPDATE users SET telegram_user_id = %(t)s WHERE id = %(u)s",
               {"t": TELEGRAM_ID, "u": user_id})  # fmt: skip
    db.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, username, user_id, lead_id,
                                          language_code)
           VALUES (%(t)s, %(t)s, %(n)s, %(u)s, %(l)s, 'ru')""",
        {"t": TELEGRAM_ID, "n": USERNAME, "u": user_id, "l": guest_lead},
    )
    db.execute(
        """INSERT INTO deep_links (code, purpose, payload, user_id, lead_id, created_at,
                                   expires_at)
           VALUES ('walkplan_5d1e9b7c', 'plan', '{"topic": "anxiety"}', %(u)s, NULL,
                   %(now)s, %(now)s + interval '10 minutes'),
                  ('walkbook_5d1e9b7c', 'booking', '{}', NULL, %(l)s,
                   %(now)s, %(now)s + interval '10 minutes')""",
        {"u": user_id, "l": guest_lead, "now": NOW},
    )
    db.execute(
        """INSERT INTO waitlist_requests (service_id, lead_id, preferences)
           SELECT id, %(l)s, '{"parts_of_day": ["evening"]}' FROM services WHERE slug = %(s)s""",
        {"l": guest_lead, "s": SLUG},
    )
    past = one(
        db,
        """INSERT INTO appointments (service_id, client_user_id, start_at, end_at,
                                     blocked_period, timezone, status, format, metadata)
           SELECT id, %(u)s, %(start)s, %(start)s + interval '1 hour',
                  tstzrange(%(start)s, %(start)s + interval '1 hour'), 'Europe/Moscow',
                  'completed', 'online', '{"entry_point": "telegram", "utm_campaign": "spring"}'
           FROM services WHERE slug = %(s)s
           RETURNING id""",
        {"u": user_id, "s": SLUG, "start": NOW - timedelta(days=10)},
    )
    db.execute(
        """INSERT INTO payments (appointment_id, kind, amount, provider, provider_payment_id,
                                 idempotence_key, status, confirmed_at)
           VALUES (%(a)s, 'full', 3500, 'sandbox', 'walk-past-1', gen_random_uuid(),
                   'succeeded', %(at)s)""",
        {"a": past, "at": NOW - timedelta(days=11)},
    )
    form_id = uuid.uuid4()
    db.execute(
        """INSERT INTO intake_forms (id, appointment_id, payload_encrypted, status)
           VALUES (%(f)s, %(a)s, %(p)s, 'draft')""",
        {"f": form_id, "a": past,
         "p": CIPHER.encrypt(json.dumps({"about": NAME}),
                             f"intake_forms.payload_encrypted:{form_id}")},
    )  # fmt: skip
    db.commit()

    exported = await client.post("/api/v1/me/data-exports", headers=me)
    assert exported.status_code == 202, exported.text
    await wait_for_mail(inbox, EMAIL, count=2)  # the login code, then the export's link
    await eventually(lambda: drained(db))

    manage_hash = hashlib.sha256(manage_token.encode()).digest()
    return Person(
        token=token, user_id=user_id, lead_ids=[converted, guest_lead],
        stranger_lead_id=stranger, upcoming_id=upcoming_id, guest_appointment_id=guest_id,
        past_id=str(past), manage_token=manage_token, manage_token_hash=manage_hash,
        markers=[("user id", user_id), ("e-mail", EMAIL.lower()), ("phone", PHONE),
                 ("phone digits", PHONE.lstrip("+")), ("Telegram id", str(TELEGRAM_ID)),
                 ("Telegram username", USERNAME), ("name", NAME.lower()),
                 ("anonymous id", ANONYMOUS_ID), ("manage token", manage_token)],
    )  # fmt: skip


def download_link(inbox: Inbox) -> str:
    """The path and query of the newest data-export link e-mailed to Erika."""
    links = [
        m for t in inbox.texts_to(EMAIL) for m in re.findall(r"/api/v1/me/data-exports/\S+", t)
    ]
    assert links, "no export link was e-mailed"
    return str(links[-1])


# --- the walk --------------------------------------------------------------------------

# Column types that can hold an id, a contact or a token (tsvector, ranges, numbers
# below bigint and timestamps cannot).
SEARCHED_TYPES = ("uuid", "text", "character varying", "character", "jsonb", "json", "ARRAY",
                  "bigint", "bytea")  # fmt: skip


@dataclass(frozen=True)
class Keeper:
    """Rows of one column that keep a reference to the erased person on purpose: which
    rows (an SQL condition on the row) and why. Only the listed markers are excused."""

    condition: str
    markers: tuple[str, ...]
    why: str


def columns(db: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    """(table, column, type) of every searchable column of every table of the schema."""
    db.commit()
    found = db.execute(
        """SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
           JOIN information_schema.tables t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name
           WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
             AND c.data_type = ANY(%(types)s)
             AND t.table_name NOT IN ('_yoyo_log', '_yoyo_migration', '_yoyo_version',
                                      'yoyo_lock')
           ORDER BY 1, 2""",
        {"types": list(SEARCHED_TYPES)},
    ).fetchall()
    return [(str(t), str(c), str(k)) for t, c, k in found]


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str).lower()
    return str(value).lower()


def traces(
    db: psycopg.Connection[Any], person: Person, keepers: dict[tuple[str, str], Keeper],
    params: dict[str, Any],
) -> list[str]:  # fmt: skip
    """Every place where something of the person still appears: a marker (id, contact,
    anonymous id, manage token) in clear in any column, the manage token's hash in any
    bytea column, or a marker inside any decrypted P2 value. Rows a keeper names are
    excused for the keeper's markers only."""
    found: list[str] = []
    for table, column, kind in columns(db):
        keeper = keepers.get((table, column))
        query = sql.SQL(
            "SELECT {id}, {col}, ({kept}) FROM {table} WHERE {col} IS NOT NULL"
        ).format(
            id=sql.Identifier("id") if _has_id(db, table) else sql.NULL,
            col=sql.Identifier(column), table=sql.Identifier(table),
            kept=sql.SQL(keeper.condition if keeper else "false"),  # type: ignore[arg-type]
        )  # fmt: skip
        for row_id, value, kept in db.execute(query, params).fetchall():
            excused = keeper.markers if keeper is not None and kept else ()
            where = f"{table}.{column}"
            if kind == "bytea":
                if bytes(value) == person.manage_token_hash and "manage token hash" not in excused:
                    found.append(f"{where}: manage token hash")
                continue
            text = _text(value)
            if column.endswith("_encrypted"):
                text = CIPHER.decrypt(str(value), f"{table}.{column}:{row_id}").lower()
                where += " (decrypted)"
            found += [
                f"{where}: {label}"
                for label, marker in person.markers
                if marker.lower() in text and label not in excused
            ]
    return found


_ID_COLUMNS: dict[str, bool] = {}


def _has_id(db: psycopg.Connection[Any], table: str) -> bool:
    if table not in _ID_COLUMNS:
        _ID_COLUMNS[table] = bool(
            db.execute(
                """SELECT 1 FROM information_schema.columns
                   WHERE table_schema = 'public' AND table_name = %(t)s AND column_name = 'id'""",
                {"t": table},
            ).fetchone()
        )
    return _ID_COLUMNS[table]
