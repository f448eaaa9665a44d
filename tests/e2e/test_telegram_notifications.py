"""A client who linked the bot and agreed hears about their booking in Telegram too;
after /stop, a reminder goes by e-mail only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, wait_for_mail
from tests.e2e.staff import signed_in
from tests.telegram_api import TOKEN, RecordingSession

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
SECRET = "s3cret-webhook-token-0123456789"
TG_USER = CHAT = 515151


def sent_texts(api: RecordingSession) -> list[str]:
    return [r.text for r in api.requests if type(r).__name__ == "SendMessage"]  # type: ignore[attr-defined]


def telegram_deliveries(db: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    db.commit()
    return db.execute(
        "SELECT template_code, status FROM notification_deliveries WHERE channel = 'telegram'"
        " ORDER BY created_at"
    ).fetchall()


async def test_confirmation_by_telegram_and_no_reminder_after_stop(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    settings = mailing_settings(
        database_url, inbox, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET
    )
    clock = FixedClock(NOW)
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api

    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = bearer(signed_in(postgresql, "client", "anna@example.org", now=NOW))
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, t, true, '2026-01', s FROM users,
                  (VALUES ('personal_data', 'web'), ('telegram', 'telegram')) AS c(t, s)
           WHERE email = 'anna@example.org'"""
    )
    postgresql.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
           SELECT %s, %s, id FROM users WHERE email = 'anna@example.org'""",
        (TG_USER, CHAT),
    )
    postgresql.commit()

    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        await client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published"},
            headers=owner,
        )  # fmt: skip
        await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        booked = await client.post(
            "/api/v1/appointments",
            json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
                  "format": "online", "timezone": "Europe/Moscow"},
            headers=anna,
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
        await client.post(f"/api/v1{pay}")
        await wait_for_mail(inbox, "anna@example.org")
        for _ in range(100):  # the worker sends both channels in the same round
            if any(text.startswith("Запись подтверждена") for text in sent_texts(api)):
                break
            await client.get("/health/live")
        assert "Запись подтверждена: Консультация, 04.06.2030 10:00." in sent_texts(api)

        stop = {
            "update_id": 1,
            "message": {"message_id": 1, "date": 1_790_000_000, "text": "/stop",
                        "chat": {"id": CHAT, "type": "private"},
                        "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна"},
                        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]},
        }  # fmt: skip
        answer = await client.post(
            "/webhooks/telegram", json=stop,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert answer.status_code == 200

        clock.current = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)  # 23 h before: reminder due
        reminder = await wait_for_mail(inbox, "anna@example.org", count=2)
        assert "Напоминаем о консультации" in reminder

    # Confirmed by Telegram; the reminder, queued after /stop, went by e-mail only.
    assert telegram_deliveries(postgresql) == [("booking.confirmed", "sent")]


async def test_my_lists_upcoming_appointments_and_cancels_under_the_api_policy(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    settings = mailing_settings(
        database_url, inbox, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET
    )
    clock = FixedClock(NOW)
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = bearer(signed_in(postgresql, "client", "anna@example.org", now=NOW))
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, 'personal_data', true, '2026-01', 'web' FROM users
           WHERE email = 'anna@example.org'"""
    )
    postgresql.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
           SELECT %s, %s, id FROM users WHERE email = 'anna@example.org'""",
        (TG_USER, CHAT),
    )
    postgresql.commit()
    updates = iter(range(100, 200))

    async def send(client: Any, payload: dict[str, Any]) -> None:
        answer = await client.post(
            "/webhooks/telegram", json={"update_id": next(updates), **payload},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text

    def command(text: str) -> dict[str, Any]:
        return {"message": {
            "message_id": 1, "date": 1_790_000_000, "text": text,
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}}  # fmt: skip

    def press(data: str) -> dict[str, Any]:
        return {"callback_query": {
            "id": "cb", "chat_instance": "ci", "data": data,
            "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна"},
            "message": {"message_id": 2, "date": 1_790_000_000, "text": "?",
                        "chat": {"id": CHAT, "type": "private"}}}}  # fmt: skip

    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        await client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published",
                  "cancel_free_hours": 24, "min_notice_minutes": 60},
            headers=owner,
        )  # fmt: skip
        await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 1, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        ids = []
        for start in ("2030-06-03T09:00:00+00:00", "2030-06-04T07:00:00+00:00"):
            booked = await client.post(
                "/api/v1/appointments",
                json={"service_slug": "konsultatsiya", "start_at": start, "format": "online",
                      "timezone": "Europe/Moscow"},
                headers=anna,
            )  # fmt: skip
            assert booked.status_code == 201, booked.text
            pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
            await client.post(f"/api/v1{pay}")
            ids.append(booked.json()["appointment"]["id"])
        today, tomorrow = ids

        await send(client, command("/my"))
        listed = [r for r in api.requests if type(r).__name__ == "SendMessage"
                  and r.reply_markup is not None]  # type: ignore[attr-defined]  # fmt: skip
        assert [r.text.splitlines()[1] for r in listed] == [  # type: ignore[attr-defined]
            "03.06.2030 12:00 (подтверждена)",
            "04.06.2030 10:00 (подтверждена)",
        ]
        assert listed[1].reply_markup.inline_keyboard[0][0].callback_data == (  # type: ignore[attr-defined]
            f"cancel:{tomorrow}"
        )

        await send(client, press(f"cancel:{tomorrow}"))  # 25 h before: a full refund
        assert sent_texts(api)[-1] == "Запись отменена. Мы вернём 3500.00 RUB."
        clock.current = datetime(2030, 6, 3, 8, 30, tzinfo=UTC)  # 30 min before: no refund
        await send(client, press(f"cancel:{today}"))
        assert sent_texts(api)[-1] == "Запись отменена."
        await send(client, press(f"cancel:{today}"))  # the same button again
        assert sent_texts(api)[-1].startswith("Эта запись уже изменилась")
        await send(client, command("/my"))
        assert sent_texts(api)[-1] == "Предстоящих записей нет. Записаться: /book"

    postgresql.commit()
    statuses = postgresql.execute(
        "SELECT status FROM appointments WHERE client_user_id IS NOT NULL ORDER BY start_at"
    ).fetchall()
    assert statuses == [("canceled",), ("canceled",)]


async def test_book_from_telegram_to_a_payment_link(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    settings = mailing_settings(
        database_url, inbox, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET
    )
    core = build_core(settings, clock=FixedClock(NOW))
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    signed_in(postgresql, "client", "anna@example.org", now=NOW)
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, 'personal_data', true, '2026-01', 'web' FROM users
           WHERE email = 'anna@example.org'"""
    )
    postgresql.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
           SELECT %s, %s, id FROM users WHERE email = 'anna@example.org'""",
        (TG_USER, CHAT),
    )
    postgresql.commit()
    updates = iter(range(300, 400))
    sender = {"id": TG_USER, "is_bot": False, "first_name": "Анна"}
    chat = {"id": CHAT, "type": "private"}

    async def send(client: Any, payload: dict[str, Any]) -> None:
        answer = await client.post(
            "/webhooks/telegram", json={"update_id": next(updates), **payload},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text

    def press(data: str) -> dict[str, Any]:
        return {"callback_query": {"id": "cb", "chat_instance": "ci", "data": data,
                "from": sender, "message": {"message_id": 2, "date": 1_790_000_000,
                                            "text": "?", "chat": chat}}}  # fmt: skip

    def last_buttons() -> list[tuple[str, str]]:
        markup = api.requests[-1].reply_markup  # type: ignore[attr-defined]
        return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]

    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        await client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published"},
            headers=owner,
        )  # fmt: skip
        await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 2, "start_time": "09:00:00", "end_time": "12:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        await send(client, {"message": {
            "message_id": 1, "date": 1_790_000_000, "text": "/book", "chat": chat,
            "from": sender, "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}})  # fmt: skip
        [(title, service_data)] = last_buttons()
        assert title == "Консультация"

        await send(client, press(service_data))
        assert sent_texts(api)[-1].startswith("Ближайшее свободное время")
        slots = last_buttons()
        assert [label for label, _ in slots[:3]] == ["04.06 09:00", "04.06 09:30", "04.06 10:00"]
        ten = dict(slots)["04.06 10:00"]

        await send(client, press(ten))
        held = sent_texts(api)[-1]
        assert held.startswith("Время придержано: Консультация, 04.06.2030 10:00.")
        assert "/api/v1/sandbox/payments/" in held

        await send(client, press(ten))  # the same time again: taken now
        assert sent_texts(api)[-1].startswith("Это время уже заняли")

    postgresql.commit()
    rows = postgresql.execute(
        "SELECT status, start_at, metadata FROM appointments WHERE client_user_id IS NOT NULL"
    ).fetchall()
    assert rows == [("pending_payment", datetime(2030, 6, 4, 7, tzinfo=UTC),
                     {"source": "telegram"})]  # fmt: skip
