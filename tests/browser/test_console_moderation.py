"""Moderation in the browser: a crisis question heads the queue, its text shows only
after "Показать текст", a private answer reaches the author's reading link through the
public API; a rejection records its reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]

CRISIS_TEXT = "Мне очень плохо, не хочу жить, не знаю, к кому обратиться"
ANSWER = "Вы не одни. Позвоните на линию помощи сейчас, а завтра давайте поговорим."


def submit(console: ConsoleServer, text: str) -> dict[str, Any]:
    """A question as the public site sends it (no account)."""
    response = httpx.post(console.url("/api/v1/questions"), json={"text": text}, timeout=20)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def read_answer(console: ConsoleServer, token: str) -> dict[str, Any]:
    response = httpx.post(
        console.url("/api/v1/questions/answer"), json={"token": token}, timeout=20
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_crisis_question_heads_the_queue_and_gets_a_private_answer(
    console: ConsoleServer, signed_in_page: Callable[[str], Any], snap: Snap, check_a11y: A11y
) -> None:
    submitted = submit(console, CRISIS_TEXT)
    assert submitted["crisis"]["triggered"] is True
    assert submitted["reading_token"]
    assert submitted["reading_url"]
    item_id = submitted["id"]

    page = signed_in_page("owner")
    page.get_by_role("navigation", name="Разделы консоли").get_by_role(
        "link", name="Модерация"
    ).click()
    page.wait_for_url("**/console/moderation")
    assert page.get_by_role("heading", level=1).inner_text() == "Модерация"
    first = page.get_by_test_id("queue-item").first
    assert first.get_attribute("data-item-id") == item_id
    assert first.get_by_test_id("crisis-badge").inner_text() == "Кризис"
    assert first.get_by_test_id("sla").inner_text().startswith("осталось ")
    assert CRISIS_TEXT not in page.content()  # the queue never shows the text
    snap(page, "moderation-queue")
    check_a11y(page)

    first.get_by_role("link").click()
    page.wait_for_url(f"**/console/moderation/{item_id}")
    assert page.get_by_test_id("crisis-alert").is_visible()
    assert page.get_by_test_id("item-text").count() == 0
    page.get_by_role("button", name="Показать текст").click()
    page.wait_for_url("**show=text")
    assert page.get_by_test_id("item-text").inner_text() == CRISIS_TEXT
    snap(page, "moderation-item")
    check_a11y(page)

    page.get_by_label("Личный ответ автору").fill(ANSWER)
    page.get_by_role("button", name="Ответить лично").click()
    page.wait_for_url(f"**/console/moderation/{item_id}")
    assert page.get_by_role("status").inner_text() == "Ответ отправлен автору."
    assert page.get_by_test_id("item-status").inner_text() == "С ответом"
    # The text stays hidden again after the action: each showing is its own audited read.
    assert page.get_by_test_id("item-text").count() == 0

    reading = read_answer(console, submitted["reading_token"])
    assert reading["status"] == "answered"
    assert [a["body"] for a in reading["answers"]] == [ANSWER]

    page.goto("/console/moderation")
    assert page.locator(f'[data-item-id="{item_id}"]').count() == 0  # left the pending queue
    page.goto("/console/moderation?status=answered")
    assert page.locator(f'[data-item-id="{item_id}"]').count() == 1


def test_a_question_is_rejected_with_a_reason(
    console: ConsoleServer, signed_in_page: Callable[[str], Any]
) -> None:
    submitted = submit(console, "Купите наши курсы по ссылке, скидка только сегодня")
    item_id = submitted["id"]
    page = signed_in_page("owner")
    page.goto(f"/console/moderation/{item_id}")
    assert page.get_by_test_id("crisis-alert").count() == 0
    page.get_by_label("Причина отклонения").select_option("spam")
    page.get_by_role("button", name="Отклонить").click()
    page.wait_for_url(f"**/console/moderation/{item_id}")
    assert page.get_by_role("status").inner_text() == "Отклонено: спам или реклама."
    assert page.get_by_test_id("item-status").inner_text() == "Отклонены"
    assert page.get_by_role("button", name="Отклонить").count() == 0
    page.get_by_role("button", name="Показать текст").click()
    assert "отклонено (спам или реклама)" in page.get_by_test_id("item-history").inner_text()
    assert read_answer(console, submitted["reading_token"])["status"] == "rejected"
