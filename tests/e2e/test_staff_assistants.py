"""The staff assistants over HTTP and real PostgreSQL: who may use them, 503 without a
model, and both end to end through the OpenAI-compatible stub (the real adapter): an
editor's draft lands as an assisted draft nobody outside the staff sees; the topic
analyst sends the provider suppressed counts only, never a question's words."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from psycopg.types.json import Jsonb

from app.bootstrap import build_core, create_app
from app.composition.root import Core
from app.composition.staff_assistants import build_staff_assistants
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
from tests.integration import rows
from tests.unit.assistants.fakes import recording

DRAFTS = "/api/v1/admin/assistant/drafts"
SUMMARY = "/api/v1/admin/assistant/topic-summary"
BRIEF = {
    "topic": "anxiety",
    "audience": "взрослые, которые впервые думают о психологе",
    "key_points": ["тревога — нормальная реакция", "дыхание помогает замедлиться"],
}
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)  # Wednesday of 2030-W24 (Moscow)
WEEK = "2030-W24"
IN_WEEK = datetime(2030, 6, 11, 8, 0, tzinfo=UTC)
PHRASE = "фиолетовый жираф шепчет"
DRAFT_TEXT = "# Когда тревога мешает жить\n\nТревога — естественная реакция на неизвестность."
SUMMARY_TEXT = "Больше всего вопросов было о тревоге; статьи о сне читали чаще прочих."


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def staff(db: psycopg.Connection[Any], role: str, now: datetime = NOW) -> dict[str, str]:
    return bearer(signed_in(db, role, now=now))


async def test_roles_and_no_model(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    person, editor, owner = (staff(postgresql, r) for r in ("client", "editor", "owner"))
    assert (await client.post(DRAFTS, json=BRIEF)).status_code == 401
    for path, body in ((DRAFTS, BRIEF), (SUMMARY, {})):
        refused = await client.post(path, json=body, headers=person)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    analyst = await client.post(SUMMARY, json={}, headers=editor)
    assert (analyst.status_code, analyst.json()["code"]) == (403, "forbidden")
    # Allowed, but LLM_PROVIDER=off: a clear 503.
    for path, body, who in ((DRAFTS, BRIEF, editor), (DRAFTS, BRIEF, owner), (SUMMARY, {}, owner)):
        off = await client.post(path, json=body, headers=who)
        assert off.status_code == 503, off.text
        assert off.json()["code"] == "assistant_unavailable"
        assert "LLM_PROVIDER=off" in off.json()["detail"]
    unknown = await client.post(DRAFTS, json={**BRIEF, "publish": True}, headers=editor)
    assert unknown.status_code == 422
    bad_week = await client.post(SUMMARY, json={"week": "June"}, headers=owner)
    assert bad_week.status_code == 422
    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM content_items").fetchone() == (0,)


@pytest.fixture
async def model_client(
    database_url: str,
    provider: Provider,  # noqa: F811
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = make_settings(
        database_url, LLM_PROVIDER="openai", LLM_BASE_URL=provider.base_url,
        LLM_API_KEY="sk-stub", LLM_MODEL="balance-chat", LLM_TIMEOUT_SECONDS="30",
    )  # fmt: skip
    clock = FixedClock(NOW)
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as client:
        client.clock = clock  # type: ignore[attr-defined]
        yield client


def answer(text: str) -> Reply:
    return Reply(body=completion({"role": "assistant", "content": text}))


async def test_an_editors_draft_through_the_stub_is_an_assisted_draft_only_staff_see(
    model_client: AsyncTestClient[Litestar],
    provider: Provider,  # noqa: F811
    postgresql: psycopg.Connection[Any],
    captured_logs: Captured,  # noqa: F811
) -> None:
    editor = staff(postgresql, "editor")
    provider.replies.append(answer(DRAFT_TEXT))
    made = await model_client.post(DRAFTS, json=BRIEF, headers=editor)
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    draft = made.json()
    assert draft["status"] == "draft"
    assert draft["type"] == "article"
    assert draft["title"] == "Когда тревога мешает жить"
    assert draft["assisted_by"] == "editor_drafts"
    assert draft["api_url"] == f"/api/v1/admin/content/{draft['id']}"
    assert draft["console_url"] == f"/console/content/{draft['id']}"

    item = (await model_client.get(draft["api_url"], headers=editor)).json()
    assert (item["status"], item["topics"]) == ("draft", ["anxiety"])
    assert item["body_markdown"] == "Тревога — естественная реакция на неизвестность."
    versions = (await model_client.get(draft["api_url"] + "/versions", headers=editor)).json()
    assert [v["assisted_by"] for v in versions["items"]] == ["editor_drafts"]
    public = await model_client.get(f"/api/v1/content/article/{draft['slug']}")
    assert public.status_code == 404
    listed = (await model_client.get("/api/v1/content", params={"topic": "anxiety"})).json()
    assert draft["id"] not in [i["id"] for i in listed["items"]]
    postgresql.commit()
    audit = postgresql.execute(
        "SELECT actor_role, details FROM audit_log_entries WHERE action = 'content.create' "
        "AND entity_id = %s",
        (draft["id"],),
    ).fetchone()
    assert audit is not None
    assert audit[0] == "editor"
    assert audit[1]["assisted_by"] == "editor_drafts"

    (sent,) = provider.requests
    assert sent["model"] == "balance-chat"
    system, user = sent["messages"]
    assert system["role"] == "system"
    assert "диагноз" in system["content"]
    assert "Тема: Тревога" in user["content"]
    assert "дыхание помогает замедлиться" in user["content"]

    # A draft that reads as a promise is refused and nothing more is saved.
    provider.replies.append(answer("# Тревога\n\nГарантирую, что всё пройдёт за неделю."))
    refused = await model_client.post(DRAFTS, json=BRIEF, headers=editor)
    assert refused.status_code == 422
    assert refused.json()["code"] == "assistant_draft_refused"
    assert "Гарантирую" not in refused.text
    assert postgresql.execute("SELECT count(*) FROM content_items").fetchone() == (1,)

    # The provider failing (every try): 503, nothing saved.
    failed = await model_client.post(DRAFTS, json=BRIEF, headers=editor)
    assert (failed.status_code, failed.json()["code"]) == (503, "assistant_unavailable")
    assert postgresql.execute("SELECT count(*) FROM content_items").fetchone() == (1,)
    # Neither the brief nor a draft reached the logs.
    logged = "\n".join(captured_logs.lines)
    assert captured_logs.lines
    assert "дыхание помогает замедлиться" not in logged
    assert "естественная реакция" not in logged
    assert "Гарантирую" not in logged


async def ask(client: AsyncTestClient[Litestar], text: str, topic: str | None) -> None:
    body = {"text": text, **({"topic": topic} if topic else {})}
    asked = await client.post("/api/v1/questions", json=body)
    assert asked.status_code == 202, asked.text


def seed_week(db: psycopg.Connection[Any], encrypt: Any) -> None:
    """Runs of a self-check (six moderate in plaintext as before 0035, two high sealed),
    article reads (seven of an anxiety article, three of a sleep one), and data outside
    the week that must not count."""
    definition, version = rows.interactive(db, "trevoga-check")
    for band, count in (("moderate", 6), ("high", 2)):
        for _ in range(count):
            run_id = uuid.uuid4()
            sealed = band == "high"
            db.execute(
                """INSERT INTO interactive_runs (id, definition_id, version_id, anonymous_id,
                       started_at, status, completed_at, result_level, result_encrypted)
                   VALUES (%s, %s, %s, 'visitor-123456', %s, 'completed', %s, %s, %s)""",
                (run_id, definition, version, IN_WEEK, IN_WEEK + timedelta(minutes=2),
                 None if sealed else band,
                 encrypt(json.dumps({"level": band, "profile": None, "crisis": False}),
                         f"interactive_runs.result_encrypted:{run_id}") if sealed else None),
            )  # fmt: skip
    article = rows.content_item(db, "o-trevoge", status="published")
    night = rows.content_item(db, "o-sne", status="published")
    for item, topic in ((article, "anxiety"), (night, "sleep")):
        db.execute(
            """INSERT INTO content_item_topics (content_item_id, topic_id)
               SELECT %s, id FROM topics WHERE code = %s""",
            (item, topic),
        )
    for slug, count, at in (("o-trevoge", 7, IN_WEEK), ("o-sne", 3, IN_WEEK),
                            ("o-trevoge", 9, IN_WEEK - timedelta(days=8))):  # fmt: skip
        for _ in range(count):
            db.execute(
                "INSERT INTO analytics_events (event_name, occurred_at, props) "
                "VALUES ('content.viewed', %s, %s)",
                (at, Jsonb({"slug": slug})),
            )
    db.commit()


async def test_the_topic_analyst_through_the_stub_sends_suppressed_counts_only(
    model_client: AsyncTestClient[Litestar],
    provider: Provider,  # noqa: F811
    postgresql: psycopg.Connection[Any],
    captured_logs: Captured,  # noqa: F811
) -> None:
    owner = staff(postgresql, "owner")
    for n in range(6):
        await ask(model_client, f"{PHRASE} номер {n}: как справиться с тревогой?", "anxiety")
    await ask(model_client, f"{PHRASE}: плохо сплю, что делать?", "sleep")
    await ask(model_client, f"{PHRASE}: я не хочу жить", None)  # a crisis flag
    from app.adapters.crypto.aesgcm import AesGcmCipher, Keyring  # noqa: PLC0415
    from tests.conftest import TEST_KEYRING  # noqa: PLC0415

    seed_week(postgresql, AesGcmCipher(Keyring.parse(TEST_KEYRING)).encrypt)
    provider.replies.append(answer(SUMMARY_TEXT))
    model_client.clock.advance(days=7)  # type: ignore[attr-defined] # only a finished week
    owner = staff(postgresql, "owner", NOW + timedelta(days=7))
    made = await model_client.post(SUMMARY, json={"week": WEEK}, headers=owner)
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["week"], body["date_from"], body["date_to"]) == (
        WEEK, "2030-06-10", "2030-06-16"
    )  # fmt: skip
    assert body["summary"] == SUMMARY_TEXT
    table = body["aggregates"]
    assert [(r["topic"], r["count"]) for r in table["questions"]] == [
        ("anxiety", 6), ("sleep", "<5"), (None, "<5"),
    ]  # fmt: skip
    assert [(r["self_check"], r["band"], r["count"]) for r in table["self_check_bands"]] == [
        ("trevoga-check", "moderate", 6), ("trevoga-check", "high", "<5"),
    ]  # fmt: skip
    assert [(r["topic"], r["flag"], r["count"]) for r in table["moderation_flags"]] == [
        (None, "crisis", "<5")
    ]
    assert [(r["topic"], r["count"]) for r in table["article_reads"]] == [
        ("anxiety", 7), ("sleep", "<5"),
    ]  # fmt: skip

    (sent,) = provider.requests
    prompt = "\n".join(str(m["content"]) for m in sent["messages"])
    assert PHRASE not in prompt
    assert "жить" not in prompt.split("Неделя")[1]  # no question text in the table
    shown = re.findall(r"^- .*: (\S+)$", prompt, flags=re.MULTILINE)
    assert shown == ["6", "<5", "<5", "6", "<5", "<5", "7", "<5"]
    assert not {"1", "2", "3", "4"} & set(shown)
    assert "@" not in prompt
    assert "visitor-123456" not in prompt
    logged = "\n".join(captured_logs.lines)
    assert PHRASE not in logged
    assert SUMMARY_TEXT not in logged


async def test_the_analysts_graph_with_a_fake_model_sees_no_question_text(
    core: Core,
    client: AsyncTestClient[Litestar],
    postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:
    for n in range(3):
        await ask(client, f"{PHRASE} {n}", "burnout")
    model = recording(SUMMARY_TEXT)
    staff_assistants = build_staff_assistants(core.infrastructure, core.content,
                                              "Europe/Moscow", model=model)  # fmt: skip
    owner_id = rows.user(postgresql)
    postgresql.commit()
    from app.application.access import Principal  # noqa: PLC0415
    from app.domain.identity.model import Role  # noqa: PLC0415

    owner = Principal(owner_id, uuid.uuid4(), frozenset({Role.OWNER}))
    clock.advance(days=7)  # only a finished week is summarised
    result = await staff_assistants.topic_analyst.summary(owner, WEEK)
    assert [(r.topic, r.count) for r in result.aggregates.questions] == [("burnout", "<5")]
    sent = model.sent_text()
    assert "Выгорание: <5" in sent
    assert PHRASE not in sent
    assert not re.search(r"^- .*: [1-4]$", sent, flags=re.MULTILINE)
