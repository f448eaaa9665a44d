"""Content end to end: the editorial workflow, public reading, search, pagination,
caching and bad input."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, make_settings
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in

ADMIN = "/api/v1/admin/content"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, CONTENT_MAX_BODY_CHARS="2000")


@pytest.fixture
def editor(postgresql: psycopg.Connection[Any]) -> dict[str, str]:
    return bearer(signed_in(postgresql, "editor"))


def article(
    slug: str, title: str = "Заголовок", body: str = "Текст", **extra: Any
) -> dict[str, Any]:
    return {"type": "article", "slug": slug, "title": title, "body_markdown": body, **extra}


async def publish(
    client: AsyncTestClient[Litestar], headers: dict[str, str], item: dict[str, Any]
) -> dict[str, Any]:
    created = await client.post(ADMIN, json=item, headers=headers)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    await client.post(f"{ADMIN}/{item_id}/submit-review", headers=headers)
    published = await client.post(f"{ADMIN}/{item_id}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return dict(published.json())


async def test_editorial_workflow(
    client: AsyncTestClient[Litestar],
    editor: dict[str, str],
    postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:
    public = "/api/v1/content/article/kak-spravitsya-s-trevogoy"
    created = await client.post(
        ADMIN,
        json=article("kak-spravitsya-s-trevogoy", "Как справиться с тревогой", topics=["anxiety"]),
        headers=editor,
    )
    assert created.status_code == 201
    item = created.json()
    assert (item["status"], item["version"], item["topics"]) == ("draft", 1, ["anxiety"])
    assert (await client.get(public)).status_code == 404  # drafts are invisible

    review = await client.post(
        f"{ADMIN}/{item['id']}/submit-review", headers={**editor, "If-Match": "1"}
    )
    assert review.json()["status"] == "review"
    assert (await client.get(public)).status_code == 404
    clock.advance(minutes=1)
    published = await client.post(f"{ADMIN}/{item['id']}/publish", headers=editor)
    assert published.json()["status"] == "published"
    first_published_at = published.json()["published_at"]
    shown = await client.get(public)
    assert shown.status_code == 200
    assert shown.json()["title"] == "Как справиться с тревогой"
    assert [t["code"] for t in shown.json()["topics"]] == ["anxiety"]
    # The item's topics are the catalogue's, description included.
    catalogue = {t["code"]: t for t in (await client.get("/api/v1/topics")).json()["items"]}
    assert shown.json()["topics"] == [catalogue["anxiety"]]
    assert catalogue["anxiety"]["description"]

    edited = await client.patch(
        f"{ADMIN}/{item['id']}",
        json={"title": "Как справиться с тревогой: пять шагов"},
        headers={**editor, "If-Match": str(published.json()["version"])},
    )
    assert edited.status_code == 200
    assert (edited.json()["status"], edited.json()["version"]) == ("published", 4)
    assert edited.json()["published_at"] == first_published_at
    assert (await client.get(public)).json()["title"] == "Как справиться с тревогой: пять шагов"

    stale = await client.patch(
        f"{ADMIN}/{item['id']}", json={"title": "Старое"}, headers={**editor, "If-Match": "1"}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_conflict"

    versions = (await client.get(f"{ADMIN}/{item['id']}/versions", headers=editor)).json()["items"]
    assert [v["version_no"] for v in versions] == [4, 3, 2, 1]
    assert versions[0]["title"] == "Как справиться с тревогой: пять шагов"

    back_to_review = await client.post(f"{ADMIN}/{item['id']}/submit-review", headers=editor)
    assert back_to_review.status_code == 409
    assert back_to_review.json()["code"] == "invalid_state"
    archived = await client.post(f"{ADMIN}/{item['id']}/archive", headers=editor)
    assert archived.json()["status"] == "archived"
    assert (await client.get(public)).status_code == 404

    postgresql.commit()
    actions = [r[0] for r in postgresql.execute(
        "SELECT action FROM audit_log_entries WHERE entity_type = 'content_item' ORDER BY id")]  # fmt: skip
    assert actions == [
        "content.create", "content.submit_review", "content.publish", "content.update",
        "content.archive",
    ]  # fmt: skip


async def test_a_published_item_is_remembered_until_an_editorial_write(
    client: AsyncTestClient[Litestar],
    editor: dict[str, str],
    postgresql: psycopg.Connection[Any],
) -> None:
    # CONTENT_CACHE_SECONDS (5 by default): a change that does not go through this
    # process (here: straight in the database) shows after at most that long; an
    # editorial write through this process shows at once.
    item = await publish(client, editor, article("pamyat", "Первое"))
    public = "/api/v1/content/article/pamyat"
    assert (await client.get(public)).json()["title"] == "Первое"
    postgresql.execute("UPDATE content_items SET title = 'Снаружи' WHERE slug = 'pamyat'")
    postgresql.commit()
    assert (await client.get(public)).json()["title"] == "Первое"
    tagged = await client.post("/api/v1/admin/tags", json={"slug": "novyi", "title": "Новый"},
                               headers=editor)  # fmt: skip
    assert tagged.status_code == 204, tagged.text
    assert (await client.get(public)).json()["title"] == "Снаружи"
    assert item["status"] == "published"


async def test_without_the_cache_every_read_goes_to_the_database(
    database_url: str, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    settings = make_settings(database_url, CONTENT_CACHE_SECONDS="0")
    editor = bearer(signed_in(postgresql, "editor"))
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as client:
        await publish(client, editor, article("bez-pamyati", "Первое"))
        public = "/api/v1/content/article/bez-pamyati"
        assert (await client.get(public)).json()["title"] == "Первое"
        postgresql.execute("UPDATE content_items SET title = 'Снаружи' WHERE slug = 'bez-pamyati'")
        postgresql.commit()
        assert (await client.get(public)).json()["title"] == "Снаружи"


@pytest.mark.parametrize("role", ["assistant", "client"])
async def test_only_owner_and_editor_edit_content(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any], role: str
) -> None:
    headers = bearer(signed_in(postgresql, role))
    refused = await client.post(ADMIN, json=article("zapreshcheno"), headers=headers)
    assert refused.status_code == 403
    assert (await client.get(ADMIN, headers=headers)).status_code == 403
    assert (await client.post(ADMIN, json=article("anon"))).status_code == 401


async def test_search_finds_word_forms_and_ranks_title_matches_first(
    client: AsyncTestClient[Litestar], editor: dict[str, str]
) -> None:
    await publish(client, editor, article("o-sne", "О сне", "Когда приходит тревога, сон уходит."))
    await publish(client, editor, article("trevoga", "Тревога: что это", "Про беспокойство."))
    await publish(client, editor, article("granitsy", "Границы", "Про отказы."))
    found = (await client.get("/api/v1/content", params={"q": "тревоги"})).json()["items"]
    assert [i["slug"] for i in found] == ["trevoga", "o-sne"]
    for nothing in ("и в на", "!!!", "   "):
        response = await client.get("/api/v1/content", params={"q": nothing})
        assert response.status_code == 200
        assert response.json()["items"] == [] or nothing.strip() == ""


async def test_pages_return_every_item_once_while_new_ones_are_published(
    client: AsyncTestClient[Litestar], editor: dict[str, str], clock: FixedClock
) -> None:
    for n in range(7):
        clock.advance(minutes=1)
        await publish(client, editor, article(f"statya-{n}", f"Статья {n}", topics=["stress"]))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", "topic": "stress", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/content", params=params)).json()
        seen += [i["slug"] for i in page["items"]]
        if len(seen) == 3:  # someone publishes while the reader pages
            clock.advance(minutes=1)
            await publish(client, editor, article("svezhaya", "Свежая", topics=["stress"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"statya-{n}" for n in reversed(range(7))]
    assert (await client.get("/api/v1/content", params={"cursor": "garbage!"})).status_code == 400


async def test_published_item_is_cacheable_with_etag(
    client: AsyncTestClient[Litestar], editor: dict[str, str]
) -> None:
    await publish(client, editor, article("keshiruemaya", "Кэш"))
    first = await client.get("/api/v1/content/article/keshiruemaya")
    directives = {d.strip() for d in first.headers["cache-control"].split(",")}
    assert directives == {"public", "max-age=60"}
    etag = first.headers["etag"]
    again = await client.get(
        "/api/v1/content/article/keshiruemaya", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""


async def test_bad_input_names_the_field(
    client: AsyncTestClient[Litestar], editor: dict[str, str]
) -> None:
    cases = [
        (article("Not A Slug"), "slug", 422),
        (article("ok-slug", topics=["astrology"]), "topics[0]", 422),
        (article("ok-slug", body="x" * 2001), "body_markdown", 422),
        ({**article("ok-slug"), "author_id": "me"}, "author_id", 422),
    ]
    for body, field, status in cases:
        response = await client.post(ADMIN, json=body, headers=editor)
        assert response.status_code == status, (field, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    await client.post(ADMIN, json=article("dubl"), headers=editor)
    duplicate = await client.post(ADMIN, json=article("dubl"), headers=editor)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "slug_taken"
    assert duplicate.json()["errors"][0]["field"] == "slug"
    other_type = await client.post(ADMIN, json={**article("dubl"), "type": "note"}, headers=editor)
    assert other_type.status_code == 201


async def test_glossary_collections_topics_tags_and_media(
    client: AsyncTestClient[Litestar], editor: dict[str, str]
) -> None:
    put = await client.put(
        "/api/v1/admin/glossary/trevoga",
        json={"term": "Тревога", "definition_markdown": "Ожидание угрозы.", "status": "published",
              "synonyms": ["Беспокойство", "Тревожность"]},
        headers=editor,
    )  # fmt: skip
    assert put.status_code == 204
    by_synonym = await client.get("/api/v1/glossary/беспокойство")
    assert by_synonym.json()["slug"] == "trevoga"
    listed = (await client.get("/api/v1/glossary", params={"q": "тревож"})).json()["items"]
    assert [t["slug"] for t in listed] == ["trevoga"]

    assert (
        await client.post(
            "/api/v1/admin/tags", json={"slug": "dyhanie", "title": "Дыхание"}, headers=editor
        )
    ).status_code == 204
    tags = (await client.get("/api/v1/tags")).json()["items"]
    assert {"slug": "dyhanie", "title": "Дыхание"} in tags
    topics = (await client.get("/api/v1/topics")).json()["items"]
    assert topics[0]["code"] == "anxiety"

    media = await client.post(
        "/api/v1/admin/media",
        json={"kind": "image", "storage_key": "covers/1.jpg", "url": "https://cdn.example.org/1.jpg",
              "mime_type": "image/jpeg", "size_bytes": 1024, "width": 800, "height": 600,
              "alt_text": "Рассвет"},
        headers=editor,
    )  # fmt: skip
    assert media.status_code == 201
    bad_media = await client.post(
        "/api/v1/admin/media",
        json={"kind": "image", "storage_key": "x", "url": "ftp://x", "mime_type": "text/plain",
              "size_bytes": 1},
        headers=editor,
    )  # fmt: skip
    assert bad_media.status_code == 422

    first = await publish(client, editor, article("pervaya", "Первая", tags=["dyhanie"]))
    second = await publish(client, editor, article("vtoraya", "Вторая"))
    attached = await client.put(
        f"{ADMIN}/{first['id']}/media",
        json={"media": [{"media_id": media.json()["id"], "role": "cover"}]},
        headers=editor,
    )
    assert attached.status_code == 200
    shown = (await client.get("/api/v1/content/article/pervaya")).json()
    assert shown["media"][0]["alt_text"] == "Рассвет"
    assert shown["tags"] == [{"slug": "dyhanie", "title": "Дыхание"}]

    collection = await client.put(
        "/api/v1/admin/collections/nachalo",
        json={
            "title": "С чего начать",
            "status": "published",
            "items": [second["id"], first["id"]],
        },
        headers=editor,
    )
    assert collection.status_code == 204
    items = (await client.get("/api/v1/collections/nachalo")).json()["items"]
    assert [i["slug"] for i in items] == ["vtoraya", "pervaya"]
    assert (await client.get("/api/v1/collections/net-takoy")).status_code == 404
