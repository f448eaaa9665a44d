"""Self-checks end to end: an editor publishes a quiz, a visitor takes it anonymously,
gets a result with recommendations (and crisis resources when the rule fires), signs
in and claims the run. Answers are never kept: not in any table, not in the logs."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from psycopg import sql

from app.adapters.crypto.aesgcm import AesGcmCipher, Keyring
from app.adapters.observability.logging import configure_logging
from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import TEST_KEYRING, FixedClock, make_settings
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in
from tests.integration import rows
from tests.telegram_api import TOKEN

ADMIN = "/api/v1/admin/interactives"
VISITOR = "visitor-7f3a9c2e1b"
CIPHER = AesGcmCipher(Keyring.parse(TEST_KEYRING))
# Option ids no other table could hold: if one shows up outside the version's config,
# an answer leaked.
OPTIONS = [
    {"id": "ans_never_x41", "label": "Никогда", "value": 0},
    {"id": "ans_some_x42", "label": "Иногда", "value": 1},
    {"id": "ans_often_x43", "label": "Часто", "value": 2},
    {"id": "ans_always_x44", "label": "Почти всегда", "value": 3},
]
CONFIG: dict[str, Any] = {
    "questions": [
        {"id": f"q{n}", "text": f"Вопрос {n}", "kind": "single", "options": OPTIONS}
        for n in (1, 2, 3)
    ],
    "scoring": {
        "kind": "sum",
        "bands": [
            {"level": "low", "min": 0, "max": 4},
            {"level": "moderate", "min": 4, "max": 7},
            {"level": "high", "min": 7},
        ],
    },
    "crisis": {"any": [{"question": "q3", "options": ["ans_always_x44"]}]},
    "recommendations": {
        "moderate": {"content": ["kak-spravitsya-s-trevogoi", "chernovik"],
                     "services": ["konsultatsiya"]},
        "high": {"services": ["konsultatsiya"]},
    },
}  # fmt: skip


async def publish_quiz(
    client: AsyncTestClient[Litestar], db: psycopg.Connection[Any], slug: str = "trevoga-test",
    now: datetime | None = None, config: dict[str, Any] | None = None,
) -> dict[str, str]:  # fmt: skip
    """The editor's path: definition → version → publish. Returns the editor's headers."""
    editor = bearer(signed_in(db, "editor", now=now))
    created = await client.post(
        f"{ADMIN}/",
        json={"slug": slug, "interactive_type": "quiz", "title": "Проверка тревоги",
              "topic_code": "anxiety"},
        headers=editor,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    definition = created.json()["id"]
    version = await client.post(
        f"{ADMIN}/{definition}/versions", json={"config": config or CONFIG}, headers=editor
    )
    assert version.json() == {"version_no": 1}
    published = await client.post(
        f"{ADMIN}/{definition}/publish", json={"version_no": 1}, headers=editor
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    rows.content_item(db, "kak-spravitsya-s-trevogoi", title="Как справиться с тревогой",
                      status="published")  # fmt: skip
    rows.content_item(db, "chernovik", status="draft")  # recommended, but not public yet
    rows.service(db, "konsultatsiya")
    db.commit()
    return editor


def answers(q1: str, q2: str, q3: str) -> dict[str, str]:
    return {"q1": q1, "q2": q2, "q3": q3}


async def start(client: AsyncTestClient[Litestar], slug: str = "trevoga-test", **body: Any) -> str:
    return (await start_anonymously(client, slug, **body))[0]


async def start_anonymously(
    client: AsyncTestClient[Litestar], slug: str = "trevoga-test", **body: Any
) -> tuple[str, str]:
    """A run started without signing in: its id and the claim token given once."""
    started = await client.post(
        f"/api/v1/interactives/{slug}/runs", json={"anonymous_id": VISITOR, **body}
    )
    assert started.status_code == 201, started.text
    return str(started.json()["id"]), str(started.json()["claim_token"])


async def test_anonymous_run_result_login_claim(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any], clock: FixedClock
) -> None:
    await publish_quiz(client, postgresql)
    listed = (await client.get("/api/v1/interactives")).json()["items"]
    assert [i["slug"] for i in listed] == ["trevoga-test"]
    shown = (await client.get("/api/v1/interactives/trevoga-test")).json()
    assert shown["questions"][0]["options"][0] == {"id": "ans_never_x41", "label": "Никогда"}
    assert "value" not in json.dumps(shown)  # no scoring internals
    assert "scoring" not in shown

    run, claim_token = await start_anonymously(client, metadata={"entry_point": "article"})
    clock.advance(minutes=2)  # type: ignore[attr-defined]
    done = await client.post(
        f"/api/v1/interactive-runs/{run}/complete",
        json={"anonymous_id": VISITOR,
              "answers": answers("ans_often_x43", "ans_some_x42", "ans_some_x42")},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    result = done.json()
    assert (result["result_level"], result["result_profile"]) == ("moderate", None)
    assert result["crisis"] == {"triggered": False}
    # Only what is published is recommended, in the order the config gives.
    assert [c["slug"] for c in result["recommendations"]["content"]] == [
        "kak-spravitsya-s-trevogoi"
    ]
    assert [s["slug"] for s in result["recommendations"]["services"]] == ["konsultatsiya"]
    assert result["recommendations"]["telegram"] is None  # no bot configured
    # The navigator's next steps come with the result: the topic's reading, then a service.
    steps = result["next_steps"]
    assert [s["kind"] for s in steps][-1] == "service"
    assert "crisis_resources" not in [s["kind"] for s in steps]
    assert all(s["url"].startswith("http") for s in steps)
    assert done.headers["cache-control"] == "no-store"

    again = await client.post(
        f"/api/v1/interactive-runs/{run}/complete",
        json={"anonymous_id": VISITOR, "answers": answers(*["ans_never_x41"] * 3)},
    )
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")

    # Signing in: the browser's anonymous runs become the user's, with their claim tokens.
    anna = bearer(signed_in(postgresql, "client", "anna@example.org"))
    claimed = await client.post(
        "/api/v1/me/interactive-runs/claim",
        json={"anonymous_id": VISITOR, "claim_tokens": [claim_token]}, headers=anna,
    )  # fmt: skip
    assert claimed.json() == {"claimed": 1}
    mine = (await client.get("/api/v1/me/interactive-runs", headers=anna)).json()["items"]
    assert [(r["slug"], r["status"], r["result_level"]) for r in mine] == [
        ("trevoga-test", "completed", "moderate")
    ]
    postgresql.commit()
    assert postgresql.execute(
        "SELECT duration_ms, metadata, result_level, crisis_triggered, claim_token_hash"
        " FROM interactive_runs"
    ).fetchone() == (120_000, {"entry_point": "article"}, None, None, None)
    events = postgresql.execute(
        "SELECT event_name, anonymous_id, props FROM analytics_events ORDER BY id"
    ).fetchall()
    assert events == [  # the events name the self-check, never its result
        ("interactive.started", VISITOR, {"interactive": "trevoga-test"}),
        ("interactive.completed", VISITOR, {"interactive": "trevoga-test"}),
    ]


async def test_the_crisis_rule_returns_the_resources_at_once(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await publish_quiz(client, postgresql)
    run = await start(client)
    done = await client.post(
        f"/api/v1/interactive-runs/{run}/complete",
        json={"anonymous_id": VISITOR,
              "answers": answers("ans_never_x41", "ans_never_x41", "ans_always_x44")},
    )  # fmt: skip
    result = done.json()
    assert result["result_level"] == "low"
    assert result["crisis"]["triggered"] is True
    assert "112" in json.dumps(result["crisis"]["resources"], ensure_ascii=False)
    # The next steps open with the crisis resources, whatever the level.
    assert result["next_steps"][0]["kind"] == "crisis_resources"
    assert result["next_steps"][0]["url"].endswith("/crisis")
    postgresql.commit()
    run_id, sealed, flag = postgresql.execute(  # type: ignore[misc]
        "SELECT id, result_encrypted, crisis_triggered FROM interactive_runs"
    ).fetchone()
    assert flag is None  # only the encrypted result holds it, bound to the run
    assert json.loads(CIPHER.decrypt(sealed, f"interactive_runs.result_encrypted:{run_id}")) == {
        "level": "low", "profile": None, "crisis": True}  # fmt: skip


async def test_someone_elses_run_is_not_found(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await publish_quiz(client, postgresql)
    run = await start(client)
    full = answers(*["ans_never_x41"] * 3)
    for body, headers in (
        ({"anonymous_id": "another-browser-1"}, {}),
        ({}, {}),
        ({}, bearer(signed_in(postgresql, "client"))),
    ):
        answer = await client.post(
            f"/api/v1/interactive-runs/{run}/complete", json={"answers": full, **body},
            headers=headers,
        )  # fmt: skip
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    unknown = await client.post(
        f"/api/v1/interactive-runs/{uuid.uuid4()}/complete",
        json={"answers": full, "anonymous_id": VISITOR},
    )
    assert unknown.status_code == 404
    # A signed-in user's run is theirs alone, even for the browser that started it.
    anna = bearer(signed_in(postgresql, "client"))
    own, claim_token = await start_anonymously(client)
    await client.post("/api/v1/me/interactive-runs/claim",
                      json={"anonymous_id": VISITOR, "claim_tokens": [claim_token]},
                      headers=anna)  # fmt: skip
    stolen = await client.post(
        f"/api/v1/interactive-runs/{own}/complete", json={"answers": full, "anonymous_id": VISITOR}
    )
    assert stolen.status_code == 404
    mine = await client.post(
        f"/api/v1/interactive-runs/{own}/complete", json={"answers": full}, headers=anna
    )
    assert mine.status_code == 200


async def test_bad_starts_and_answers_are_clear_problems(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await publish_quiz(client, postgresql)
    cases = [
        ("/api/v1/interactives/trevoga-test/runs", {}, 422),  # anonymous without an id
        ("/api/v1/interactives/trevoga-test/runs", {"anonymous_id": "short"}, 422),
        ("/api/v1/interactives/nope/runs", {"anonymous_id": VISITOR}, 404),
        ("/api/v1/interactives/trevoga-test/runs",
         {"anonymous_id": VISITOR, "metadata": {"email": "a@b.ru"}}, 422),
    ]  # fmt: skip
    for path, body, status in cases:
        answer = await client.post(path, json=body)
        assert answer.status_code == status, (path, body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    run = await start(client)
    partial = await client.post(
        f"/api/v1/interactive-runs/{run}/complete",
        json={"anonymous_id": VISITOR, "answers": {"q1": "ans_never_x41"}},
    )
    assert (partial.status_code, partial.json()["detail"]) == (422, "question q2 is not answered")
    # The run is still open after a refused completion.
    ok = await client.post(
        f"/api/v1/interactive-runs/{run}/complete",
        json={"anonymous_id": VISITOR, "answers": answers(*["ans_never_x41"] * 3)},
    )
    assert ok.status_code == 200
    assert (await client.get("/api/v1/interactives/nope")).status_code == 404


async def test_a_new_version_does_not_touch_runs_in_progress(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    editor = await publish_quiz(client, postgresql)
    run = await start(client)  # on version 1
    definition = (await client.get(f"{ADMIN}/", headers=editor)).json()["items"][0]["id"]
    stricter = json.loads(json.dumps(CONFIG))
    stricter["scoring"]["bands"] = [{"level": "low", "min": 0, "max": 1},
                                    {"level": "moderate", "min": 1, "max": 2},
                                    {"level": "high", "min": 2}]  # fmt: skip
    assert (await client.post(f"{ADMIN}/{definition}/versions", json={"config": stricter},
                              headers=editor)).json() == {"version_no": 2}  # fmt: skip
    await client.post(f"{ADMIN}/{definition}/publish", json={"version_no": 2}, headers=editor)

    same = answers("ans_some_x42", "ans_some_x42", "ans_never_x41")  # 2 points
    old = await client.post(f"/api/v1/interactive-runs/{run}/complete",
                            json={"anonymous_id": VISITOR, "answers": same})  # fmt: skip
    assert old.json()["result_level"] == "low"  # scored by version 1
    new = await client.post(f"/api/v1/interactive-runs/{await start(client)}/complete",
                            json={"anonymous_id": VISITOR, "answers": same})  # fmt: skip
    assert new.json()["result_level"] == "high"  # scored by version 2
    postgresql.commit()
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation):  # a used version is frozen
        postgresql.execute("UPDATE interactive_versions SET config = '{}' WHERE version_no = 1")
    postgresql.rollback()


async def test_admin_refuses_bad_configs_and_non_editors(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    editor = await publish_quiz(client, postgresql)
    definition = (await client.get(f"{ADMIN}/", headers=editor)).json()["items"][0]["id"]
    bad = json.loads(json.dumps(CONFIG))
    bad["crisis"] = {"any": [{"question": "q9", "options": ["ans_always_x44"]}]}
    refused = await client.post(f"{ADMIN}/{definition}/versions", json={"config": bad},
                                headers=editor)  # fmt: skip
    assert (refused.status_code, refused.json()["detail"]) == (
        422, "config: the crisis rule names unknown question q9")  # fmt: skip
    client_headers = bearer(signed_in(postgresql, "client"))
    assert (await client.get(f"{ADMIN}/", headers=client_headers)).status_code == 403
    assert (await client.post(f"{ADMIN}/{definition}/publish", json={"version_no": 7},
                              headers=editor)).status_code == 404  # fmt: skip
    taken = await client.post(f"{ADMIN}/", json={"slug": "trevoga-test", "title": "x",
                                                "interactive_type": "quiz"}, headers=editor)  # fmt: skip
    assert taken.status_code == 409
    edited = await client.patch(f"{ADMIN}/{definition}", json={"version": 1, "title": "Новое"},
                                headers=editor)  # fmt: skip
    assert edited.status_code == 412  # publishing moved the version on
    current = (await client.get(f"{ADMIN}/{definition}", headers=editor)).json()["version"]
    edited = await client.patch(f"{ADMIN}/{definition}",
                                json={"version": current, "title": "Новое"}, headers=editor)  # fmt: skip
    assert edited.json()["title"] == "Новое"
    assert (await client.delete(f"{ADMIN}/{definition}", headers=editor)).status_code == 204
    assert (await client.get("/api/v1/interactives")).json()["items"] == []
    postgresql.commit()
    actions = [r[0] for r in postgresql.execute(
        "SELECT action FROM audit_log_entries WHERE entity_type = 'interactive_definition'"
        " ORDER BY occurred_at, action")]  # fmt: skip
    assert sorted(actions) == sorted([
        "interactive.create", "interactive.version_add", "interactive.publish",
        "interactive.update", "interactive.archive"])  # fmt: skip


async def test_abandoned_runs_are_marked_after_a_day(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any], clock: FixedClock,
    database_url: str,
) -> None:  # fmt: skip
    await publish_quiz(client, postgresql)
    await start(client)
    core = build_core(make_settings(database_url), clock=clock)
    await core.database.open()
    try:
        assert await core.interactives.abandon_stale(clock.now() + timedelta(hours=23)) == 0
        assert await core.interactives.abandon_stale(clock.now() + timedelta(hours=25)) == 1
    finally:
        await core.database.close()


def everything_stored(db: psycopg.Connection[Any]) -> str:
    """Every text-like value of every table, except the versions' configs (which define
    the options) — joined into one string to search."""
    db.commit()
    columns = db.execute(
        """SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name
           WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
             AND c.data_type IN ('text', 'character varying', 'jsonb', 'ARRAY')"""
    ).fetchall()
    values = []
    for table, column in columns:
        if (table, column) == ("interactive_versions", "config"):
            continue
        query = sql.SQL("SELECT {c}::text FROM {t} WHERE {c} IS NOT NULL").format(
            c=sql.Identifier(column), t=sql.Identifier(table)
        )
        values += [row[0] for row in db.execute(query)]
    return "\n".join(values)


async def test_answers_are_kept_nowhere(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    configure_logging("DEBUG", "json")
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as client:
        await publish_quiz(client, postgresql)
        for chosen in (["ans_often_x43", "ans_always_x44", "ans_some_x42"],
                       ["ans_never_x41"] * 3):  # fmt: skip
            run = await start(client)
            await client.post(f"/api/v1/interactive-runs/{run}/complete",
                              json={"anonymous_id": VISITOR, "answers": answers(*chosen)})  # fmt: skip
        run = await start(client)
        refused = await client.post(
            f"/api/v1/interactive-runs/{run}/complete",
            json={"anonymous_id": VISITOR,
                  "answers": answers("ans_never_x41", "ans_never_x41", "MY-SECRET-ANSWER-93")},
        )  # fmt: skip
        assert refused.status_code == 422
        assert "MY-SECRET-ANSWER-93" not in refused.text
    stored = everything_stored(postgresql)
    logs = capsys.readouterr()
    for value in ("ans_often_x43", "ans_always_x44", "ans_some_x42", "ans_never_x41",
                  "MY-SECRET-ANSWER-93"):  # fmt: skip
        assert value not in stored, value
        assert value not in logs.err + logs.out, value
    assert "interactive_run_completed" in logs.err  # the logs were captured


async def test_a_result_offers_the_plan_in_telegram_when_the_bot_is_on(
    database_url: str, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    settings = make_settings(
        database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET="s" * 32,
        TELEGRAM_BOT_USERNAME="balance_test_bot",
    )  # fmt: skip
    config = json.loads(json.dumps(CONFIG))
    config["recommendations"]["high"]["telegram_purpose"] = "interactive_result"
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as client:
        editor = await publish_quiz(client, postgresql)
        definition = (await client.get(f"{ADMIN}/", headers=editor)).json()["items"][0]["id"]
        await client.post(f"{ADMIN}/{definition}/versions", json={"config": config},
                          headers=editor)  # fmt: skip
        await client.post(f"{ADMIN}/{definition}/publish", json={"version_no": 2},
                          headers=editor)  # fmt: skip
        run = await start(client)
        done = await client.post(
            f"/api/v1/interactive-runs/{run}/complete",
            json={"anonymous_id": VISITOR,
                  "answers": answers("ans_always_x44", "ans_always_x44", "ans_often_x43")},
        )  # fmt: skip
    telegram = done.json()["recommendations"]["telegram"]
    assert telegram["purpose"] == "interactive_result"
    assert telegram["url"].startswith("https://t.me/balance_test_bot?start=")
    code = telegram["url"].split("start=")[1]
    postgresql.commit()
    assert postgresql.execute(  # the link names the self-check, not the result
        "SELECT purpose, payload, user_id FROM deep_links WHERE code = %s", (code,)
    ).fetchone() == ("interactive_result", {"interactive": "trevoga-test"}, None)
