"""Notifications by Telegram through aiogram's Bot against a recording Bot API:
escaped HTML, a 403 marks the account blocked, a 429 is retried when Telegram says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from app.adapters.postgres.notifications import PostgresDeliveryQueue, PostgresTemplateStore
from app.adapters.postgres.telegram import PostgresTelegramDirectory
from app.adapters.telegram.channel import TelegramChannel
from app.application.notifications import NotificationSender
from app.application.ports import NotificationRequest
from app.bootstrap import Core, build_core
from tests.conftest import make_settings
from tests.telegram_api import TOKEN, RecordingSession, recording_bot

CHAT = 5001


def sender_for(core: Core) -> tuple[NotificationSender, RecordingSession]:
    bot, session = recording_bot()
    directory = core.unit_of_work(PostgresTelegramDirectory)

    async def mark_blocked(chat_id: int) -> None:
        async with directory() as work:
            await work.repos.accounts.mark_blocked(chat_id)
            await work.commit()

    sender = NotificationSender(
        PostgresDeliveryQueue(core.database, core.cipher),
        PostgresTemplateStore(core.database),
        {"telegram": TelegramChannel(bot, mark_blocked)},
        core.clock,
    )
    return sender, session


async def queue_reminder(core: Core) -> None:
    uow = core.unit_of_work(PostgresTelegramDirectory)
    async with uow() as work:
        await work.repos.accounts.remember_account(1001, CHAT, "anna", "ru")
        await work.notifications.enqueue(
            NotificationRequest(
                channel="telegram", template_code="booking.reminder", recipient_kind="user",
                recipient_id="u1", dedupe_key="appointment:a1:reminder:telegram", to=str(CHAT),
                variables={"service_title": "Консультация <онлайн> & разбор",
                           "start_local": "24.11.2026 10:00", "location": ""},
            )
        )  # fmt: skip
        await work.commit()


def delivery(postgresql: psycopg.Connection[Any]) -> tuple[Any, ...]:
    postgresql.commit()
    row = postgresql.execute(
        "SELECT status, attempts, last_error, next_attempt_at FROM notification_deliveries"
    ).fetchone()
    assert row is not None
    return tuple(row)


async def test_a_reminder_reaches_the_chat_escaped_for_html(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    await queue_reminder(core)
    sender, api = sender_for(core)
    assert await sender.run_once() == 1
    [request] = api.requests
    assert type(request).__name__ == "SendMessage"
    assert request.chat_id == CHAT  # type: ignore[attr-defined]
    assert request.parse_mode == "HTML"  # type: ignore[attr-defined]
    assert request.text == (  # type: ignore[attr-defined]
        "Напоминаем: Консультация &lt;онлайн&gt; &amp; разбор, 24.11.2026 10:00."
    )
    assert delivery(postgresql)[:3] == ("sent", 1, None)


async def test_a_user_who_blocked_the_bot_is_marked_and_not_retried(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    await queue_reminder(core)
    sender, api = sender_for(core)
    api.fail(403, "Forbidden: bot was blocked by the user")
    assert await sender.run_once() == 1
    assert delivery(postgresql)[:3] == ("failed", 1, "PermanentDeliveryError")
    row = postgresql.execute(
        "SELECT blocked_at IS NOT NULL FROM telegram_accounts WHERE chat_id = %s", (CHAT,)
    ).fetchone()
    assert row == (True,)
    core.clock.advance(hours=1)  # type: ignore[attr-defined]
    assert await sender.run_once() == 0
    assert len(api.requests) == 1


async def test_flood_control_is_retried_after_the_time_telegram_asks(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    await queue_reminder(core)
    sender, api = sender_for(core)
    api.fail(429, "Too Many Requests: retry after 17", retry_after=17)
    before = core.clock.now()
    assert await sender.run_once() == 1
    status, attempts, error, next_attempt_at = delivery(postgresql)
    assert (status, attempts, error) == ("pending", 1, "rate_limited")
    assert timedelta(seconds=17) <= next_attempt_at - before < timedelta(seconds=18)

    core.clock.advance(seconds=10)  # type: ignore[attr-defined]
    assert await sender.run_once() == 0  # too early: Telegram asked for 17 s
    core.clock.advance(seconds=8)  # type: ignore[attr-defined]
    assert await sender.run_once() == 1
    assert delivery(postgresql)[:2] == ("sent", 2)
    assert len(api.requests) == 2


def test_the_bot_is_built_only_with_a_token_and_can_use_a_self_hosted_api(
    database_url: str,
) -> None:
    assert build_core(make_settings(database_url)).telegram_bot is None
    core = build_core(
        make_settings(
            database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:8081/"
        )
    )
    assert core.telegram_bot is not None
    assert core.telegram_bot.session.api.api_url(TOKEN, "getMe") == (
        f"http://127.0.0.1:8081/bot{TOKEN}/getMe"
    )
