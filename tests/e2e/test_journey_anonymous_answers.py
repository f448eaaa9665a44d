"""An anonymous author gets their answer: a reading token shown once at submission
(stored hashed) reads the answer through HTTP, never anybody else's; a signed-in author
and an anonymous author who left an e-mail with consent are told by e-mail that the
answer arrived — a link, never the question or the answer."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from app.domain.identity.tokens import token_hash
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, wait_for_mail
from tests.e2e.staff import signed_in

ITEMS = "/api/v1/admin/moderation/items"
READ = "/api/v1/questions/answer"
QUESTION = "Как перестать тревожиться перед выступлением на работе?"
OTHER = "Как пережить расставание и снова начать спать по ночам?"
ANSWER = "Спасибо за вопрос. Попробуйте заранее проговорить выступление вслух."


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


async def test_the_anonymous_author_reads_the_answer_with_the_token(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    settings: Settings,
) -> None:  # fmt: skip
    asked = await client.post(
        "/api/v1/questions",
        json={"text": QUESTION, "notify_email": "reader@example.org", "notify_consent": True},
    )
    assert asked.status_code == 202, asked.text
    token, item_id = asked.json()["reading_token"], asked.json()["id"]
    assert asked.json()["reading_url"] == settings.site_links.question(token)
    other = await client.post("/api/v1/questions", json={"text": OTHER})
    other_token = other.json()["reading_token"]

    # Stored hashed, never the token.
    postgresql.commit()
    stored = postgresql.execute(
        "SELECT token_hash FROM ugc_reading_tokens WHERE ugc_item_id = %s", (item_id,)
    ).fetchone()
    assert stored == (token_hash(token),)

    waiting = await client.post(READ, json={"token": token})
    assert waiting.status_code == 200, waiting.text
    assert (waiting.json()["status"], waiting.json()["answers"]) == ("pending", [])

    assistant = bearer(signed_in(postgresql, "assistant"))
    answered = await client.post(f"{ITEMS}/{item_id}/answer", json={"body": ANSWER},
                                 headers=assistant)  # fmt: skip
    assert answered.status_code == 200, answered.text

    read = (await client.post(READ, json={"token": token})).json()
    assert read["status"] == "answered"
    assert [a["body"] for a in read["answers"]] == [ANSWER]
    not_mine = (await client.post(READ, json={"token": other_token})).json()
    assert (not_mine["status"], not_mine["answers"]) == ("pending", [])
    for garbage in ("", "not-a-token", token[:-1], "x" * 1000):
        missing = await client.post(READ, json={"token": garbage})
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")

    # The contact left with consent is told, with the reading link and no text.
    mail = await wait_for_mail(inbox, "reader@example.org")
    assert settings.site_links.question(token) in mail
    assert ANSWER not in mail
    assert QUESTION not in mail
    refused = await client.post(
        "/api/v1/questions", json={"text": OTHER, "notify_email": "reader@example.org"}
    )
    assert refused.status_code == 422


async def test_a_signed_in_author_is_told_by_email(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    settings: Settings,
) -> None:  # fmt: skip
    author = bearer(signed_in(postgresql, "client", "anna@example.org"))
    asked = await client.post("/api/v1/questions", json={"text": QUESTION}, headers=author)
    assert asked.status_code == 202, asked.text
    assert asked.json()["reading_token"] is None  # she reads it in her cabinet
    owner = bearer(signed_in(postgresql, "owner"))
    await client.post(f"{ITEMS}/{asked.json()['id']}/answer", json={"body": ANSWER},
                      headers=owner)  # fmt: skip

    mail = await wait_for_mail(inbox, "anna@example.org")
    assert settings.site_links.my_questions() in mail
    assert ANSWER not in mail
    mine = (await client.get("/api/v1/me/questions", headers=author)).json()["items"]
    assert [a["body"] for a in mine[0]["answers"]] == [ANSWER]
