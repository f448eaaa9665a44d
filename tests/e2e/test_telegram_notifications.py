"""A client whose Telegram is linked to their account: booking messages reach Telegram
when they agreed (not after /stop), /my cancels and reschedules under the API's policy,
/book goes from services to a payment link, and a failed payment is told by Telegram too. The real dispatcher and worker; the Bot API recorded."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually, wait_for_mail
from tests.e2e.staff import signed_in
from tests.telegram_api import TOKEN, RecordingSession

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
SECRET = "s3cret-webhook-token-0123456789"
TG_USER = CHAT = 515151
SENDER = {"id": TG_USER, "is_bot": False, "first_name": "Анна"}
PRIVATE_CHAT = {"id": CHAT, "type": "private"}
update_ids = itertools.count(100)


@dataclass
class Practice:
    client: AsyncTestClient[Litestar]
    api: RecordingSession
    clock: FixedClock
    owner: dict[str, str]
    anna: dict[str, str]

    async def offer(self, *weekdays: int, **service: Any) -> None:
        """A published one-hour consultation, open 09:00–18:00 Moscow time on ``weekdays``."""
        created = await self.client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published",
                  **service},
            headers=self.owner,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        for weekday in weekdays:
            await self.client.post(
                "/api/v1/admin/schedule-rules",
                json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
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

    async def _update(self, payload: dict[str, Any]) -> None:
        answer = await self.client.post(
            "/webhooks/telegram", json={"update_id": next(update_ids), **payload},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text

    async def command(self, text: str) -> None:
        await self._update({"message": {
            "message_id": 1, "date": 1_790_000_000, "text": text, "chat": PRIVATE_CHAT,
            "from": SENDER, "entities": [{"type": "bot_command", "offset": 0,
                                          "length": len(text)}]}})  # fmt: skip

    async def press(self, data: str) -> None:
        await self._update({"callback_query": {
            "id": "cb", "chat_instance": "ci", "data": data, "from": SENDER,
            "message": {"message_id": 2, "date": 1_790_000_000, "text": "?",
                        "chat": PRIVATE_CHAT}}})  # fmt: skip

    def texts(self) -> list[str]:
        return [r.text for r in self.api.requests if type(r).__name__ == "SendMessage"]  # type: ignore[attr-defined]

    def with_buttons(self) -> list[Any]:
        return [r for r in self.api.requests if getattr(r, "reply_markup", None) is not None]

    def last_buttons(self) -> list[tuple[str, str]]:
        markup = self.with_buttons()[-1].reply_markup
        return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]


def grant(db: psycopg.Connection[Any], consent_type: str) -> None:
    db.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, %s, true, '2026-01', 'web' FROM users WHERE email = 'anna@example.org'""",
        (consent_type,),
    )
    db.commit()


def link_anna(db: psycopg.Connection[Any]) -> dict[str, str]:
    """Anna has an account (with the personal-data consent) and linked her Telegram."""
    anna = bearer(signed_in(db, "client", "anna@example.org", now=NOW))
    grant(db, "personal_data")
    db.execute(
        """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
           SELECT %s, %s, id FROM users WHERE email = 'anna@example.org'""",
        (TG_USER, CHAT),
    )
    db.commit()
    return anna


