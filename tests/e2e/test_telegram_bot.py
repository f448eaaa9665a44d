"""The bot through its webhook: the real aiogram dispatcher fed with updates in Telegram's
JSON shape; its replies recorded by a stand-in Bot API session."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.__main__ import main
from app.adapters.postgres.telegram import PostgresTelegramDirectory
from app.bootstrap import Core, build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, make_settings
from tests.e2e.staff import signed_in
from tests.telegram_api import TOKEN, RecordingSession

SECRET = "s3cret-webhook-token-0123456789"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
TG_USER, CHAT = 424242, 424242
update_ids = itertools.count(9_000_000)


@dataclass
class Bot:
    client: AsyncTestClient[Litestar]
    api: RecordingSession
    core: Core
    settings: Settings

    async def say(self, text: str, update_id: int | None = None) -> Any:
        update = {
            "update_id": update_id if update_id is not None else next(update_ids),
            "message": {
                "message_id": 1, "date": 1_790_000_000,
                "chat": {"id": CHAT, "type": "private", "first_name": "Анна"},
                "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна",
                         "username": "anna_tg", "language_code": "ru"},
                "text": text,
                **({"entities": [{"type": "bot_command", "offset": 0,
                                  "length": len(text.split(maxsplit=1)[0])}]}
                   if text.startswith("/") else {}),
            },
        }  # fmt: skip
        return await self.client.post("/webhooks/telegram", json=update, headers=HEADERS)

    async def press(self, data: str) -> Any:
        update = {
            "update_id": next(update_ids),
            "callback_query": {
                "id": "cb-1", "chat_instance": "ci-1", "data": data,
                "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна"},
                "message": {"message_id": 2, "date": 1_790_000_000, "text": "?",
                            "chat": {"id": CHAT, "type": "private"}},
            },
        }  # fmt: skip
        return await self.client.post("/webhooks/telegram", json=update, headers=HEADERS)

    def replies(self) -> list[str]:
        return [r.text for r in self.api.requests if type(r).__name__ == "SendMessage"]  # type: ignore[attr-defined]

    async def deep_link(self, purpose: str, payload: dict[str, Any], **who: Any) -> str:
        """Issued through the repository on the test's own connection pool."""
        core = build_core(self.settings, clock=self.core.clock)
        await core.database.open()
        try:
            async with core.unit_of_work(PostgresTelegramDirectory)() as work:
                issued = await work.repos.links.issue_deep_link(purpose, payload, **who)
                await work.commit()
        finally:
            await core.database.close()
        return issued.code


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Bot]:
    settings = make_settings(
        database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_BOT_USERNAME="balance_test_bot",
    )
    core = build_core(settings, clock=FixedClock())
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        yield Bot(client, api, core, settings)


async def test_start_from_a_self_check_result_sends_the_plan(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    code = await bot.deep_link("interactive_result", {"path": "/results/anxiety-mid"})
    answer = await bot.say(f"/start {code}")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "handled"}
    reply, prompt = bot.replies()
    assert "Ваш план и материалы" in reply
    assert "http://127.0.0.1:8000/results/anxiety-mid" in reply
    assert prompt.startswith("Можно присылать вам сюда")  # a new lead is asked at once
    postgresql.commit()
    assert postgresql.execute("SELECT use_count FROM deep_links").fetchone() == (1,)
    account = postgresql.execute(
        "SELECT chat_id, username, blocked_at FROM telegram_accounts WHERE telegram_user_id = %s",
        (TG_USER,),
    ).fetchone()
    assert account == (CHAT, "anna_tg", None)
    # A stranger becomes a CRM lead known by their Telegram id, with a P0 timeline event.
    lead = postgresql.execute(
        """SELECT l.source, l.first_touch, i.kind, i.value_normalized, e.event_type, e.props
           FROM telegram_accounts a JOIN leads l ON l.id = a.lead_id
           JOIN lead_identities i ON i.lead_id = l.id
           JOIN lead_timeline_events e ON e.lead_id = l.id"""
    ).fetchall()
    assert lead == [(
        "telegram", {"entry_point": "telegram", "purpose": "interactive_result"},
        "telegram", str(TG_USER), "telegram.started", {"purpose": "interactive_result"},
    )]  # fmt: skip


async def test_start_with_a_booking_link_prompts_to_book(bot: Bot) -> None:
    code = await bot.deep_link("booking", {"service": "first-session"})
    await bot.say(f"/start {code}")
    assert bot.replies()[0] == "Чтобы выбрать время консультации, нажмите /book."


