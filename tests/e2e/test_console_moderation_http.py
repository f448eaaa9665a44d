"""The moderation pages over HTTP without a browser: staff only, forms need the CSRF
token, the text is read (and audited) only after "show", an approved item is published."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.e2e.staff import signed_in

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
CRISIS_TEXT = "Мне очень плохо, не хочу жить, не знаю, что делать"


async def _submit(client: AsyncTestClient[Litestar], text: str = CRISIS_TEXT) -> str:
    response = await client.post("/api/v1/questions", json={"text": text})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _reads(db: psycopg.Connection[Any], item_id: str) -> int:
    db.commit()
    row = db.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'moderation.read' AND entity_id = %(i)s",
        {"i": item_id},
    ).fetchone()
    return int(row[0]) if row else 0


async def test_a_client_cannot_reach_the_moderation_pages(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    item_id = await _submit(client)
    client.cookies.set("eb_console", signed_in(postgresql, "client"), path="/console")
    for path in ("/console/moderation", f"/console/moderation/{item_id}?show=text"):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert "Консоль только для сотрудников практики" in refused.text
        assert CRISIS_TEXT not in refused.text
    assert _reads(postgresql, item_id) == 0


async def test_approving_without_the_csrf_token_is_refused(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    item_id = await _submit(client)
    client.cookies.set("eb_console", signed_in(postgresql, "owner"), path="/console")
    page = await client.get(f"/console/moderation/{item_id}")
    assert page.status_code == 200, page.text
    assert CRISIS_TEXT not in page.text  # hidden until "show"
    assert "Показать текст" in page.text
    refused = await client.post(f"/console/moderation/{item_id}/approve", data={})
    assert refused.status_code == 403
    assert "csrf_failed" in refused.text
    token = CSRF.search(page.text)
    assert token
    approved = await client.post(
        f"/console/moderation/{item_id}/approve",
        data={"_csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == f"/console/moderation/{item_id}"
    after = await client.get(f"/console/moderation/{item_id}")
    assert 'data-testid="item-status">Одобрены<' in after.text
    assert "Опубликовать как анонимный вопрос-ответ" in after.text
    published = await client.post(
        f"/console/moderation/{item_id}/publish",
        data={
            "_csrf_token": token.group(1),
            "slug": "kogda-ochen-trudno",
            "title": "Что делать, когда очень трудно?",
            "body_markdown": "Обратитесь за помощью: вы не одни.",
        },
    )
    assert published.status_code == 200, published.text
    assert 'data-testid="item-status">Опубликованы<' in published.text
    assert "Опубликовано как анонимный вопрос-ответ." in published.text
    assert _reads(postgresql, item_id) == 0


async def test_showing_the_text_is_an_audited_read(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    item_id = await _submit(client)
    client.cookies.set("eb_console", signed_in(postgresql, "assistant"), path="/console")
    queue = await client.get("/console/moderation")
    assert queue.status_code == 200, queue.text
    assert f'data-item-id="{item_id}" class="mod-crisis"' in queue.text
    assert CRISIS_TEXT not in queue.text
    shown = await client.get(f"/console/moderation/{item_id}?show=text")
    assert shown.status_code == 200
    assert CRISIS_TEXT in shown.text
    assert _reads(postgresql, item_id) == 1
    token = CSRF.search(shown.text)
    assert token
    approved = await client.post(
        f"/console/moderation/{item_id}/approve", data={"_csrf_token": token.group(1)}
    )
    assert approved.status_code == 200
    assert "Одобрить" not in approved.text
    # Publishing is for the owner and the editor: an assistant is not offered the form.
    assert "Опубликовать как анонимный вопрос-ответ" not in approved.text
    assert "Причина отклонения" in approved.text
