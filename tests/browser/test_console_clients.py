"""Clients and leads in the console: a lead found by its e-mail, a note added on its page
and shown on its timeline, the status changed; the lead's read is audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]
CONSENT = [{"consent_type": "personal_data", "granted": True, "document_version": "1"}]


def _submit_lead(console: ConsoleServer, name: str, email: str) -> None:
    answer = console.api(
        "POST", "/api/v1/leads",
        json={"name": name, "email": email, "message": "Хочу записаться", "consents": CONSENT},
    )  # fmt: skip
    assert answer.status_code == 202, answer.text


def test_find_a_lead_by_email_add_a_note_and_see_it_on_the_timeline(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    _submit_lead(console, "Анна Лидова", "anna.lead@example.org")
    _submit_lead(console, "Анна Л.", "anna.lead@example.org")  # the same contact again
    page = signed_in_page("assistant")
    page.get_by_role("navigation", name="Разделы консоли").get_by_role(
        "link", name="Клиенты"
    ).click()
    page.wait_for_url("**/console/clients")
    assert page.get_by_role("heading", level=1).inner_text() == "Клиенты и лиды"
    page.get_by_label("Имя, почта или телефон").fill("anna.lead@example")
    page.get_by_role("button", name="Найти").click()
    page.wait_for_url("**/console/clients?q=*")
    results = page.locator("table.leads tbody tr")
    assert results.count() == 2
    assert "Найдено: 2 лида" in page.content()
    snap(page, "clients-list")
    check_a11y(page)

    page.get_by_role("link", name="Анна Лидова").click()
    page.wait_for_url("**/console/clients/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Анна Лидова"
    timeline = page.get_by_test_id("timeline")
    assert "Хочу записаться" in timeline.inner_text()  # the form's message, decrypted
    assert page.get_by_role("link", name="Лид с той же почтой").count() == 1
    page.get_by_label("Текст заметки").fill("Перезвонить в четверг после 18:00")
    page.get_by_role("button", name="Добавить заметку").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip() == "Заметка добавлена"
    first = timeline.locator("li").first
    assert "Перезвонить в четверг после 18:00" in first.inner_text()

    page.get_by_label("Статус", exact=True).select_option("contacted")
    page.get_by_label("Ответственный", exact=True).select_option(label="Я")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("lead-status").inner_text() == "Связались"
    assert "Новый → Связались" in timeline.inner_text()
    snap(page, "clients-lead")
    check_a11y(page)

    with psycopg.connect(console.database_url) as db:
        reads = db.execute(
            "SELECT count(*) FROM audit_log_entries WHERE action = 'lead.read'"
        ).fetchone()
        stored = db.execute(
            "SELECT count(*) FROM lead_notes WHERE body_encrypted LIKE '%%четверг%%'"
        )
    assert reads is not None
    assert reads[0] >= 3
    assert stored.fetchone() == (0,)  # the note is stored encrypted


def test_merge_the_suggested_lead(
    signed_in_page: Callable[[str], Any], console: ConsoleServer
) -> None:
    _submit_lead(console, "Борис Первый", "boris@example.org")
    _submit_lead(console, "Борис Второй", "boris@example.org")
    page = signed_in_page("owner")
    page.goto("/console/clients?q=boris%40example.org")
    page.get_by_role("link", name="Борис Первый").click()
    page.get_by_role("button", name="Присоединить к этому лиду").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip() == "Лиды объединены"
    assert "Объединён с другим лидом" in page.get_by_test_id("timeline").inner_text()
    assert page.get_by_role("button", name="Присоединить к этому лиду").count() == 0