async def test_an_unknown_or_expired_code_gets_the_plain_welcome(bot: Bot) -> None:
    code = await bot.deep_link("plan", {})
    bot.core.clock.advance(days=31)  # type: ignore[attr-defined]
    for text in ("/start", "/start NoSuchCode123", f"/start {code}", "/start ../../etc"):
        assert (await bot.say(text)).status_code == 200
    welcomes = [reply for reply in bot.replies() if not reply.startswith("Можно присылать")]
    assert len(welcomes) == 4
    assert all(reply.startswith("Здравствуйте! Это бот практики") for reply in welcomes)


async def test_a_link_account_code_links_telegram_to_the_user(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    anna = {"Authorization": f"Bearer {signed_in(postgresql, 'client', email='anna@example.org')}"}
    user_id = postgresql.execute(
        "SELECT id FROM users WHERE email = 'anna@example.org'"
    ).fetchone()[0]  # type: ignore[index]
    code = await bot.deep_link("link_account", {}, user_id=user_id)
    await bot.say(f"/start {code}")
    # Opening the link links nothing: the owner confirms in their signed-in session.
    assert bot.replies() == [
        "Почти готово: вернитесь на сайт, где вы запросили ссылку, и подтвердите привязку "
        "этого Telegram-аккаунта в течение 15 минут."
    ]
    postgresql.commit()
    assert postgresql.execute(
        "SELECT telegram_user_id FROM users WHERE id = %s", (user_id,)
    ).fetchone() == (None,)
    preview = await bot.client.get(f"/api/v1/me/telegram-link/{code}", headers=anna)
    assert preview.status_code == 200, preview.text
    assert preview.json()["telegram_username"] == "anna_tg"
    confirmed = await bot.client.post(f"/api/v1/me/telegram-link/{code}/confirm", headers=anna)
    assert confirmed.status_code == 200, confirmed.text
    postgresql.commit()
    assert postgresql.execute(
        """SELECT channel, recipient_kind, recipient_id FROM notification_deliveries
           WHERE template_code = 'identity.telegram_linked'"""
    ).fetchall() == [("email", "user", str(user_id))]  # the owner is told
    again = await bot.client.post(f"/api/v1/me/telegram-link/{code}/confirm", headers=anna)
    assert again.status_code == 404  # single use

    await bot.say("/start")  # now a known person: asked about messages
    assert bot.replies()[-1] == (
        "Можно присылать вам сюда подтверждения записей и напоминания? "
        "Отписаться можно в любой момент командой /stop."
    )
    prompt = bot.api.requests[-1]
    buttons = prompt.reply_markup.inline_keyboard[0]  # type: ignore[attr-defined]
    assert [b.callback_data for b in buttons] == ["consent:yes", "consent:no"]

    answer = await bot.press("consent:yes")
    assert answer.status_code == 200
    assert bot.replies()[-1] == "Спасибо! Будем присылать только важное о ваших записях."
    assert "AnswerCallbackQuery" in [type(r).__name__ for r in bot.api.requests]
    postgresql.commit()
    assert postgresql.execute(
        "SELECT granted FROM consents WHERE user_id = %s AND consent_type = 'telegram'",
        (user_id,),
    ).fetchall() == [(True,)]
    await bot.say("/start")  # already said yes: not asked again
    assert not bot.replies()[-1].startswith("Можно присылать")
    postgresql.commit()
    assert postgresql.execute(
        "SELECT telegram_user_id FROM users WHERE id = %s", (user_id,)
    ).fetchone() == (TG_USER,)
    assert postgresql.execute(
        "SELECT user_id FROM telegram_accounts WHERE telegram_user_id = %s", (TG_USER,)
    ).fetchone() == (user_id,)
    assert postgresql.execute("SELECT count(*) FROM leads").fetchone() == (0,)  # a client

    # /stop: nothing more is sent, and the Telegram consent is revoked on record.
    await bot.say("/stop")
    assert bot.replies()[-1].startswith("Хорошо, больше не будем присылать")
    postgresql.commit()
    assert postgresql.execute(
        "SELECT blocked_at IS NOT NULL FROM telegram_accounts WHERE telegram_user_id = %s",
        (TG_USER,),
    ).fetchone() == (True,)
    assert postgresql.execute(
        "SELECT consent_type, granted, source FROM consents WHERE user_id = %s ORDER BY created_at",
        (user_id,),
    ).fetchall() == [("telegram", True, "telegram"), ("telegram", False, "telegram")]

    # /start again lifts the stop.
    await bot.say("/start")
    postgresql.commit()
    assert postgresql.execute(
        "SELECT blocked_at FROM telegram_accounts WHERE telegram_user_id = %s", (TG_USER,)
    ).fetchone() == (None,)


async def test_help_and_free_text_get_the_command_list(bot: Bot) -> None:
    await bot.say("/help")
    await bot.say("Мне тревожно, что делать?")
    replies = bot.replies()
    assert len(replies) == 2
    assert all("/book — записаться на консультацию" in reply for reply in replies)


async def test_the_webhook_refuses_calls_without_the_secret(bot: Bot) -> None:
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0,
              "chat": {"id": CHAT, "type": "private"}, "text": "/help"}}  # fmt: skip
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}):
        answer = await bot.client.post("/webhooks/telegram", json=update, headers=headers)
        assert answer.status_code == 403
        assert answer.json()["code"] == "forbidden"
    assert bot.api.requests == []


