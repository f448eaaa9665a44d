"""The content page over HTTP without a browser: the preview fragment (Markdown
rendered, raw HTML escaped), the form's line ends, a stale save refused, the glossary
form."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.e2e.staff import signed_in

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _open(client: AsyncTestClient[Litestar], db: psycopg.Connection[Any]) -> str:
    client.cookies.set("eb_console", signed_in(db, "editor"), path="/console")
    page = await client.get("/console/content")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token
    return token.group(1)


async def test_the_preview_renders_markdown_and_escapes_html(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _open(client, postgresql)
    body = "# Заголовок\n\n*мягко* <img src=x onerror=alert(1)> [a](javascript:alert(1))"
    fragment = await client.post(
        "/console/content/preview",
        data={"body_markdown": body, "_csrf_token": token},
        headers={"hx-request": "true"},
    )
    assert fragment.status_code == 200, fragment.text
    assert "<h1>Заголовок</h1>" in fragment.text
    assert "<em>мягко</em>" in fragment.text
    assert "<img" not in fragment.text
    assert "&lt;img" in fragment.text
    assert 'href="javascript' not in fragment.text
    assert "<html" not in fragment.text
    whole = await client.post(
        "/console/content/preview", data={"body_markdown": body, "_csrf_token": token}
    )
    assert "<html" in whole.text
    assert "<h1>Заголовок</h1>" in whole.text


async def test_a_stale_save_is_refused_with_the_saved_version_shown(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _open(client, postgresql)
    form = {"type": "note", "slug": "stale-http", "title": "Было", "summary": "",
            "body_markdown": "a\r\nb", "_csrf_token": token}  # fmt: skip
    created = await client.post("/console/content/new", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    first = await client.post(url, data={**form, "title": "Первая", "version": "1"},
                              follow_redirects=False)  # fmt: skip
    assert first.status_code == 303, first.text
    second = await client.post(url, data={**form, "title": "Вторая", "version": "1"})
    assert second.status_code == 409
    assert "Изменено другим сотрудником" in second.text
    assert 'value="Первая"' in second.text
    item = postgresql.execute(
        "SELECT title, body_markdown, version FROM content_items WHERE slug = 'stale-http'"
    ).fetchone()
    assert item == ("Первая", "a\nb", 2)


async def test_a_draft_term_and_a_draft_collection_are_listed_and_opened(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _open(client, postgresql)
    saved = await client.post(
        "/console/content/glossary",
        data={"slug": "styd", "term": "Стыд", "definition_markdown": "Чувство.",
              "status": "draft", "synonyms": "смущение, неловкость", "_csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = await client.get("/console/content/glossary?slug=styd")
    assert 'href="/console/content/glossary?slug=styd">Стыд</a>' in page.text
    assert 'value="неловкость, смущение"' in page.text
    assert '<option value="draft" selected>' in page.text
    assert (await client.get("/api/v1/glossary/styd")).status_code == 404

    created = await client.post(
        "/console/content/new",
        data={"type": "article", "slug": "pervaya", "title": "Первая", "_csrf_token": token},
        follow_redirects=False,
    )
    item_id = created.headers["location"].rsplit("/", 1)[1]
    saved = await client.post(
        "/console/content/collections",
        data={"slug": "nachalo", "title": "Начало", "description": "", "status": "draft",
              "items": [str(item_id)], "_csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = await client.get("/console/content/collections?slug=nachalo")
    assert ">Начало</a>" in page.text
    assert f'value="{item_id}" checked' in page.text


async def test_a_self_check_edit_at_an_old_version_is_refused(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _open(client, postgresql)
    definition_id, version = postgresql.execute(
        "INSERT INTO interactive_definitions (slug, interactive_type, title) "
        "VALUES ('proverka-http', 'quiz', 'Было') RETURNING id, version"
    ).fetchone()  # type: ignore[misc]
    postgresql.commit()
    url = f"/console/content/self-checks/{definition_id}"
    page = await client.get(url)
    assert page.status_code == 200, page.text
    assert "Версий пока нет." in page.text
    form = {"title": "Стало", "description": "", "topic_code": "", "_csrf_token": token}
    saved = await client.post(url, data={**form, "version": str(version)},
                              follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text
    stale = await client.post(url, data={**form, "title": "Поздно", "version": str(version)})
    assert stale.status_code == 409
    assert "Изменено другим сотрудником" in stale.text
    title = postgresql.execute(
        "SELECT title FROM interactive_definitions WHERE id = %s", (definition_id,)
    ).fetchone()
    assert title == ("Стало",)
    bad = await client.post(f"{url}/versions", data={"config": "{не json", "_csrf_token": token})
    assert bad.status_code == 422
    assert "Нужен JSON" in bad.text
    assert "{не json</textarea>" in bad.text