@pytest.fixture
async def practice(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[Practice]:
    settings = mailing_settings(
        database_url, inbox, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET
    )
    clock = FixedClock(NOW)
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = link_anna(postgresql)
    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        yield Practice(client, api, clock, owner, anna)


def telegram_deliveries(db: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    db.commit()
    return db.execute(
        "SELECT template_code, status FROM notification_deliveries WHERE channel = 'telegram'"
        " ORDER BY created_at"
    ).fetchall()


async def test_confirmation_by_telegram_and_no_reminder_after_stop(
    practice: Practice, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    grant(postgresql, "telegram")
    grant(postgresql, "communications")  # reminders by e-mail
    await practice.offer(2)
    await practice.book_and_pay("2030-06-04T07:00:00+00:00")
    await wait_for_mail(inbox, "anna@example.org")
    for _ in range(100):  # the worker sends both channels in the same round
        if any(text.startswith("Запись подтверждена") for text in practice.texts()):
            break
        await practice.client.get("/health/live")
    assert (
        "Запись подтверждена: Консультация, 04.06.2030 10:00 (Europe/Moscow, UTC+3). "
        "Онлайн. Ссылку на встречу пришлём отдельным сообщением." in practice.texts()
    )

    await practice.command("/stop")
    practice.clock.current = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)  # 23 h before: reminder
    reminder = await wait_for_mail(inbox, "anna@example.org", count=2)
    assert "Напоминаем о консультации" in reminder
    # Confirmed by Telegram; the reminder, queued after /stop, went by e-mail only.
    assert telegram_deliveries(postgresql) == [("booking.confirmed", "sent")]


async def test_without_the_telegram_consent_nothing_goes_to_telegram(
    practice: Practice, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    await practice.offer(2)
    await practice.book_and_pay("2030-06-04T07:00:00+00:00")
    await wait_for_mail(inbox, "anna@example.org")
    assert telegram_deliveries(postgresql) == []

    # The server records the funnel's held and paid steps itself, once each.
    def steps() -> list[tuple[str, str]]:
        postgresql.commit()
        return postgresql.execute(
            "SELECT event_name, props ->> 'entry_point' FROM analytics_events"
            " WHERE event_name LIKE 'booking.%' ORDER BY event_name"
        ).fetchall()

    assert await eventually(lambda: len(steps()) == 2 and steps()) == [
        ("booking.held", "web"), ("booking.paid", "web")]  # fmt: skip


async def test_my_lists_upcoming_appointments_and_cancels_under_the_api_policy(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    await practice.offer(1, 2, cancel_free_hours=24, min_notice_minutes=60)
    today = await practice.book_and_pay("2030-06-03T09:00:00+00:00")
    tomorrow = await practice.book_and_pay("2030-06-04T07:00:00+00:00")

    await practice.command("/my")
    listed = practice.with_buttons()
    assert [r.text.splitlines()[1] for r in listed] == [
        "03.06.2030 12:00 (Europe/Moscow, UTC+3) (подтверждена)",
        "04.06.2030 10:00 (Europe/Moscow, UTC+3) (подтверждена)",
    ]
    assert practice.last_buttons() == [
        ("Перенести", f"move:{tomorrow}"),
        ("Отменить", f"cancel:{tomorrow}"),
    ]

    await practice.press(f"cancel:{tomorrow}")  # 25 h before: a full refund
    assert practice.texts()[-1] == "Запись отменена. Мы вернём 3500.00 RUB."
    practice.clock.current = datetime(2030, 6, 3, 8, 30, tzinfo=UTC)  # 30 min before: none
    await practice.press(f"cancel:{today}")
    assert practice.texts()[-1] == "Запись отменена."
    await practice.press(f"cancel:{today}")  # the same button again
    assert practice.texts()[-1].startswith("Эта запись уже изменилась")
    await practice.command("/my")
    assert practice.texts()[-1] == "Предстоящих записей нет. Записаться: /book"

    postgresql.commit()
    statuses = postgresql.execute(
        "SELECT status FROM appointments WHERE client_user_id IS NOT NULL ORDER BY start_at"
    ).fetchall()
    assert statuses == [("canceled",), ("canceled",)]


async def test_book_from_telegram_to_a_payment_link(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    await practice.offer(2)
    await practice.command("/book")
    [(title, service_data)] = practice.last_buttons()
    assert title == "Консультация"

    await practice.press(service_data)
    assert (
        practice.texts()[-1] == "Ближайшее свободное время (часовой пояс Europe/Moscow, UTC+03:00):"
    )
    slots = practice.last_buttons()
    assert [label for label, _ in slots[:3]] == ["04.06 09:00", "04.06 09:30", "04.06 10:00"]
    ten = dict(slots)["04.06 10:00"]

    await practice.press(ten)
    held = practice.texts()[-1]
    assert held.startswith(
        "Время придержано: Консультация, 04.06.2030 10:00 (Europe/Moscow, UTC+3)."
    )
    assert "/api/v1/sandbox/payments/" in held
    await practice.press(ten)  # the same time again: taken now
    assert practice.texts()[-1].startswith("Это время уже заняли")

    postgresql.commit()
    rows = postgresql.execute(
        "SELECT status, start_at, metadata FROM appointments WHERE client_user_id IS NOT NULL"
    ).fetchall()
    assert rows == [("pending_payment", datetime(2030, 6, 4, 7, tzinfo=UTC),
                     {"source": "telegram"})]  # fmt: skip


async def test_my_reschedules_within_the_window_and_explains_when_it_is_closed(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    await practice.offer(1, 2, reschedule_min_hours=24, min_notice_minutes=60)
    today = await practice.book_and_pay("2030-06-03T09:00:00+00:00")
    tomorrow = await practice.book_and_pay("2030-06-04T07:00:00+00:00")

    await practice.press(f"move:{tomorrow}")  # 25 h before: open
    assert practice.texts()[-1] == (
        "На какое время перенести Консультация? "
        "Время указано по часовому поясу Europe/Moscow, UTC+03:00."
    )
    times = dict(practice.last_buttons())
    assert all(data.startswith(f"moveto:{tomorrow}:") for data in times.values())
    assert all(len(data.encode()) <= 64 for data in times.values())  # Telegram's limit
    assert list(times)[:2] == ["03.06 10:30", "03.06 11:00"]  # an hour's notice from 09:00
    await practice.press(times["03.06 10:30"])
    assert practice.texts()[-1] == (
        "Запись перенесена: Консультация, 03.06.2030 10:30 (Europe/Moscow, UTC+3)."
    )
    await practice.press(times["03.06 11:00"])  # the old button: that booking moved on
    assert practice.texts()[-1].startswith("Эта запись уже изменилась")

    await practice.press(f"move:{today}")  # 3 h before: the window is closed
    await practice.press(practice.last_buttons()[-1][1])
    assert practice.texts()[-1].startswith(
        "Эту запись уже нельзя перенести: до начала осталось меньше 24 ч."
    )
    for stale in ("move:not-a-uuid", "moveto:6f1c0c55-2f0e-4c1b-9a57-2b9d7f0a1e11:1"):
        await practice.press(stale)
        assert practice.texts()[-1].startswith("Эта запись уже изменилась")

    postgresql.commit()
    rows = postgresql.execute(
        "SELECT status, start_at FROM appointments WHERE client_user_id IS NOT NULL"
        " ORDER BY created_at, start_at"
    ).fetchall()
    assert sorted(rows) == [
        ("confirmed", datetime(2030, 6, 3, 7, 30, tzinfo=UTC)),
        ("confirmed", datetime(2030, 6, 3, 9, tzinfo=UTC)),
        ("rescheduled", datetime(2030, 6, 4, 7, tzinfo=UTC)),
    ]


async def test_a_failed_payment_is_told_by_telegram_and_e_mail(
    practice: Practice, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    grant(postgresql, "telegram")
    await practice.offer(2)
    booked = await practice.client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
              "format": "online", "timezone": "Europe/Moscow"},
        headers=practice.anna,
    )  # fmt: skip
    pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
    assert (await practice.client.post(f"/api/v1{pay}/cancel")).status_code == 204

    mail = await wait_for_mail(inbox, "anna@example.org")
    assert "Оплата записи Консультация, 04.06.2030 10:00 (Europe/Moscow, UTC+3) не прошла" in mail
    for _ in range(100):
        if telegram_deliveries(postgresql) == [("payment.failed", "sent")]:
            break
        await practice.client.get("/health/live")
    assert (
        "Оплата записи Консультация, 04.06.2030 10:00 (Europe/Moscow, UTC+3) не прошла, и время "
        "освободилось. Выбрать время снова: /book или http://127.0.0.1:8000/services/konsultatsiya"
        in practice.texts()
    )
    assert telegram_deliveries(postgresql) == [("payment.failed", "sent")]
