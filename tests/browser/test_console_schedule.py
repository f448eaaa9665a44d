"""The schedule page in a real browser: a holiday closes the free slots in the preview and
in the public API; a service's new price reaches the public services API; every screen
is photographed at both widths and checked with axe-core."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]
SLUG = "individualnaya-konsultatsiya"


def public_slot_days(console: ConsoleServer, slug: str) -> set[str]:
    """The local dates with free slots over the next two weeks, as clients see them."""
    now = datetime.now(UTC)
    response = httpx.get(
        console.url(f"/api/v1/services/{slug}/slots"),
        params={"from": now.isoformat(), "to": (now + timedelta(days=14)).isoformat()},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return {start[:10] for start in response.json()["slots"]}


def test_a_holiday_closes_its_slots_in_the_preview_and_the_public_api(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    page.goto("/console/schedule")
    assert page.get_by_role("heading", level=1).inner_text() == "Расписание"
    preview = page.get_by_test_id(f"preview-{SLUG}")
    days = preview.locator(".slot-day").evaluate_all("els => els.map(e => e.dataset.day)")
    assert days, "the demo schedule gives free slots in the next two weeks"
    holiday = days[-1]
    assert holiday in public_slot_days(console, SLUG)
    snap(page, "schedule")
    check_a11y(page)

    page.get_by_label("Вид", exact=True).select_option("closed")
    page.get_by_label("Дата начала").fill(holiday)
    page.get_by_label("Причина (видна только сотрудникам)").fill("Праздник")
    page.get_by_role("button", name="Добавить", exact=True).click()
    page.wait_for_url("**/console/schedule#exceptions")
    assert page.locator(".flash-success").inner_text() == "Выходной добавлен."
    assert page.get_by_test_id("exception").filter(has_text="Праздник").count() == 1
    assert preview.locator(f'.slot-day[data-day="{holiday}"]').count() == 0
    assert preview.locator(".slot-day").count() == len(days) - 1
    assert holiday not in public_slot_days(console, SLUG)

    page.get_by_test_id("exception").filter(has_text="Праздник").get_by_role(
        "link", name="Изменить"
    ).click()
    page.wait_for_url("**/console/schedule/exceptions/*")
    assert page.get_by_label("Дата начала").input_value() == holiday
    snap(page, "schedule-exception")
    check_a11y(page)

    page.goto("/console/schedule")
    page.locator("#rules").get_by_role("link", name="Изменить").first.click()
    page.wait_for_url("**/console/schedule/rules/*")
    assert page.get_by_label("С", exact=True).input_value() == "10:00"
    snap(page, "schedule-rule")
    check_a11y(page)


def test_a_wrong_exception_is_refused_on_the_form_in_russian(
    signed_in_page: Callable[[str], Any],
) -> None:
    page = signed_in_page("owner")
    page.goto("/console/schedule")
    before = page.get_by_test_id("exception").count()
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    page.get_by_label("Дата начала").fill(day)
    page.get_by_label("Время начала").fill("15:00")
    page.get_by_label("Время окончания").fill("11:00")
    page.get_by_role("button", name="Добавить", exact=True).click()
    assert page.get_by_role("alert").inner_text() == "Конец должен быть позже начала."
    assert page.get_by_label("Время начала").input_value() == "15:00"
    assert page.get_by_test_id("exception").count() == before


def test_a_new_price_reaches_the_public_services_api(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    page.goto("/console/schedule")
    page.get_by_role("link", name="Услуги: цены, длительность, правила отмены").click()
    page.wait_for_url("**/console/schedule/services")
    row = page.get_by_test_id(f"service-{SLUG}")
    assert "3\u00a0500\u00a0₽" in row.inner_text()
    snap(page, "schedule-services")
    check_a11y(page)

    row.get_by_role("link", name="Изменить").click()
    page.wait_for_url("**/console/schedule/services/*")
    assert page.get_by_label("Цена", exact=True).input_value() == "3500"
    snap(page, "schedule-service")
    check_a11y(page)
    page.get_by_label("Цена", exact=True).fill("4200")
    page.get_by_label("Ссылка на встречу (https://)").fill("https://meet.example.org/room")
    page.get_by_role("button", name="Сохранить услугу").click()
    page.wait_for_url("**/console/schedule/services")
    assert "сохранена" in page.locator(".flash-success").inner_text()
    assert "4\u00a0200\u00a0₽" in page.get_by_test_id(f"service-{SLUG}").inner_text()

    public = httpx.get(console.url(f"/api/v1/services/{SLUG}"), timeout=20)
    assert public.status_code == 200, public.text
    assert public.json()["price"] == "4200.00"

    page.get_by_role("link", name="Добавить услугу").click()
    page.wait_for_url("**/console/schedule/services/new")
    assert page.get_by_role("heading", level=1).inner_text() == "Новая услуга"
    snap(page, "schedule-service-new")
    check_a11y(page)
