"""The content page: an article written, previewed, sent through the workflow and read
through the public API; a stale edit refused; the glossary, collections, media and
self-check pages open and save through the same use cases as the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]

BODY = "## Дыхание по квадрату\n\nВдох на **четыре** счёта.\n\n<script>alert(1)</script>\n"


def _new_article(page: Any, slug: str, title: str) -> str:
    """Create a draft through the editor; the item's console URL."""
    page.goto("/console/content")
    page.get_by_role("link", name="Новый материал").click()
    page.get_by_label("Тип").select_option("article")
    page.get_by_label("Заголовок").fill(title)
    page.get_by_label("Адрес (slug)").fill(slug)
    page.get_by_label("Краткое описание").fill("Короткая практика для тревожного дня.")
    page.get_by_label("Текст (Markdown)").fill("Черновик.")
    page.get_by_role("button", name="Создать черновик").click()
    page.wait_for_url("**/console/content/*-*")
    page.locator("#flash").get_by_text("Черновик создан.").wait_for()
    return str(page.url)


def test_write_preview_publish_and_read_through_the_public_api(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    slug = f"kvadrat-{uuid.uuid4().hex[:8]}"
    page.goto("/console/content")
    assert page.get_by_role("heading", level=1).inner_text() == "Контент"
    snap(page, "content-list")
    check_a11y(page)

    editor_url = _new_article(page, slug, "Дыхание по квадрату")
    assert page.get_by_test_id("item-status").inner_text() == "Черновик"

    # The preview follows the typing (htmx) and renders the Markdown as HTML, raw HTML
    # shown as text.
    page.get_by_label("Текст (Markdown)").fill(BODY)
    preview = page.get_by_test_id("preview")
    preview.get_by_role("heading", name="Дыхание по квадрату").wait_for()
    assert preview.locator("strong").inner_text() == "четыре"
    assert preview.locator("script").count() == 0
    assert "<script>alert(1)</script>" in preview.inner_text()
    snap(page, "content-editor")
    check_a11y(page)

    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(editor_url)
    page.locator("#flash").get_by_text("Сохранено.").wait_for()
    assert page.get_by_test_id("item-version").inner_text() == "2"

    page.get_by_role("button", name="Отправить на проверку").click()
    assert page.get_by_test_id("item-status").inner_text() == "На проверке"
    page.get_by_role("button", name="Опубликовать").click()
    assert page.get_by_test_id("item-status").inner_text() == "Опубликовано"
    assert page.get_by_role("button", name="В архив").count() == 1

    public = httpx.get(console.url(f"/api/v1/content/article/{slug}"), timeout=10)
    assert public.status_code == 200, public.text
    assert public.json()["title"] == "Дыхание по квадрату"
    assert public.json()["body_markdown"] == BODY
    page.goto("/console/content?status=published&type=article")
    assert page.get_by_role("link", name="Дыхание по квадрату").count() == 1


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(
    signed_in_page: Callable[[str], Any], console: ConsoleServer
) -> None:
    first = signed_in_page("owner")
    slug = f"ustarelo-{uuid.uuid4().hex[:8]}"
    editor_url = _new_article(first, slug, "Первый заголовок")
    second = first.context.new_page()
    second.goto(editor_url)
    first.goto(editor_url)

    first.get_by_label("Заголовок").fill("Правка первого")
    first.get_by_role("button", name="Сохранить").click()
    first.locator("#flash").get_by_text("Сохранено.").wait_for()

    second.get_by_label("Заголовок").fill("Правка второго")
    second.get_by_label("Текст (Markdown)").fill("Текст второго.")
    second.get_by_role("button", name="Сохранить").click()
    alert = second.get_by_role("alert")
    assert "Изменено другим сотрудником" in alert.inner_text()
    # The form now holds the saved version; the refused text is kept for copying.
    assert second.get_by_label("Заголовок").input_value() == "Правка первого"
    assert second.locator("#mine-body").input_value() == "Текст второго."

    item_id = editor_url.rsplit("/", 1)[1]
    saved = console.api("GET", f"/api/v1/admin/content/{item_id}").json()
    assert saved["title"] == "Правка первого"
    assert saved["body_markdown"] == "Черновик."
    assert saved["version"] == 2


def test_glossary_collections_media_and_self_checks(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    slug = f"trevoga-{uuid.uuid4().hex[:6]}"
    page.goto("/console/content/glossary")
    page.get_by_label("Адрес (slug)").fill(slug)
    page.get_by_label("Термин", exact=True).fill(f"Тревога {slug}")
    page.get_by_label("Определение (Markdown)").fill("Ожидание **угрозы**.")
    page.get_by_label("Синонимы (через запятую)").fill(f"{slug}-1, {slug}-2")
    page.get_by_label("Статус").select_option("published")
    page.get_by_role("button", name="Сохранить термин").click()
    page.locator("#flash").get_by_text("Термин сохранён.").wait_for()
    term = httpx.get(console.url(f"/api/v1/glossary/{slug}"), timeout=10).json()
    assert sorted(term["synonyms"]) == [f"{slug}-1", f"{slug}-2"]
    snap(page, "content-glossary")
    check_a11y(page)

    page.goto("/console/content/media")
    page.get_by_label("Ключ в хранилище").fill(f"img/{slug}.jpg")
    page.get_by_label("Публичный адрес (URL)").fill(f"https://cdn.example.org/{slug}.jpg")
    page.get_by_label("MIME-тип").fill("image/jpeg")
    page.get_by_label("Размер, байт").fill("2048")
    page.get_by_label("Описание для незрячих (alt)").fill("Спокойное море")
    page.get_by_role("button", name="Добавить").click()
    page.locator("#flash").get_by_text("Файл добавлен в библиотеку.").wait_for()
    assert page.get_by_role("cell", name="Спокойное море").count() == 1
    snap(page, "content-media")
    check_a11y(page)

    page.goto("/console/content/collections")
    page.get_by_label("Адрес (slug)").fill(f"podborka-{slug}")
    page.get_by_label("Название", exact=True).fill("С чего начать")
    page.get_by_label("Статус").select_option("published")
    page.locator("fieldset input[type=checkbox]").first.check()  # a published one
    page.get_by_role("button", name="Сохранить подборку").click()
    page.locator("#flash").get_by_text("Подборка сохранена.").wait_for()
    assert page.get_by_role("link", name="С чего начать").count() == 1
    public = httpx.get(console.url(f"/api/v1/collections/podborka-{slug}"), timeout=10)
    assert len(public.json()["items"]) == 1, public.text
    snap(page, "content-collections")
    check_a11y(page)

    page.goto("/console/content/self-checks")
    snap(page, "content-self-checks")
    check_a11y(page)
    page.get_by_role("link", name="Самопроверка: уровень тревожности").click()  # demo data
    page.get_by_role("heading", name="Версии").wait_for()
    assert '"questions"' in page.locator("pre.config").inner_text()
    snap(page, "content-self-check")
    check_a11y(page)
    # A new version from the shown one's settings, then published.
    page.get_by_role("button", name="Сохранить как новую версию").click()
    page.locator("#flash").get_by_text("добавлена").wait_for()
    number = page.locator("#flash").inner_text().split()[1]
    page.get_by_role("button", name=f"Опубликовать версию {number}").click()
    page.locator("#flash").get_by_text(f"Версия {number} опубликована.").wait_for()
    assert page.get_by_test_id("published-version").count() == 1
