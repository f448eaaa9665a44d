"""Security regressions (issue 17): a self-check result band or a crisis flag is health
data about a person, so no table keeps one in plaintext beside the person's user id (or
an anonymous id they claimed, or their lead's contact details). The owner still reads
their result, the dashboards still count, the moderation queue still puts crisis first,
and an anonymous run is claimed only with the secret its browser was given."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient
from psycopg import sql

from app.adapters.crypto.aesgcm import AesGcmCipher, Keyring
from app.bootstrap import Core
from tests.conftest import TEST_KEYRING
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in
from tests.e2e.test_interactives import VISITOR, answers, publish_quiz
from tests.e2e.test_telegram_bot import TG_USER, Bot, bot
from tests.integration import rows

__all__ = ["bot"]  # the recording Telegram session, for the bot's crisis flag

CIPHER = AesGcmCipher(Keyring.parse(TEST_KEYRING))
CLAIM = "/api/v1/me/interactive-runs/claim"
CRISIS = answers("ans_never_x41", "ans_never_x41", "ans_always_x44")  # the crisis rule fires
HIGH = answers("ans_always_x44", "ans_always_x44", "ans_often_x43")
CRISIS_QUESTION = "Мне очень плохо, я не хочу жить и не знаю, к кому обратиться"
PERSONAL = {"consent_type": "personal_data", "granted": True, "document_version": "2026-01"}
HEALTH_KEYS = ("result", "crisis", "result_level", "result_profile", "crisis_triggered")


def user_id_of(db: psycopg.Connection[Any], email: str) -> uuid.UUID:
    db.commit()
    return rows.one(db, "SELECT id FROM users WHERE email = %(e)s", {"e": email})  # type: ignore[no-any-return]


async def start(
    client: AsyncTestClient[Litestar], headers: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    started = await client.post(
        "/api/v1/interactives/trevoga-test/runs", json=body, headers=headers or {}
    )
    assert started.status_code == 201, started.text
    return started.json()  # type: ignore[no-any-return]


async def complete(
    client: AsyncTestClient[Litestar], run: str, chosen: dict[str, str],
    headers: dict[str, str] | None = None, **body: Any,
) -> dict[str, Any]:  # fmt: skip
    done = await client.post(f"/api/v1/interactive-runs/{run}/complete",
                             json={"answers": chosen, **body}, headers=headers or {})  # fmt: skip
    assert done.status_code == 200, done.text
    return done.json()  # type: ignore[no-any-return]


def rows_naming(
    db: psycopg.Connection[Any], markers: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table whose JSON form holds one of ``markers`` (a user id, an
    anonymous id), as (table, row)."""
    db.commit()
    tables = [t for (t,) in db.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%yoyo%'"
    )]  # fmt: skip
    found = []
    for table in tables:
        query = sql.SQL("SELECT row_to_json(t) FROM {} AS t").format(sql.Identifier(table))
        for (row,) in db.execute(query):
            text = json.dumps(row)
            if any(marker in text for marker in markers):
                found.append((table, row))
    return found


