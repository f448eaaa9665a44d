"""The booking concierge end to end over PostgreSQL: the guided flow through HTTP to a
real hold, the model's flow through the real adapter (ChatOpenAI) against the local
OpenAI-compatible stub (tool calls, the interrupt, the confirmation), and the bot's
guided buttons through the real aiogram dispatcher to a hold.

The platform's consent, gate and checkpointer are stood in for here (a consent that
says yes, a gate that admits, LangGraph's InMemorySaver): the composition takes them
as parameters."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.application.assistants.ports import FixedCheckpoints
from app.bootstrap import build_core, create_app
from app.composition import root
from tests.conftest import FixedClock, make_settings
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in
from tests.e2e.test_llm_stub import (  # noqa: F401
    Captured,
    Provider,
    Reply,
    captured_logs,
    completion,
    provider,
)
from tests.e2e.test_telegram_notifications import grant, link_anna
from tests.telegram_api import TOKEN, RecordingSession

URL = "/api/v1/assistant/booking"
NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)  # Monday, 09:00 in Moscow
THURSDAY_17 = datetime(2030, 6, 6, 14, 0, tzinfo=UTC)  # 17:00 Moscow: the last start
SECRET = "s3cret-webhook-token-0123456789"
TG_USER = CHAT = 515151
CONSENTS = [{"consent_type": "personal_data", "granted": True, "document_version": "2026-01"}]
update_ids = itertools.count(700)


class Consent:
    granted_to_all = True

    async def granted(self, user_id: Any) -> bool:
        return self.granted_to_all


class OpenGate:
    async def admit(self, caller: str) -> None:
        return None

    async def spend(self, tokens: int) -> None:
        return None


@dataclass
class Practice:
    client: AsyncTestClient[Litestar]
    api: RecordingSession
    owner: dict[str, str]
    anna: dict[str, str]
    consent: Consent

    async def offer(self, *weekdays: int) -> None:
        """A published one-hour hybrid consultation, 09:00–18:00 Moscow time on ``weekdays``."""
        created = await self.client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "hybrid",
                  "duration_minutes": 60, "price": "3500.00", "deposit": "1000.00",
                  "status": "published"},
            headers=self.owner,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        for weekday in weekdays:
            rule = await self.client.post(
                "/api/v1/admin/schedule-rules",
                json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
                      "timezone": "Europe/Moscow"},
                headers=self.owner,
            )  # fmt: skip
            assert rule.status_code < 300, rule.text

    async def ask(self, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        answer = await self.client.post(URL, json=body, headers=self.anna)
        assert answer.status_code == status, answer.text
        return dict(answer.json())

    async def _update(self, payload: dict[str, Any]) -> None:
        answer = await self.client.post(
            "/webhooks/telegram", json={"update_id": next(update_ids), **payload},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text

    async def command(self, text: str) -> None:
        await self._update({"message": {
            "message_id": 1, "date": 1_790_000_000, "text": text,
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна"},
            "entities": [{"type": "bot_command", "offset": 0,
                          "length": len(text.split(maxsplit=1)[0])}]}})  # fmt: skip

    async def press(self, data: str) -> None:
        await self._update({"callback_query": {
            "id": "cb", "chat_instance": "ci", "data": data,
            "from": {"id": TG_USER, "is_bot": False, "first_name": "Анна"},
            "message": {"message_id": 2, "date": 1_790_000_000, "text": "?",
                        "chat": {"id": CHAT, "type": "private"}}}})  # fmt: skip

    def texts(self) -> list[str]:
        return [r.text for r in self.api.requests if type(r).__name__ == "SendMessage"]  # type: ignore[attr-defined]

    def last_buttons(self) -> list[tuple[str, str]]:
        sent = [r for r in self.api.requests if getattr(r, "reply_markup", None) is not None]
        markup = sent[-1].reply_markup  # type: ignore[attr-defined]
        return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]


@pytest.fixture
async def practice(
    database_url: str,
    postgresql: psycopg.Connection[Any],
    provider: Provider,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Practice]:
    settings = make_settings(
        database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET,
        LLM_PROVIDER="openai", LLM_BASE_URL=provider.base_url, LLM_API_KEY="sk-stub",
        LLM_MODEL="balance-chat", LLM_TIMEOUT_SECONDS="30",
    )  # fmt: skip
    consent = Consent()
    build = root.build_assistants

    def with_platform(*args: Any, **kwargs: Any) -> Any:
        return build(
            *args, ai_consent=consent, model_gate=OpenGate(), checkpointer=FixedCheckpoints(InMemorySaver()),
            **kwargs,
        )  # fmt: skip

    monkeypatch.setattr(root, "build_assistants", with_platform)
    core = build_core(settings, clock=FixedClock(NOW))
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = link_anna(postgresql)
    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        yield Practice(client, api, owner, anna, consent)


def tool_call(name: str, args: dict[str, Any], call_id: str = "call_1") -> Reply:
    message = {
        "role": "assistant", "content": None,
        "tool_calls": [{"id": call_id, "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args)}}],
    }  # fmt: skip
    return Reply(body=completion(message, finish="tool_calls"))


def appointments(db: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    db.commit()
    return db.execute(
        "SELECT status, start_at, format, metadata FROM appointments ORDER BY start_at"
    ).fetchall()


async def test_the_guided_flow_goes_from_services_to_a_real_hold(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    await practice.offer(4)  # Thursdays
    services = await practice.ask({})
    assert (services["mode"], services["step"]) == ("guided", "service")
    assert [s["slug"] for s in services["services"]] == ["konsultatsiya"]

    days = await practice.ask({"service": "konsultatsiya"})
    assert days["step"] == "day"
    assert [d["date"] for d in days["days"]] == ["2030-06-06", "2030-06-13"]
    assert days["days"][0]["free_slots"] == 17  # 09:00 … 17:00, every half hour

    times = await practice.ask({"service": "konsultatsiya", "date": "2030-06-06"})
    assert times["slots"][-1]["start"] == "2030-06-06T14:00:00Z"

    start = "2030-06-06T17:00:00+03:00"
    proposal = await practice.ask({"service": "konsultatsiya", "date": "2030-06-06",
                                   "start": start})  # fmt: skip
    assert proposal["step"] == "confirm"
    assert proposal["proposal"]["pay_now"] == "1000.00"
    assert proposal["proposal"]["formats"] == ["online", "offline"]
    assert appointments(postgresql) == []  # a proposal holds nothing

    confirm = {"service": "konsultatsiya", "start": start, "format": "offline",
               "timezone": "Europe/Moscow", "consents": CONSENTS}  # fmt: skip
    held = await practice.ask({"confirm": confirm})
    assert (held["mode"], held["step"]) == ("guided", "held")
    assert held["held"]["next_step"] == "pay"
    assert "/api/v1/sandbox/payments/" in held["held"]["payment_url"]
    assert appointments(postgresql) == [
        ("pending_payment", THURSDAY_17, "offline",
         {"source": "api", "assistant": "concierge"}),
    ]  # fmt: skip

    again = await practice.ask({"confirm": confirm}, status=409)
    assert again["code"] == "slot_unavailable"


async def test_strict_input_and_a_signed_in_client_only(practice: Practice) -> None:
    unknown = await practice.ask({"servise": "konsultatsiya"}, status=422)
    assert unknown["code"] == "validation_failed"
    both = await practice.ask({"service": "konsultatsiya", "message": "хочу"}, status=422)
    assert both["code"] == "validation_failed"
    anonymous = await practice.client.post(URL, json={})
    assert anonymous.status_code == 401


async def test_the_model_finds_and_proposes_and_the_client_confirms_the_hold(
    practice: Practice,
    provider: Provider,  # noqa: F811
    postgresql: psycopg.Connection[Any],
    captured_logs: Captured,  # noqa: F811
) -> None:
    await practice.offer(4)
    slot = f"konsultatsiya@{int(THURSDAY_17.timestamp())}"
    provider.replies += [
        tool_call("find_free_slots", {"service": "konsultatsiya", "date_from": "четверг",
                                      "part_of_day": "evening", "format": "online"}),
        tool_call("propose_slot", {"slot_id": slot}, "call_2"),
    ]  # fmt: skip
    proposed = await practice.ask({"message": "хочу онлайн в четверг вечером"})
    assert (proposed["mode"], proposed["step"]) == ("assistant", "confirm")
    assert proposed["proposal"]["start"] == "2030-06-06T14:00:00Z"
    assert proposed["proposal"]["formats"] == ["online"]
    thread = proposed["thread_id"]
    assert appointments(postgresql) == []  # waiting for the client

    found = provider.requests[1]["messages"][-1]  # the tool's answer sent back
    assert found["role"] == "tool"
    assert json.loads(found["content"])[0]["slot_id"] == slot  # evening only: 17:00
    assert {t["function"]["name"] for t in provider.requests[0]["tools"]} == {
        "list_services", "find_free_slots", "propose_slot"
    }  # fmt: skip

    held = await practice.ask(
        {"confirm": {"thread_id": thread, "timezone": "Europe/Moscow", "consents": CONSENTS}}
    )
    assert (held["mode"], held["step"]) == ("assistant", "held")
    assert held["held"]["service_title"] == "Консультация"
    assert appointments(postgresql) == [
        ("pending_payment", THURSDAY_17, "online", {"source": "api", "assistant": "concierge"}),
    ]  # fmt: skip
    assert len(provider.requests) == 2  # the confirmation called no model

    nothing = await practice.ask({"confirm": {"thread_id": thread}}, status=409)
    assert nothing["code"] == "invalid_state"
    assert captured_logs.lines  # the logs were read …
    assert not [line for line in captured_logs.lines if "четверг вечером" in line]  # … no text


async def test_a_failing_provider_or_no_consent_gets_the_guided_flow(
    practice: Practice,
    provider: Provider,  # noqa: F811
    captured_logs: Captured,  # noqa: F811
) -> None:
    await practice.offer(4)
    # No scripted reply: the stub answers 500 to the try and its retries.
    failed = await practice.ask({"message": "хочу онлайн в четверг вечером"})
    assert (failed["mode"], failed["step"], failed["guided_reason"]) == (
        "guided", "service", "model_error"
    )  # fmt: skip
    assert failed["services"][0]["slug"] == "konsultatsiya"
    failures = [line for line in captured_logs.lines if "concierge_model_failed" in line]
    assert failures  # logged with the error's type …
    assert not [line for line in captured_logs.lines if "четверг вечером" in line]  # … only
    asked = len(provider.requests)

    practice.consent.granted_to_all = False
    refused = await practice.ask({"message": "хочу онлайн в четверг вечером"})
    assert refused["guided_reason"] == "no_consent"
    assert len(provider.requests) == asked  # not sent


async def test_crisis_words_get_the_resources_a_flag_and_a_staff_alert_event(
    practice: Practice,
    provider: Provider,  # noqa: F811
    postgresql: psycopg.Connection[Any],
) -> None:
    answer = await practice.ask({"message": "не хочу жить, запишите к психологу"})
    assert (answer["mode"], answer["step"]) == ("crisis", "crisis")
    assert answer["crisis_resources"] is not None
    assert provider.requests == []
    postgresql.commit()
    assert postgresql.execute(
        "SELECT props FROM analytics_events WHERE event_name = 'assistant.crisis_flag'"
    ).fetchall() == [({"channel": "api"},)]
    assert postgresql.execute(
        "SELECT count(*) FROM outbox_events WHERE event_type = 'assistants.crisis_signalled'"
    ).fetchone() == (1,)


async def test_the_bot_walks_service_day_time_and_holds_on_confirm(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    grant(postgresql, "telegram")
    await practice.offer(4)
    await practice.command("/pick")
    assert practice.texts()[-1].startswith("Подберём время консультации")
    [(title, service)] = practice.last_buttons()
    assert title == "Консультация"

    await practice.press(service)
    assert practice.texts()[-1].startswith("Дни со свободным временем")
    days = dict(practice.last_buttons())
    assert list(days) == ["чт 06.06", "чт 13.06"]

    await practice.press(days["чт 06.06"])
    assert practice.texts()[-1].startswith("Свободное время 06.06")
    times = dict(practice.last_buttons())
    await practice.press(times["06.06 17:00"])
    assert practice.texts()[-1].startswith("Консультация, 06.06.2030 17:00")
    assert "Придержать это время?" in practice.texts()[-1]
    assert appointments(postgresql) == []  # nothing before the confirmation

    buttons = dict(practice.last_buttons())
    await practice.press(buttons["Придержать"])
    held = practice.texts()[-1]
    assert held.startswith("Время придержано: Консультация, 06.06.2030 17:00")
    assert "/api/v1/sandbox/payments/" in held
    assert appointments(postgresql) == [
        ("pending_payment", THURSDAY_17, "online",
         {"source": "telegram", "assistant": "concierge"}),
    ]  # fmt: skip

    await practice.press(buttons["Придержать"])  # the same time again: taken now
    assert practice.texts()[-1].startswith("Это время уже заняли")


async def test_the_bot_passes_words_after_pick_to_the_concierge(
    practice: Practice,
    provider: Provider,  # noqa: F811
) -> None:
    await practice.offer(4)
    slot = f"konsultatsiya@{int(THURSDAY_17.timestamp())}"
    provider.replies += [
        tool_call("find_free_slots", {"service": "konsultatsiya", "date_from": "четверг",
                                      "part_of_day": "evening"}),
        tool_call("propose_slot", {"slot_id": slot}, "call_2"),
    ]  # fmt: skip
    await practice.command("/pick хочу в четверг вечером")
    assert practice.texts()[-1].startswith("Консультация, 06.06.2030 17:00")
    labels = [label for label, _ in practice.last_buttons()]
    assert labels == ["Придержать", "Другое время"]
    await practice.press(practice.last_buttons()[1][1])  # «Другое время»: nothing held
    assert practice.texts()[-1].startswith("Хорошо, это время не придерживаю")


async def test_a_reply_to_the_concierge_goes_to_it_and_other_text_does_not(
    practice: Practice,
) -> None:
    await practice.offer(4)
    bot = {"id": 4242, "is_bot": True, "first_name": "Баланс"}
    sender = {"id": TG_USER, "is_bot": False, "first_name": "Анна"}
    chat = {"id": CHAT, "type": "private"}
    concierge_buttons = {"inline_keyboard": [[{"text": "Консультация",
                                               "callback_data": "cg:s:1"}]]}  # fmt: skip
    await practice._update({"message": {
        "message_id": 3, "date": 1_790_000_000, "text": "хочу в четверг", "chat": chat,
        "from": sender,
        "reply_to_message": {"message_id": 2, "date": 1_790_000_000, "chat": chat,
                             "from": bot, "text": "Подберём время консультации.",
                             "reply_markup": concierge_buttons}}})  # fmt: skip
    # The stub has no reply scripted (the provider fails): the guided flow answers.
    assert practice.texts()[-1].startswith("Сейчас работает пошаговый подбор")
    assert [label for label, _ in practice.last_buttons()] == ["Консультация"]

    # A reply to another message of the bot (a reminder, a payment notice) is not the
    # concierge's: it reaches no model and gets the ordinary answer to free text.
    asked = len(practice.provider.requests) if hasattr(practice, "provider") else None
    await practice._update({"message": {
        "message_id": 5, "date": 1_790_000_000, "text": "не смогу, заболел", "chat": chat,
        "from": sender,
        "reply_to_message": {"message_id": 1, "date": 1_790_000_000, "chat": chat,
                             "from": bot, "text": "Напоминание: консультация завтра."}}})  # fmt: skip
    assert "/book — записаться на консультацию" in practice.texts()[-1]
    if asked is not None:
        assert len(practice.provider.requests) == asked

    await practice._update({"message": {
        "message_id": 4, "date": 1_790_000_000, "text": "хочу в четверг", "chat": chat,
        "from": sender}})  # fmt: skip
    assert "/book — записаться на консультацию" in practice.texts()[-1]  # the command list
