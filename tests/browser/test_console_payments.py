"""Payments in the console: a paid appointment (booked through the public API, paid with
the sandbox provider) in the list, its page with the policy's suggestion, a partial and
then a full refund done from that page; the reconciliation problems page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]
SERVICE = "individualnaya-konsultatsiya"  # the demo's online session, 3 500 ₽
CONSENT = [{"consent_type": "personal_data", "granted": True, "document_version": "1"}]


def book_and_pay(console: ConsoleServer, email: str) -> None:
    """A guest books a slot three days ahead or later (inside the free cancellation
    window) and pays it with the sandbox provider."""
    now = datetime.now(UTC)
    frm, to = (now + timedelta(days=3)).isoformat(), (now + timedelta(days=17)).isoformat()
    slots = httpx.get(
        console.url(f"/api/v1/services/{SERVICE}/slots"), params={"from": frm, "to": to},
        timeout=10,
    )  # fmt: skip
    assert slots.status_code == 200, slots.text
    start = slots.json()["slots"][0]
    held = httpx.post(
        console.url("/api/v1/appointments"),
        json={"service_slug": SERVICE, "start_at": start, "format": "online",
              "contact": {"name": "Гость Платящий", "email": email}, "consents": CONSENT},
        timeout=10,
    )  # fmt: skip
    assert held.status_code == 201, held.text
    pay = held.json()["payment"]["confirmation_url"].split("/api/v1")[1]
    assert httpx.post(console.url(f"/api/v1{pay}"), timeout=10).status_code == 204


def test_a_refund_done_from_the_payment_page(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    book_and_pay(console, "payer@example.org")
    page = signed_in_page("assistant")
    page.get_by_role("navigation", name="Разделы консоли").get_by_role(
        "link", name="Платежи"
    ).click()
    page.wait_for_url("**/console/payments")
    assert page.get_by_role("heading", level=1).inner_text() == "Платежи"
    rows = page.locator("table.payments tbody tr")
    assert rows.count() == 1
    assert "3\u00a0500\u00a0₽" in rows.first.inner_text()
    assert "Оплачен" in rows.first.inner_text()
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()  # the practice's day
    page.get_by_label("С даты").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("По дату включительно").fill(today.isoformat())
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/console/payments?from=*")
    assert rows.count() == 1
    snap(page, "payments-list")
    check_a11y(page)

    rows.first.get_by_role("link").click()
    page.wait_for_url("**/console/payments/*")
    assert page.get_by_test_id("payment-status").inner_text() == "Оплачен"
    assert "песочница" in page.get_by_test_id("provider-state").inner_text()
    suggestion = page.get_by_test_id("policy-suggestion").inner_text()
    assert "3\u00a0500\u00a0₽" in suggestion
    assert page.get_by_label("Сумма возврата, ₽").input_value() == "3500"
    snap(page, "payment")
    check_a11y(page)

    page.get_by_label("Сумма возврата, ₽").fill("1000")
    page.get_by_role("button", name="Вернуть эту сумму").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip() == "Возврат оформлен: 1\u00a0000\u00a0₽"
    assert page.get_by_test_id("payment-refunded").inner_text() == "1\u00a0000\u00a0₽"
    assert page.get_by_test_id("payment-left").inner_text() == "2\u00a0500\u00a0₽"
    refunds = page.locator("table.refunds tbody tr")
    assert "Вернули" in refunds.first.inner_text()  # the sandbox settles at once

    page.get_by_label("Сумма возврата, ₽").fill("9000")
    page.get_by_role("button", name="Вернуть эту сумму").click()
    page.wait_for_load_state()
    assert "Столько вернуть нельзя" in page.get_by_role("status").inner_text()

    page.get_by_role("button", name="Вернуть всё, что осталось (2\u00a0500\u00a0₽)").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("payment-left").inner_text() == "0\u00a0₽"
    assert refunds.count() == 2
    assert page.get_by_role("button", name="Вернуть эту сумму").count() == 0

    listed = console.api("GET", "/api/v1/admin/payments").json()["items"][0]
    assert listed["refunded"] == "3500.00"


def test_the_reconciliation_problems_page(
    signed_in_page: Callable[[str], Any], snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    page.goto("/console/payments")
    page.get_by_role("link", name="Проблемы сверки с провайдером").click()
    page.wait_for_url("**/console/payments/problems")
    assert page.get_by_role("heading", level=1).inner_text() == "Проблемы сверки"
    assert "Проблем нет" in page.content()  # the sandbox leaves nothing to reconcile
    snap(page, "payments-problems")
    check_a11y(page)


def test_an_editor_may_not_see_payments(signed_in_page: Callable[[str], Any]) -> None:
    page = signed_in_page("editor")
    response = page.goto("/console/payments")
    assert response is not None
    assert response.status == 403
