"""Contact details are claims: each reproduction of the review, replayed through HTTP and
the bot's webhook, must leave the attacker with nothing of the victim's.

The victim is a guest who booked by phone and wrote to the practice; the attacker knows
the victim's phone and e-mail and has their own mailbox and Telegram account."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import Core, build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import PERSONAL_DATA, Inbox, bearer, eventually, login
from tests.e2e.staff import signed_in
from tests.telegram_api import TOKEN, RecordingSession

SECRET = "s3cret-webhook-token-0123456789"
VICTIM_PHONE = "+79991112233"
VICTIM_EMAIL = "victim@example.org"
VICTIM_SECRET = "Мне очень тревожно по ночам"
ATTACKER_EMAIL = "attacker@example.net"
ATTACKER_TG = 777000111
update_ids = itertools.count(7_000_000)
START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)


@dataclass
class Site:
    client: AsyncTestClient[Litestar]
    api: RecordingSession
    core: Core
    db: psycopg.Connection[Any]

    async def start_bot(self, text: str, telegram_user_id: int = ATTACKER_TG) -> None:
        update = {
            "update_id": next(update_ids),
            "message": {
                "message_id": 1, "date": 1_790_000_000,
                "chat": {"id": telegram_user_id, "type": "private", "first_name": "Мэлори"},
                "from": {"id": telegram_user_id, "is_bot": False, "first_name": "Мэлори",
                         "username": "mallory_tg", "language_code": "ru"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0,
                              "length": len(text.split(maxsplit=1)[0])}],
            },
        }  # fmt: skip
        answer = await self.client.post(
            "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert answer.status_code == 200, answer.text

    def replies(self) -> list[str]:
        return [r.text for r in self.api.requests if type(r).__name__ == "SendMessage"]  # type: ignore[attr-defined]

    def one(self, query: str, params: Any = None) -> Any:
        self.db.commit()
        row = self.db.execute(query, params).fetchone()
        return None if row is None else row[0]


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(
        database_url, inbox, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_BOT_USERNAME="balance_test_bot",
    )  # fmt: skip


@pytest.fixture
async def site(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[Site]:
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        yield Site(client, api, core, postgresql)


async def victim_books_by_phone_and_writes(site: Site) -> dict[str, Any]:
    """The victim: a contact form with their worry, and a guest booking by phone only."""
    owner = bearer(signed_in(site.db, "owner"))
    created = await site.client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "status": "published"},
        headers=owner,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    for weekday in range(1, 8):
        rule = await site.client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        assert rule.status_code == 201, rule.text
    wrote = await site.client.post(
        "/api/v1/leads",
        json={"name": "Вера", "phone": VICTIM_PHONE, "email": VICTIM_EMAIL,
              "message": VICTIM_SECRET, "consents": [PERSONAL_DATA]},
    )  # fmt: skip
    assert wrote.status_code == 202, wrote.text
    booked = await site.client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": START.isoformat(),
              "format": "online", "contact": {"name": "Вера", "phone": VICTIM_PHONE},
              "consents": [PERSONAL_DATA]},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    assistant = bearer(signed_in(site.db, "assistant"))
    lead_id = site.one("SELECT lead_id FROM appointments")
    noted = await site.client.post(
        f"/api/v1/admin/leads/{lead_id}/notes",
        json={"body": "Паническая атака в мае"},
        headers=assistant,
    )
    assert noted.status_code == 201, noted.text
    return dict(booked.json())


async def export_of(site: Site, inbox: Inbox, token: str, email: str) -> str:
    export_id = (await site.client.post("/api/v1/me/data-exports", headers=bearer(token))).json()[
        "id"
    ]
    mail = await eventually(
        lambda: [t for t in inbox.texts_to(email) if f"data-exports/{export_id}" in t]
    )
    download_token = mail[-1].split("token=")[1].split()[0]
    archive = await site.client.get(
        f"/api/v1/me/data-exports/{export_id}/download?token={download_token}",
        headers=bearer(token),
    )
    assert archive.status_code == 200, archive.text
    return str(archive.text)


async def test_a_lead_with_the_victims_phone_gives_the_attacker_nothing_in_an_export(
    site: Site, inbox: Inbox
) -> None:
    await victim_books_by_phone_and_writes(site)
    # The attacker's own request with the victim's phone and the attacker's e-mail ...
    posed = await site.client.post(
        "/api/v1/leads",
        json={"name": "Мэлори", "phone": VICTIM_PHONE, "email": ATTACKER_EMAIL,
              "consents": [PERSONAL_DATA]},
    )  # fmt: skip
    assert posed.status_code == 202
    # ... makes a lead of its own; the victim's lead gained nothing.
    assert site.one("SELECT count(*) FROM leads") == 3
    assert site.one(
        """SELECT count(*) FROM lead_identities i JOIN appointments a ON a.lead_id = i.lead_id
           WHERE i.value_normalized = %s""",
        (ATTACKER_EMAIL,),
    ) == 0  # fmt: skip
    token, _ = await login(site.client, inbox, ATTACKER_EMAIL)
    archive = await export_of(site, inbox, token, ATTACKER_EMAIL)
    assert VICTIM_SECRET not in archive
    assert "Паническая атака" not in archive
    assert VICTIM_PHONE not in archive
    assert "konsultatsiya" not in archive
    assert "Консультация" not in archive

    # Claiming the victim's phone on the account reveals nothing either.
    claimed = await site.client.patch(
        "/api/v1/me", json={"phone": VICTIM_PHONE}, headers=bearer(token)
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["phone_verified"] is False
    archive = await export_of(site, inbox, token, ATTACKER_EMAIL)
    assert VICTIM_SECRET not in archive
    assert "Паническая атака" not in archive
    mine = await site.client.get("/api/v1/me/appointments", headers=bearer(token))
    assert mine.status_code == 200
    assert mine.json()["items"] == []


async def test_the_attackers_erasure_leaves_the_victims_lead_and_booking_alone(
    site: Site, inbox: Inbox
) -> None:
    booked = await victim_books_by_phone_and_writes(site)
    token, _ = await login(site.client, inbox, ATTACKER_EMAIL)
    await site.client.patch("/api/v1/me", json={"phone": VICTIM_PHONE}, headers=bearer(token))
    await site.client.post(
        "/api/v1/leads",
        json={"name": "Мэлори", "phone": VICTIM_PHONE, "email": ATTACKER_EMAIL,
              "consents": [PERSONAL_DATA]},
    )  # fmt: skip
    erased = await site.client.post("/api/v1/me/erasure", headers=bearer(token))
    assert erased.status_code == 202, erased.text
    await eventually(
        lambda: site.one("SELECT count(*) FROM erasure_requests WHERE status = 'done'")
    )
    # The victim's lead, note and booking are untouched, and still managed by their link.
    assert site.one("SELECT count(*) FROM lead_notes") == 2
    assert site.one("SELECT client_user_id FROM appointments") is None
    appointment_id = booked["appointment"]["id"]
    managed = await site.client.get(
        f"/api/v1/appointments/{appointment_id}",
        headers={"X-Manage-Token": booked["manage_token"]},
    )
    assert managed.status_code == 200, managed.text


async def test_a_phone_only_guests_messages_never_go_to_an_address_someone_added(
    site: Site, inbox: Inbox
) -> None:
    booked = await victim_books_by_phone_and_writes(site)
    await site.client.post(
        "/api/v1/leads",
        json={"name": "Мэлори", "phone": VICTIM_PHONE, "email": ATTACKER_EMAIL,
              "consents": [PERSONAL_DATA]},
    )  # fmt: skip
    canceled = await site.client.post(
        f"/api/v1/appointments/{booked['appointment']['id']}/cancel", json={},
        headers={"X-Manage-Token": booked["manage_token"]},
    )  # fmt: skip
    assert canceled.status_code == 200, canceled.text
    site.db.commit()
    queued = site.db.execute(
        "SELECT template_code, channel FROM notification_deliveries WHERE recipient_kind = 'lead'"
    ).fetchall()
    assert queued == []  # a phone-only guest has no e-mail of this booking to write to
    assert inbox.texts_to(ATTACKER_EMAIL) == []


async def test_a_self_check_with_the_victims_email_links_the_attacker_to_a_lead_of_their_own(
    site: Site, inbox: Inbox
) -> None:
    await victim_books_by_phone_and_writes(site)
    victim_lead = site.one("SELECT lead_id FROM appointments")
    # The self-check's deep link (made for the lead of that request) is used by the attacker.
    made = await site.client.post(
        "/api/v1/leads",
        json={"name": "Мэлори", "email": VICTIM_EMAIL, "consents": [PERSONAL_DATA]},
    )  # fmt: skip
    assert made.status_code == 202
    new_lead = site.one(
        "SELECT id FROM leads WHERE display_name = 'Мэлори' ORDER BY created_at DESC LIMIT 1"
    )
    link = await site.core.telegram_service.url_for("plan", {}, None, new_lead)  # type: ignore[union-attr]
    assert link is not None
    code = link.rsplit("=", 1)[1]
    await site.start_bot(f"/start {code}")
    account_lead = site.one(
        "SELECT lead_id FROM telegram_accounts WHERE telegram_user_id = %s", (ATTACKER_TG,)
    )
    assert account_lead == new_lead != victim_lead
    # The victim's booking messages have no Telegram chat to go to.
    assert site.one(
        "SELECT count(*) FROM telegram_accounts WHERE lead_id = %s", (victim_lead,)
    ) == 0  # fmt: skip
    # A link made for a person works once: a second /start with it is a plain welcome.
    await site.start_bot(f"/start {code}", telegram_user_id=ATTACKER_TG + 1)
    assert site.one(
        "SELECT lead_id FROM telegram_accounts WHERE telegram_user_id = %s", (ATTACKER_TG + 1,)
    ) not in (new_lead, victim_lead)  # fmt: skip


async def test_a_leaked_account_link_gives_the_attacker_no_session_for_the_victim(
    site: Site, inbox: Inbox, clock: FixedClock
) -> None:
    victim_token, victim = await login(site.client, inbox, VICTIM_EMAIL)
    made = await site.client.post(
        "/api/v1/deep-links", json={"purpose": "link_account"}, headers=bearer(victim_token)
    )
    assert made.status_code == 201, made.text
    link = made.json()
    lifetime = datetime.fromisoformat(link["expires_at"]) - clock.current
    assert lifetime <= timedelta(minutes=15)
    # The attacker gets there first.
    await site.start_bot(f"/start {link['code']}")
    assert site.replies()[-1].startswith("Почти готово")
    # Nothing is linked until the victim confirms; a stranger's session cannot confirm it.
    assert site.one("SELECT telegram_user_id FROM users WHERE id = %s", (victim["id"],)) is None
    attacker_token, _ = await login(site.client, inbox, ATTACKER_EMAIL)
    stolen = await site.client.post(
        f"/api/v1/me/telegram-link/{link['code']}/confirm", headers=bearer(attacker_token)
    )
    assert stolen.status_code == 404
    # The victim, shown whose Telegram opened it, does not confirm; 15 minutes later the
    # link is dead for everyone.
    preview = await site.client.get(
        f"/api/v1/me/telegram-link/{link['code']}", headers=bearer(victim_token)
    )
    assert preview.json()["telegram_username"] == "mallory_tg"
    clock.advance(minutes=16)
    late = await site.client.post(
        f"/api/v1/me/telegram-link/{link['code']}/confirm", headers=bearer(victim_token)
    )
    assert late.status_code == 404
    assert site.one("SELECT telegram_user_id FROM users WHERE id = %s", (victim["id"],)) is None
    # A fresh link, reused after its first /start, is a plain welcome for the second.
    again = await site.client.post(
        "/api/v1/deep-links", json={"purpose": "link_account"}, headers=bearer(victim_token)
    )
    code = again.json()["code"]
    await site.start_bot(f"/start {code}", telegram_user_id=ATTACKER_TG + 5)
    before = len(site.replies())
    await site.start_bot(f"/start {code}")
    assert site.replies()[before].startswith("Здравствуйте! Это бот практики")


async def test_phone_answers_are_identical_for_numbers_in_use_and_unknown(
    site: Site, inbox: Inbox
) -> None:
    victim_token, _ = await login(site.client, inbox, VICTIM_EMAIL)
    saved = await site.client.patch(
        "/api/v1/me", json={"phone": VICTIM_PHONE}, headers=bearer(victim_token)
    )
    assert saved.status_code == 200
    attacker_token, _ = await login(site.client, inbox, ATTACKER_EMAIL)
    answers = []
    for phone in (VICTIM_PHONE, "+79995554433"):
        answer = await site.client.patch(
            "/api/v1/me", json={"phone": phone}, headers=bearer(attacker_token)
        )
        body = answer.json()
        answers.append((answer.status_code, body["phone_verified"], sorted(body)))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (200, False)
    # And the victim keeps their own number.
    me = await site.client.get("/api/v1/me", headers=bearer(victim_token))
    assert me.json()["phone"] == VICTIM_PHONE


async def test_a_blocked_client_can_no_longer_act_through_the_bot(site: Site, inbox: Inbox) -> None:
    token, user = await login(site.client, inbox, VICTIM_EMAIL)
    site.db.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
           VALUES (%(t)s, %(t)s, %(u)s)""",
        {"t": ATTACKER_TG, "u": user["id"]},
    )
    site.db.execute(
        "UPDATE users SET telegram_user_id = %(t)s WHERE id = %(u)s",
        {"t": ATTACKER_TG, "u": user["id"]},
    )
    site.db.commit()
    await site.start_bot("/my")
    assert not site.replies()[-1].startswith("Чтобы видеть свои записи здесь")
    owner = bearer(signed_in(site.db, "owner"))
    blocked = await site.client.post(f"/api/v1/admin/users/{user['id']}/block", headers=owner)
    assert blocked.status_code in (200, 204), blocked.text
    for command in ("/my", "/book"):
        await site.start_bot(command)
        assert site.replies()[-1].startswith(
            ("Чтобы видеть свои записи здесь", "Записаться можно на сайте")
        ), site.replies()[-1]
    assert (await site.client.get("/api/v1/me", headers=bearer(token))).status_code == 401