def health_facts_in(value: Any) -> list[str]:
    """The keys in ``value`` (a row, nested JSON) that carry a result or a crisis flag."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in HEALTH_KEYS and item not in (None, False):
                found.append(key)
            if key == "code" and item in ("crisis", "self_harm"):
                found.append(f"code={item}")
            found += health_facts_in(item)
    elif isinstance(value, list):
        for item in value:
            found += health_facts_in(item)
    elif isinstance(value, str) and value.startswith(("{", "[")):
        with contextlib.suppress(ValueError):
            found += health_facts_in(json.loads(value))
    return found


async def test_a_signed_in_crisis_self_check_leaves_no_health_fact_beside_the_person(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await publish_quiz(client, postgresql)
    email = "irina@example.org"
    irina = bearer(signed_in(postgresql, "client", email))
    user_id = user_id_of(postgresql, email)

    # Before signing in she took the quiz in this browser (crisis answers), then claimed
    # it; signed in, she takes it again, leaves her contact for the plan and asks a
    # question in crisis words.
    anonymous = await start(client, anonymous_id=VISITOR)
    first = await complete(client, anonymous["id"], CRISIS, anonymous_id=VISITOR)
    assert first["crisis"]["triggered"] is True
    claimed = await client.post(
        CLAIM, json={"anonymous_id": VISITOR, "claim_tokens": [anonymous["claim_token"]]},
        headers=irina,
    )  # fmt: skip
    assert claimed.json() == {"claimed": 1}
    own = await start(client, irina)
    assert own["claim_token"] is None  # nothing to claim for a signed-in run
    second = await complete(client, own["id"], HIGH, irina,
                            contact={"email": "irina.plan@example.org"}, consents=[PERSONAL])  # fmt: skip
    assert second["result_level"] == "high"
    asked = await client.post("/api/v1/questions", json={"text": CRISIS_QUESTION}, headers=irina)
    assert asked.json()["crisis"]["triggered"] is True

    # No row that names her (user id or the anonymous id she claimed) holds a result
    # band or a crisis flag in plaintext.
    naming = rows_naming(postgresql, [str(user_id), VISITOR])
    assert {table for table, _ in naming} >= {"interactive_runs", "analytics_events",
                                              "ugc_item_authors"}  # fmt: skip
    leaks = [(table, health_facts_in(row)) for table, row in naming if health_facts_in(row)]
    assert leaks == []
    runs = postgresql.execute(
        """SELECT result_level, result_profile, crisis_triggered, left(result_encrypted, 7)
           FROM interactive_runs WHERE user_id = %s""",
        (user_id,),
    ).fetchall()
    assert runs == [(None, None, None, "enc:v1:")] * 2

    # Nor through a join: her question's flags reach no author, her lead's timeline
    # (beside the contact she left) names the self-check only.
    assert postgresql.execute(
        """SELECT count(*) FROM ugc_triggers AS t JOIN ugc_items AS i ON i.id = t.ugc_item_id
           WHERE i.author_user_id IS NOT NULL OR i.anonymous_id IS NOT NULL"""
    ).fetchone() == (0,)
    assert postgresql.execute(
        """SELECT e.props FROM lead_timeline_events AS e
           JOIN lead_identities AS i ON i.lead_id = e.lead_id
           WHERE i.value_normalized = 'irina.plan@example.org'
             AND e.event_type = 'interactive.completed'"""
    ).fetchall() == [({"interactive": "trevoga-test"},)]
    assert postgresql.execute(
        "SELECT count(*) FROM deep_links WHERE payload ? 'result'"
    ).fetchone() == (0,)
    completed = postgresql.execute(
        """SELECT user_id, anonymous_id, props FROM analytics_events
           WHERE event_name = 'interactive.completed' ORDER BY id"""
    ).fetchall()
    assert completed == [(None, VISITOR, {"interactive": "trevoga-test"}),
                         (user_id, None, {"interactive": "trevoga-test"})]  # fmt: skip

    # She still reads both results, crisis flag included.
    mine = (await client.get("/api/v1/me/interactive-runs", headers=irina)).json()["items"]
    assert sorted((r["id"], r["result_level"], r["crisis_triggered"]) for r in mine) == sorted([
        (anonymous["id"], "low", True), (own["id"], "high", False)])  # fmt: skip
    questions = (await client.get("/api/v1/me/questions", headers=irina)).json()["items"]
    assert [q["text"] for q in questions] == [CRISIS_QUESTION]


async def test_dashboards_and_the_queue_still_work_without_the_link(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await publish_quiz(client, postgresql)
    author = bearer(signed_in(postgresql, "client"))
    for chosen in (CRISIS, HIGH):
        run = await start(client, author)
        await complete(client, run["id"], chosen, author)
    await start(client, author)  # not completed
    calm = await client.post("/api/v1/questions",
                             json={"text": "Как понять, что пора идти к психологу?"})  # fmt: skip
    urgent = await client.post("/api/v1/questions", json={"text": CRISIS_QUESTION},
                               headers=author)  # fmt: skip

    owner = bearer(signed_in(postgresql, "owner"))
    dashboard = await client.get("/api/v1/admin/dashboards/interactives", headers=owner)
    assert dashboard.status_code == 200, dashboard.text
    assert [(r["slug"], r["started"], r["completed"]) for r in dashboard.json()["items"]] == [
        ("trevoga-test", 3, 2)
    ]
    queue = (await client.get("/api/v1/admin/moderation/queue", headers=owner)).json()["items"]
    assert [(q["id"], q["urgent"], q["triggers"]) for q in queue] == [
        (urgent.json()["id"], True, ["crisis"]), (calm.json()["id"], False, [])]  # fmt: skip


async def test_an_anonymous_run_is_claimed_only_with_its_token(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await publish_quiz(client, postgresql)
    victim = await start(client, anonymous_id=VISITOR)
    await complete(client, victim["id"], CRISIS, anonymous_id=VISITOR)
    token = victim["claim_token"]
    assert len(token) == 43  # 256 bits, URL-safe
    postgresql.commit()
    assert postgresql.execute(  # only its SHA-256 is kept
        "SELECT count(*) FROM interactive_runs WHERE claim_token_hash = sha256(%s::bytea)",
        (token.encode(),),
    ).fetchone() == (1,)

    # Someone who knows (or guesses) the browser's anonymous id gets nothing.
    attacker = bearer(signed_in(postgresql, "client"))
    other = await start(client, anonymous_id="attacker-browser-1")
    for body, status in (
        ({"anonymous_id": VISITOR}, 422),
        ({"anonymous_id": VISITOR, "claim_tokens": []}, 422),
        ({"anonymous_id": VISITOR, "claim_tokens": ["A" * 43]}, 404),
        ({"anonymous_id": VISITOR, "claim_tokens": [other["claim_token"]]}, 404),
        ({"anonymous_id": "attacker-browser-1", "claim_tokens": [token]}, 404),
    ):  # fmt: skip
        refused = await client.post(CLAIM, json=body, headers=attacker)
        assert refused.status_code == status, (body, refused.text)
    assert (await client.get("/api/v1/me/interactive-runs", headers=attacker)).json() == {
        "items": []
    }

    # The browser that holds the token claims it, once.
    owner = bearer(signed_in(postgresql, "client"))
    body = {"anonymous_id": VISITOR, "claim_tokens": [token]}
    assert (await client.post(CLAIM, json=body, headers=owner)).json() == {"claimed": 1}
    again = await client.post(CLAIM, json=body, headers=attacker)
    assert again.status_code == 404
    mine = (await client.get("/api/v1/me/interactive-runs", headers=owner)).json()["items"]
    assert [(r["id"], r["result_level"], r["crisis_triggered"]) for r in mine] == [
        (victim["id"], "low", True)
    ]


async def test_the_claim_token_is_in_the_openapi_document(
    client: AsyncTestClient[Litestar],
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    run_out = next(v for v in components.values() if v.get("title") == "RunOut")
    claim_in = next(v for v in components.values() if v.get("title") == "ClaimIn")
    assert "claim_token" in run_out["properties"]
    assert "256-bit" in json.dumps(run_out["properties"]["claim_token"])
    assert "claim_tokens" in claim_in["required"]


async def test_plaintext_written_before_0035_is_sealed_by_the_job(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any], core: Core
) -> None:
    email = "olga@example.org"
    olga = bearer(signed_in(postgresql, "client", email))
    user_id = user_id_of(postgresql, email)
    definition, version = rows.interactive(postgresql)
    legacy_run = rows.one(
        postgresql,
        """INSERT INTO interactive_runs (definition_id, version_id, user_id, status,
                                         completed_at, result_level, crisis_triggered)
           VALUES (%(d)s, %(v)s, %(u)s, 'completed', now(), 'high', true) RETURNING id""",
        {"d": definition, "v": version, "u": user_id},
    )
    unfinished = rows.one(
        postgresql,
        """INSERT INTO interactive_runs (definition_id, version_id, anonymous_id,
                                         crisis_triggered)
           VALUES (%(d)s, %(v)s, 'old-browser-1', false) RETURNING id""",
        {"d": definition, "v": version},
    )
    item = uuid.uuid4()
    postgresql.execute(
        """INSERT INTO ugc_items (id, kind, author_user_id, text_encrypted, sla_due_at)
           VALUES (%(i)s, 'question', %(u)s, %(t)s, now() + interval '4 hours')""",
        {"i": item, "u": user_id,
         "t": CIPHER.encrypt(CRISIS_QUESTION, f"ugc_items.text_encrypted:{item}")},
    )  # fmt: skip
    postgresql.execute(
        "INSERT INTO ugc_triggers (ugc_item_id, code, source) VALUES (%s, 'crisis', 'auto')",
        (item,),
    )
    postgresql.commit()

    assert await core.interactives.seal_legacy_results() == 2
    assert await core.moderation.seal_legacy_authors() == 1
    assert await core.interactives.seal_legacy_results() == 0  # nothing left
    assert await core.moderation.seal_legacy_authors() == 0

    postgresql.commit()
    sealed = {
        run: rest
        for run, *rest in postgresql.execute(
            """SELECT id, result_level, result_profile, crisis_triggered,
                      result_encrypted IS NULL
               FROM interactive_runs"""
        )
    }
    assert sealed == {legacy_run: [None, None, None, False], unfinished: [None, None, None, True]}
    assert postgresql.execute("SELECT author_user_id FROM ugc_items").fetchall() == [(None,)]
    assert rows_naming(postgresql, [str(user_id)]) != []
    assert [(t, health_facts_in(r)) for t, r in rows_naming(postgresql, [str(user_id)])
            if health_facts_in(r)] == []  # fmt: skip

    mine = (await client.get("/api/v1/me/interactive-runs", headers=olga)).json()["items"]
    assert [(r["result_level"], r["crisis_triggered"]) for r in mine] == [("high", True)]
    questions = (await client.get("/api/v1/me/questions", headers=olga)).json()["items"]
    assert [q["id"] for q in questions] == [str(item)]


async def test_the_bots_crisis_flag_names_nobody(
    bot: Bot, postgresql: psycopg.Connection[Any]
) -> None:
    await bot.say("/start")
    postgresql.commit()
    user_id = rows.user(postgresql)
    postgresql.execute(
        "UPDATE telegram_accounts SET user_id = %s WHERE telegram_user_id = %s",
        (user_id, TG_USER),
    )
    postgresql.commit()
    await bot.say("Я больше не хочу жить, всё бессмысленно")
    assert "112" in bot.replies()[-1]
    postgresql.commit()
    flags = postgresql.execute(
        """SELECT user_id, anonymous_id, occurred_at, props FROM analytics_events
           WHERE event_name = 'bot.crisis_flag'"""
    ).fetchall()
    assert len(flags) == 1
    named, anonymous, occurred_at, props = flags[0]
    assert (named, anonymous, props) == (None, None, {"channel": "telegram"})
    in_utc = occurred_at.astimezone(UTC)  # the hour only: not matched to a message's time
    assert in_utc == in_utc.replace(minute=0, second=0, microsecond=0)


async def test_the_sites_events_cannot_carry_a_result_either(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    signed = bearer(signed_in(postgresql, "client"))
    for props in ({"interactive": "trevoga-test", "result": "high"}, {"crisis": True},
                  {"interactive": "trevoga-test", "result_level": "high"}):  # fmt: skip
        refused = await client.post(
            "/api/v1/events",
            json={"name": "interactive.completed", "anonymous_id": VISITOR, "props": props},
            headers=signed,
        )
        assert refused.status_code == 422, props
    accepted = await client.post(
        "/api/v1/events",
        json={"name": "interactive.completed", "anonymous_id": VISITOR,
              "props": {"interactive": "trevoga-test"}},
        headers=signed,
    )  # fmt: skip
    assert accepted.status_code == 202
    postgresql.commit()
    assert postgresql.execute("SELECT props FROM analytics_events").fetchall() == [
        ({"interactive": "trevoga-test"},)
    ]