async def test_a_redelivered_update_is_handled_once(bot: Bot) -> None:
    first = await bot.say("/help", update_id=777)
    again = await bot.say("/help", update_id=777)
    assert (first.json(), again.json()) == ({"status": "handled"}, {"status": "duplicate"})
    assert len(bot.replies()) == 1


async def test_an_update_delivered_to_two_replicas_at_once_is_handled_once(bot: Bot) -> None:
    """Two API replicas (each its own core, pool and dispatcher) over one database:
    the update's id is claimed in the database, so only one of them answers."""
    core = build_core(bot.settings, clock=FixedClock())
    assert core.telegram_bot is not None
    other_api = RecordingSession()
    core.telegram_bot.session = other_api
    update = {
        "update_id": 778,
        "message": {
            "message_id": 1, "date": 1_790_000_000, "text": "/help",
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }  # fmt: skip
    async with AsyncTestClient(app=create_app(bot.settings, core=core)) as other:
        answers = await asyncio.gather(
            bot.client.post("/webhooks/telegram", json=update, headers=HEADERS),
            other.post("/webhooks/telegram", json=update, headers=HEADERS),
        )
    assert sorted(answer.json()["status"] for answer in answers) == ["duplicate", "handled"]
    replies = [
        r for r in (*bot.api.requests, *other_api.requests) if type(r).__name__ == "SendMessage"
    ]
    assert len(replies) == 1


async def test_a_body_that_is_not_an_update_is_a_problem(bot: Bot) -> None:
    for body in (b"not json", b"[]", b'{"update_id": "x"}'):
        answer = await bot.client.post("/webhooks/telegram", content=body, headers=HEADERS)
        assert answer.status_code == 422, answer.text
    assert bot.api.requests == []


async def test_without_a_bot_there_is_no_telegram_webhook(database_url: str) -> None:
    app = create_app(make_settings(database_url))
    async with AsyncTestClient(app=app) as client:
        answer = await client.post("/webhooks/telegram", json={"update_id": 1}, headers=HEADERS)
        assert answer.status_code in (404, 405)


async def test_set_webhook_registers_the_url_with_the_secret(bot: Bot) -> None:
    assert bot.core.telegram is not None
    url = await bot.core.telegram.register("https://balance.example.org")
    assert url == "https://balance.example.org/webhooks/telegram"
    [request] = bot.api.requests
    assert type(request).__name__ == "SetWebhook"
    assert (request.url, request.secret_token) == (url, SECRET)  # type: ignore[attr-defined]
    assert request.allowed_updates == ["message", "callback_query"]  # type: ignore[attr-defined]


def test_the_bot_commands_need_a_token(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    for argv in (["bot"], ["telegram", "set-webhook"]):
        assert main(argv) == 2
        assert "configuration error: TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


async def test_a_stale_button_is_answered_politely(bot: Bot) -> None:
    assert (await bot.press("survey:q1:expired")).status_code == 200
    [request] = bot.api.requests
    assert type(request).__name__ == "AnswerCallbackQuery"
    assert request.text.startswith("Эта кнопка уже не работает")  # type: ignore[attr-defined]


async def test_a_stranger_is_one_lead_however_often_they_start(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    await bot.say("/start")
    await bot.press("consent:no")
    assert bot.replies()[-1].startswith("Хорошо, больше не будем присылать")
    await bot.say("/start")  # asked again: they said no last time
    assert bot.replies()[-1].startswith("Можно присылать")
    await bot.press("consent:yes")
    postgresql.commit()
    assert postgresql.execute(
        """SELECT count(DISTINCT l.id), count(e.id) FROM leads l
           JOIN lead_timeline_events e ON e.lead_id = l.id"""
    ).fetchone() == (1, 2)
    assert postgresql.execute(
        """SELECT c.granted FROM consents c JOIN telegram_accounts a ON a.lead_id = c.lead_id
           WHERE c.consent_type = 'telegram' ORDER BY c.created_at"""
    ).fetchall() == [(False,), (True,)]


async def test_a_consent_answer_from_someone_who_never_started_gets_the_welcome(
    bot: Bot,
) -> None:
    await bot.press("consent:yes")
    assert bot.replies()[-1].startswith("Здравствуйте! Это бот практики")


async def test_a_link_made_for_a_lead_joins_that_lead(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    lead_id = postgresql.execute(
        "INSERT INTO leads (source, display_name) VALUES ('web_form', 'Анна') RETURNING id"
    ).fetchone()[0]  # type: ignore[index]
    postgresql.commit()
    code = await bot.deep_link("plan", {}, lead_id=lead_id)
    await bot.say(f"/start {code}")
    postgresql.commit()
    assert postgresql.execute("SELECT lead_id FROM telegram_accounts").fetchall() == [(lead_id,)]
    assert postgresql.execute("SELECT count(*) FROM leads").fetchone() == (1,)
    assert postgresql.execute(
        "SELECT lead_id, event_type, props FROM lead_timeline_events"
    ).fetchall() == [(lead_id, "telegram.started", {"purpose": "plan"})]


async def test_a_client_links_telegram_through_a_deep_link_from_the_api(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    anna = {"Authorization": f"Bearer {signed_in(postgresql, 'client', 'anna@example.org')}"}
    made = await bot.client.post(
        "/api/v1/deep-links", json={"purpose": "link_account"}, headers=anna
    )
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["url"] == f"https://t.me/balance_test_bot?start={link['code']}"
    assert made.headers["cache-control"] == "no-store"
    await bot.say(f"/start {link['code']}")
    assert bot.replies()[0].startswith("Почти готово")
    confirmed = await bot.client.post(
        f"/api/v1/me/telegram-link/{link['code']}/confirm", headers=anna
    )
    assert confirmed.status_code == 200, confirmed.text
    postgresql.commit()
    assert postgresql.execute(
        "SELECT telegram_user_id FROM users WHERE email = 'anna@example.org'"
    ).fetchone() == (TG_USER,)


async def test_deep_link_creation_refuses_what_it_should(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    client = {"Authorization": f"Bearer {signed_in(postgresql, 'client')}"}
    owner = {"Authorization": f"Bearer {signed_in(postgresql, 'owner')}"}
    cases = [
        ({"purpose": "plan"}, {}, 401, "authentication_failed"),
        ({"purpose": "campaign"}, client, 403, "forbidden"),
        ({"purpose": "phishing"}, client, 422, "validation_failed"),
        ({"purpose": "plan", "payload": {"email": "a@b.ru"}}, client, 422, "validation_failed"),
        ({"purpose": "plan", "payload": {f"k{i}": i for i in range(21)}}, owner, 422,
         "validation_failed"),
    ]  # fmt: skip
    for body, headers, status, code in cases:
        answer = await bot.client.post("/api/v1/deep-links", json=body, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
    campaign = await bot.client.post(
        "/api/v1/deep-links",
        json={"purpose": "campaign", "payload": {"campaign": "spring"}},
        headers=owner,
    )
    assert campaign.status_code == 201
    postgresql.commit()
    assert postgresql.execute("SELECT purpose, user_id FROM deep_links").fetchall() == [
        ("campaign", None)
    ]


async def test_crisis_words_get_the_crisis_resources_and_only_a_flag_is_kept(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    await bot.say("/start")
    await bot.say("Я больше не хочу жить, всё бессмысленно")
    reply = bot.replies()[-1]
    assert reply.startswith("Если вам сейчас очень тяжело")
    assert "Единый номер экстренных служб: 112" in reply
    assert "8 800 2000-122" in reply
    postgresql.commit()
    rows = postgresql.execute(
        "SELECT event_name, props::text FROM analytics_events ORDER BY id"
    ).fetchall()
    assert rows == [
        ("telegram.started", '{"purpose": null}'),
        ("bot.crisis_flag", '{"channel": "telegram"}'),
    ]


async def test_my_and_cancel_need_a_linked_account(bot: Bot) -> None:
    await bot.say("/my")
    assert bot.replies()[-1].startswith("Чтобы видеть свои записи здесь, свяжите Telegram")
    await bot.say("/book")
    assert bot.replies()[-1].startswith("Записаться можно на сайте: http://127.0.0.1:8000/")
    for data in (
        "cancel:not-a-uuid",
        "cancel:6f1c0c55-2f0e-4c1b-9a57-2b9d7f0a1e11",
        "book:nothing",
        "slot:6f1c0c55-2f0e-4c1b-9a57-2b9d7f0a1e11:abc",
    ):
        await bot.press(data)
        assert bot.replies()[-1].startswith("Эта запись уже изменилась")
