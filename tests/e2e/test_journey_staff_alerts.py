"""Staff alerts end to end: the owner (on by default) and the staff who opted in are told
by e-mail and on their linked Telegram of a crisis question within one worker cycle,
without its text; of a paid booking and a cancellation; switching a kind off stops it.
The worker's rounds are run by the test (no in-process worker), the SMTP server is real
and the Bot API is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.application.worker import run_round
from app.bootstrap import Core, build_core, create_app
from tests.conftest import FixedClock, make_settings
from tests.e2e.identity_helpers import Inbox, bearer
from tests.e2e.staff import signed_in
from tests.telegram_api import TOKEN, RecordingSession

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
OWNER, HELPER_ON, HELPER_OFF = (
    "owner@example.org", "helper.on@example.org", "helper.off@example.org"
)  # fmt: skip
OWNER_CHAT, HELPER_CHAT = 700001, 700002
CRISIS_TEXT = "Мне очень плохо, я не хочу жить и не знаю, к кому обратиться"
ALERTS = "/api/v1/admin/me/notifications"
SITE = "https://site.example.org"


@dataclass
class Staffed:
    client: AsyncTestClient[Litestar]
    core: Core
    api: RecordingSession
    inbox: Inbox
    owner: dict[str, str]
    helper_on: dict[str, str]
    helper_off: dict[str, str]
    anna: dict[str, str]

    async def cycle(self) -> int:
        """One round of the worker: relay events, send messages, run due jobs."""
        return await run_round(self.core.relay, self.core.sender, self.core.scheduler)

    async def drain(self) -> None:
        """Worker rounds until two in a row find nothing (a job queues in the last step
        of a round what the next round sends)."""
        idle = 0
        while idle < 2:
            idle = 0 if await self.cycle() else idle + 1

    def mail(self, address: str) -> list[str]:
        return self.inbox.texts_to(address)

    def telegram(self, chat: int) -> list[str]:
        return [
            r.text  # type: ignore[attr-defined]
            for r in self.api.requests
            if type(r).__name__ == "SendMessage" and r.chat_id == chat  # type: ignore[attr-defined]
        ]

    async def offer(self) -> None:
        created = await self.client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published",
                  "cancel_free_hours": 24},
            headers=self.owner,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        await self.client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=self.owner,
        )  # fmt: skip

    async def book_and_pay(self, start: str) -> str:
        booked = await self.client.post(
            "/api/v1/appointments",
            json={"service_slug": "konsultatsiya", "start_at": start, "format": "online",
                  "timezone": "Europe/Moscow"},
            headers=self.anna,
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
        await self.client.post(f"/api/v1{pay}")
        return str(booked.json()["appointment"]["id"])

    async def cancel(self, appointment_id: str) -> None:
        canceled = await self.client.post(
            f"/api/v1/appointments/{appointment_id}/cancel", json={}, headers=self.anna
        )
        assert canceled.status_code == 200, canceled.text


def staff(db: psycopg.Connection[Any], role: str, email: str, chat: int | None) -> dict[str, str]:
    token = bearer(signed_in(db, role, email, now=NOW))
    if chat is not None:  # their own Telegram, linked to their account
        db.execute(
            """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
               SELECT %(c)s, %(c)s, id FROM users WHERE email = %(e)s""",
            {"c": chat, "e": email},
        )
        db.commit()
    return token


@pytest.fixture
async def staffed(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[Staffed]:
    settings = make_settings(
        database_url, WORKER_IN_PROCESS="false", DATABASE_POOL_MIN="4", EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(inbox.port), SMTP_TLS="none",
        EMAIL_FROM="Эмоциональный баланс <hello@example.org>", SITE_URL=SITE,
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET="s3cret-webhook-token-0123456789",
    )  # fmt: skip
    core = build_core(settings, clock=FixedClock(NOW))
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    owner = staff(postgresql, "owner", OWNER, OWNER_CHAT)
    helper_on = staff(postgresql, "assistant", HELPER_ON, HELPER_CHAT)
    helper_off = staff(postgresql, "assistant", HELPER_OFF, None)
    anna = bearer(signed_in(postgresql, "client", "anna@example.org", now=NOW))
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, 'personal_data', true, '2026-01', 'web' FROM users
           WHERE email = 'anna@example.org'"""
    )
    postgresql.commit()
    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        yield Staffed(client, core, api, inbox, owner, helper_on, helper_off, anna)


