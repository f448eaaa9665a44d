"""Reminders respect consent, end to end: a confirmation goes by every channel the person
can be reached on, a reminder only by those they consented to (e-mail under
``communications``, Telegram under ``telegram``); an erasure first cancels the person's
upcoming paid appointment with the policy's refund and tells them, then anonymises.
The worker's rounds are run by the test; the SMTP server is real, the Bot API recorded."""

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
ANNA, CHAT = "anna@example.org", 515151


@dataclass
class Client:
    http: AsyncTestClient[Litestar]
    core: Core
    clock: FixedClock
    api: RecordingSession
    inbox: Inbox
    anna: dict[str, str]

    async def drain(self) -> None:
        """Worker rounds until two in a row find nothing (a job queues in the last step
        of a round what the next round sends)."""
        idle = 0
        while idle < 2:
            busy = await run_round(self.core.relay, self.core.sender, self.core.scheduler)
            idle = 0 if busy else idle + 1

    def mail(self) -> list[str]:
        return self.inbox.texts_to(ANNA)

    def telegram(self) -> list[str]:
        return [
            r.text  # type: ignore[attr-defined]
            for r in self.api.requests
            if type(r).__name__ == "SendMessage" and r.chat_id == CHAT  # type: ignore[attr-defined]
        ]

    async def book_and_pay(self, owner: dict[str, str]) -> str:
        await self.http.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published",
                  "cancel_free_hours": 24},
            headers=owner,
        )  # fmt: skip
        await self.http.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        booked = await self.http.post(
            "/api/v1/appointments",
            json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
                  "format": "online", "timezone": "Europe/Moscow"},
            headers=self.anna,
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
        await self.http.post(f"/api/v1{pay}")
        return str(booked.json()["appointment"]["id"])


def consent(db: psycopg.Connection[Any], consent_type: str) -> None:
    db.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, %s, true, '2026-01', 'web' FROM users WHERE email = %s""",
        (consent_type, ANNA),
    )
    db.commit()


@pytest.fixture
async def anna(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[Client]:
    settings = make_settings(
        database_url, WORKER_IN_PROCESS="false", DATABASE_POOL_MIN="4", EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(inbox.port), SMTP_TLS="none",
        EMAIL_FROM="Эмоциональный баланс <hello@example.org>",
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET="s3cret-webhook-token-0123456789",
    )  # fmt: skip
    clock = FixedClock(NOW)
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    token = bearer(signed_in(postgresql, "client", ANNA, now=NOW))
    consent(postgresql, "personal_data")
    async with AsyncTestClient(app=create_app(settings, core=core)) as http:
        yield Client(http, core, clock, api, inbox, token)


async def test_a_reminder_goes_only_by_consented_channels_a_confirmation_by_all(
    anna: Client, postgresql: psycopg.Connection[Any]
) -> None:
    # Anna linked her Telegram and agreed to messages there; not to e-mail reminders.
    postgresql.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
           SELECT %s, %s, id FROM users WHERE email = %s""",
        (CHAT, CHAT, ANNA),
    )
    consent(postgresql, "telegram")
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    await anna.book_and_pay(owner)
    await anna.drain()
    (confirmed,) = anna.mail()  # transactional: by e-mail without any marketing consent
    assert "запись подтверждена" in confirmed
    assert [t for t in anna.telegram() if t.startswith("Запись подтверждена")]

    anna.clock.current = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)  # 23 h before
    await anna.drain()
    assert [t for t in anna.telegram() if t.startswith("Напоминаем")]  # consented
    assert len(anna.mail()) == 1  # no reminder by e-mail: no communications consent
    postgresql.commit()
    assert postgresql.execute(
        "SELECT channel FROM notification_deliveries WHERE template_code = 'booking.reminder'"
    ).fetchall() == [("telegram",)]

    given = await anna.http.post(
        "/api/v1/me/consents",
        json={"consent_type": "communications", "granted": True, "document_version": "2026-01"},
        headers=anna.anna,
    )  # fmt: skip
    assert given.status_code in (200, 201), given.text
    anna.clock.current = datetime(2030, 6, 4, 5, 30, tzinfo=UTC)  # 1.5 h before
    await anna.drain()
    assert "Напоминаем о консультации" in anna.mail()[-1]  # now e-mail too


async def test_erasure_cancels_the_upcoming_paid_appointment_with_the_refund_first(
    anna: Client, postgresql: psycopg.Connection[Any]
) -> None:
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    appointment = await anna.book_and_pay(owner)  # 25 h ahead: a full refund
    await anna.drain()
    assert len(anna.mail()) == 1

    erased = await anna.http.post("/api/v1/me/erasure", headers=anna.anna)
    assert erased.status_code == 202, erased.text
    await anna.drain()

    told = anna.mail()[-1]  # the address was still known when the cancellation was queued
    assert "отменена" in told
    assert "Мы вернём 3500.00 RUB." in told
    postgresql.commit()
    assert postgresql.execute(
        "SELECT status, cancel_reason FROM appointments WHERE id = %s", (appointment,)
    ).fetchone() == ("canceled", "client_request")
    assert postgresql.execute(
        """SELECT r.amount::text, r.status FROM refunds r
           JOIN payments p ON p.id = r.payment_id WHERE p.appointment_id = %s""",
        (appointment,),
    ).fetchall() == [("3500.00", "succeeded")]  # the sandbox refunds at once
    assert postgresql.execute(
        "SELECT status, email FROM users WHERE id = (SELECT client_user_id FROM appointments"
        " WHERE id = %s)",
        (appointment,),
    ).fetchone() == ("deleted", None)
    # The message was sent and its address wiped: nothing of Anna's is left queued.
    assert postgresql.execute(
        "SELECT count(*) FROM notification_deliveries WHERE payload_encrypted IS NOT NULL"
    ).fetchone() == (0,)
