"""Moderation end to end: a question in crisis gets the resources at once and the head of
the queue; a moderator answers; the author reads the answer; only owners and editors
publish; everything is audited and the text is ciphertext at rest."""

from __future__ import annotations

from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.moderation.triggers import detect
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in

QUEUE = "/api/v1/admin/moderation/queue"
ITEMS = "/api/v1/admin/moderation/items"
CRISIS_TEXT = "Мне очень плохо, я не хочу жить и не знаю, к кому обратиться"
CALM_TEXT = "Как понять, что пора идти к психологу, а не справляться самой?"


async def test_a_crisis_question_through_to_the_answer(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    author = bearer(signed_in(postgresql, "client"))
    calm = await client.post("/api/v1/questions", json={"text": CALM_TEXT, "topic": "anxiety"})
    assert calm.status_code == 202, calm.text
    assert calm.json()["crisis"] == {"triggered": False}
    asked = await client.post("/api/v1/questions", json={"text": CRISIS_TEXT}, headers=author)
    assert asked.status_code == 202
    crisis = asked.json()["crisis"]
    assert crisis["triggered"] is True
    assert "112" in str(crisis["resources"])
    item_id = asked.json()["id"]

    # Ciphertext at rest; the flags are codes, not words.
    postgresql.commit()
    stored = postgresql.execute(
        "SELECT text_encrypted FROM ugc_items WHERE id = %s", (item_id,)
    ).fetchone()[0]  # type: ignore[index]
    assert stored.startswith("enc:v1:")
    assert "жить" not in stored
    assert postgresql.execute(
        "SELECT code, source FROM ugc_triggers WHERE ugc_item_id = %s", (item_id,)
    ).fetchall() == [("crisis", "auto")]

    assistant = bearer(signed_in(postgresql, "assistant"))
    editor = bearer(signed_in(postgresql, "editor"))
    queue = (await client.get(QUEUE, headers=assistant)).json()["items"]
    assert [q["id"] for q in queue] == [item_id, calm.json()["id"]]  # crisis first
    assert queue[0]["urgent"] is True
    assert queue[0]["triggers"] == ["crisis"]
    assert "text" not in queue[0]

    read = (await client.get(f"{ITEMS}/{item_id}", headers=assistant)).json()
    assert read["text"] == CRISIS_TEXT
    answered = await client.post(
        f"{ITEMS}/{item_id}/answer",
        json={"body": "Спасибо, что написали. Пожалуйста, позвоните по номеру 8 800 2000-122."},
        headers=assistant,
    )
    assert answered.json()["status"] == "answered"

    mine = (await client.get("/api/v1/me/questions", headers=author)).json()["items"]
    assert [(m["text"], m["status"]) for m in mine] == [(CRISIS_TEXT, "answered")]
    assert mine[0]["answers"][0]["body"].startswith("Спасибо, что написали")

    publish = {"slug": "kogda-idti-k-psihologu", "title": "Когда идти к психологу",
               "body_markdown": "Если тревога мешает жить обычной жизнью…"}  # fmt: skip
    calm_id = calm.json()["id"]
    await client.post(f"{ITEMS}/{calm_id}/approve", headers=assistant)
    refused = await client.post(f"{ITEMS}/{calm_id}/publish", json=publish, headers=assistant)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    published = await client.post(f"{ITEMS}/{calm_id}/publish", json=publish, headers=editor)
    assert published.json()["status"] == "published"
    public = await client.get("/api/v1/content/qa/kogda-idti-k-psihologu")
    assert public.status_code == 200
    assert CALM_TEXT not in public.text  # never the original words

    again = await client.post(f"{ITEMS}/{calm_id}/approve", headers=assistant)
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")

    postgresql.commit()
    audited = sorted(r[0] for r in postgresql.execute(
        "SELECT action FROM audit_log_entries WHERE entity_type = 'ugc_item'"))  # fmt: skip
    assert audited == ["moderation.answer", "moderation.approve", "moderation.publish",
                       "moderation.read"]  # fmt: skip
    actions = sorted(r[0] for r in postgresql.execute("SELECT action FROM moderation_actions"))
    assert actions == ["answer", "approve", "publish"]
    assert postgresql.execute(
        "SELECT props ->> 'kind', count(*) FROM analytics_events"
        " WHERE event_name = 'question.submitted' GROUP BY 1"
    ).fetchall() == [("question", 2)]


async def test_rejecting_needs_a_known_reason_and_reviews_need_the_consent(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    item = (await client.post("/api/v1/questions", json={"text": CALM_TEXT})).json()["id"]
    owner = bearer(signed_in(postgresql, "owner"))
    bad = await client.post(f"{ITEMS}/{item}/reject", json={"reason_code": "boring"},
                            headers=owner)  # fmt: skip
    assert bad.status_code == 422
    ok = await client.post(f"{ITEMS}/{item}/reject", json={"reason_code": "off_topic"},
                           headers=owner)  # fmt: skip
    assert ok.json()["actions"][0]["reason_code"] == "off_topic"
    client_headers = bearer(signed_in(postgresql, "client"))
    assert (await client.get(QUEUE, headers=client_headers)).status_code == 403
    review = await client.post("/api/v1/reviews", json={"text": "Спасибо за помощь, стало легче"},
                               headers=client_headers)  # fmt: skip
    assert (review.status_code, review.json()["code"]) == (403, "consent_required")
    for text in ("коротко", "x" * 5001):
        assert (await client.post("/api/v1/questions", json={"text": text})).status_code == 422


def test_automatic_triggers() -> None:
    assert detect(CRISIS_TEXT) == {"crisis"}
    assert detect("Муж бьёт меня, что делать?") == {"violence"}
    assert detect("Пишите мне на anna@example.org или +7 999 123-45-67") == {"pii"}
    assert detect("Казино онлайн http://a.ru http://b.ru") == {"spam"}
    assert detect("Я режу себе руки, когда тревожно") >= {"self_harm"}
    assert detect(CALM_TEXT) == frozenset()