async def test_a_crisis_question_alerts_the_owner_within_one_worker_cycle(
    staffed: Staffed,
) -> None:
    # The defaults: the owner receives every kind, an assistant none until they opt in.
    mine = await staffed.client.get(ALERTS, headers=staffed.owner)
    assert mine.status_code == 200, mine.text
    assert set(mine.json()["kinds"].values()) == {True}
    assert len(mine.json()["kinds"]) == 6
    theirs = await staffed.client.get(ALERTS, headers=staffed.helper_off)
    assert set(theirs.json()["kinds"].values()) == {False}
    opted = await staffed.client.put(
        ALERTS, json={"kinds": {"crisis": True}}, headers=staffed.helper_on
    )
    assert opted.status_code == 200, opted.text
    assert opted.json()["kinds"]["crisis"] is True
    assert opted.json()["kinds"]["booking_paid"] is False

    asked = await staffed.client.post("/api/v1/questions", json={"text": CRISIS_TEXT})
    assert asked.status_code == 202, asked.text
    item_id = asked.json()["id"]

    await staffed.cycle()  # one round of the worker: the event relayed, the alerts sent

    (mail,) = staffed.mail(OWNER)
    (message,) = staffed.telegram(OWNER_CHAT)
    link = f"{SITE}/admin/moderation/{item_id}"
    assert "кризисным признаком" in mail
    assert link in mail
    assert link in message
    for text in (mail, message):  # the question is the author's, and P2: never in an alert
        assert "не хочу жить" not in text
        assert CRISIS_TEXT[:20] not in text
    assert len(staffed.mail(HELPER_ON)) == 1  # opted in
    assert staffed.telegram(HELPER_CHAT) == [staffed.telegram(HELPER_CHAT)[0]]
    assert staffed.mail(HELPER_OFF) == []  # did not

    await staffed.drain()  # a redelivery or a later round sends nothing twice
    assert len(staffed.mail(OWNER)) == 1


async def test_paid_booking_and_cancellation_alert_the_owner_until_switched_off(
    staffed: Staffed,
) -> None:
    await staffed.offer()
    first = await staffed.book_and_pay("2030-06-04T07:00:00+00:00")
    await staffed.drain()
    (paid,) = staffed.mail(OWNER)
    assert "Новая оплаченная запись: Консультация, 04.06.2030 10:00 (Europe/Moscow)" in paid
    assert f"{SITE}/admin/appointments/{first}" in paid
    assert any("Новая оплаченная запись" in t for t in staffed.telegram(OWNER_CHAT))
    assert staffed.mail(HELPER_ON) == staffed.mail(HELPER_OFF) == []  # both left it off

    moved = await staffed.client.post(
        f"/api/v1/appointments/{first}/reschedule",
        json={"start_at": "2030-06-04T08:00:00+00:00"}, headers=staffed.anna,
    )  # fmt: skip
    assert moved.status_code in (200, 201), moved.text
    first = str(moved.json()["id"])
    await staffed.drain()
    assert len(staffed.mail(OWNER)) == 2  # told as a move, not as a new paid booking
    assert "Запись перенесена: Консультация, теперь 04.06.2030 11:00" in staffed.mail(OWNER)[-1]

    await staffed.cancel(first)
    await staffed.drain()
    assert "Запись отменена: Консультация, 04.06.2030 11:00" in staffed.mail(OWNER)[-1]

    switched = await staffed.client.put(
        ALERTS, json={"kinds": {"booking_changed": False}}, headers=staffed.owner
    )
    assert switched.json()["kinds"]["booking_changed"] is False
    second = await staffed.book_and_pay("2030-06-04T09:00:00+00:00")
    await staffed.cancel(second)
    await staffed.drain()
    told = staffed.mail(OWNER)
    assert len(told) == 4  # the second paid booking, and no second cancellation
    assert "Новая оплаченная запись" in told[-1]
    # The client is still told of both cancellations (in whatever order the mails left).
    assert sum("отменена" in m for m in staffed.mail("anna@example.org")) == 2


async def test_a_kind_outside_ones_roles_is_refused(
    staffed: Staffed, postgresql: psycopg.Connection[Any]
) -> None:
    editor = bearer(signed_in(postgresql, "editor", "editor@example.org", now=NOW))
    mine = await staffed.client.get(ALERTS, headers=editor)
    assert mine.json()["kinds"] == {"crisis": False, "sla": False}
    refused = await staffed.client.put(
        ALERTS, json={"kinds": {"payment_attention": True}}, headers=editor
    )
    assert refused.status_code == 422
    assert (await staffed.client.get(ALERTS, headers=staffed.anna)).status_code == 403
