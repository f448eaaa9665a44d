"""Today, the week and one appointment in the console, against the real server: the
owner sees today's appointments with their payment, cancels one and sees the refund,
sets a meeting link, moves an appointment to a free time and opens the intake form;
crisis questions stand on top."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]
SERVICE = "individualnaya-konsultatsiya"  # demo data: online, 50 minutes, 3500 RUB
CRISIS_TEXT = "Мне очень плохо, я не хочу жить и не знаю, к кому обратиться"


@dataclass(frozen=True)
class Day:
    zone: str
    today: date
    paid_id: str
    unpaid_id: str
    held_id: str


def morning_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about 8 in the morning now, so "today" has its
    working day ahead whenever the test runs."""
    offset = ((8 - now.hour + 12) % 24) - 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def at(day: date, hour: int, zone: str) -> str:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone)).isoformat()


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def day(console: ConsoleServer) -> Day:
    """Today (in the practice's zone) has extra hours 10-16 with three appointments: a
    paid one at 10, one paid outside the site at 12 and one held for its payment at 14;
    a crisis question waits."""
    zone = morning_zone(datetime.now(UTC))
    ok(console.api("PUT", "/api/v1/admin/settings/practitioner.timezone", json={"value": zone}))
    today = datetime.now(ZoneInfo(zone)).date()
    ok(console.api("POST", "/api/v1/admin/schedule-exceptions", json={
        "start_at": at(today, 10, zone), "end_at": at(today, 16, zone), "kind": "open",
        "reason": "extra hours"}))  # fmt: skip
    services = ok(console.api("GET", "/api/v1/admin/services"))
    service_id = next(s["id"] for s in services["items"] if s["slug"] == SERVICE)

    def book(hour: int, name: str, email: str, payment: str) -> dict[str, Any]:
        return dict(ok(console.api("POST", "/api/v1/admin/appointments", json={
            "service_id": service_id, "start_at": at(today, hour, zone), "format": "online",
            "payment": payment, "new_client": {"name": name, "email": email}})))  # fmt: skip

    paid = book(10, "Анна Тестова", "anna@example.org", "link")
    pay_path = "/api/v1" + paid["confirmation_url"].split("/api/v1", 1)[1]
    assert httpx.post(console.url(pay_path), timeout=10).status_code == 204
    unpaid = book(12, "Борис Пробный", "boris@example.org", "none")
    held = book(14, "Вера Ожидающая", "vera@example.org", "link")  # not paid: held
    asked = httpx.post(console.url("/api/v1/questions"), json={"text": CRISIS_TEXT}, timeout=10)
    assert asked.status_code == 202, asked.text
    return Day(zone, today, str(paid["id"]), str(unpaid["id"]), str(held["id"]))


def card(page: Any, appointment_id: str) -> Any:
    return page.locator(f'[data-testid="appointment"][data-id="{appointment_id}"]')


def test_today_shows_the_appointments_with_payment_and_the_crisis_on_top(
    signed_in_page: Callable[[str], Any], day: Day, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    assert page.url.endswith("/console/")
    attention = page.get_by_test_id("attention")
    assert "Кризис" in attention.inner_text()
    assert page.locator("main").inner_text().index("Кризис") < page.locator(
        "main"
    ).inner_text().index("Сегодня")
    assert "3 записи" in page.locator("main").inner_text()
    anna = card(page, day.paid_id)
    assert "Анна Тестова" in anna.inner_text()
    assert "10:00–10:50" in anna.inner_text()
    assert "Индивидуальная консультация" in anna.inner_text()
    assert anna.get_by_test_id("payment").inner_text() == "Оплачено, 3\u00a0500\u00a0₽"
    assert anna.get_by_test_id("status").inner_text() == "Подтверждена"
    boris = card(page, day.unpaid_id)
    assert boris.get_by_test_id("payment").inner_text() == "Не оплачено"
    vera = card(page, day.held_id)
    assert vera.get_by_test_id("status").inner_text() == "Ждёт оплаты"
    assert vera.get_by_test_id("payment").inner_text() == "Ждёт оплаты"
    snap(page, "today-with-appointments")
    check_a11y(page)
    vera.get_by_role("button", name="Подтвердить").click()
    page.wait_for_url("**/console/")
    assert page.locator("#flash").inner_text().strip() == "Запись подтверждена."
    assert card(page, day.held_id).get_by_test_id("status").inner_text() == "Подтверждена"


def test_cancel_shows_the_refund_first_then_refunds(
    signed_in_page: Callable[[str], Any], day: Day, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    card(page, day.paid_id).get_by_role("link", name="Отменить…").click()
    page.wait_for_url(re.compile(r".*/cancel\?back=.*"))
    assert page.get_by_test_id("refund").inner_text() == "3\u00a0500\u00a0₽"
    snap(page, "cancel")
    check_a11y(page)
    page.get_by_role("button", name=re.compile("Отменить запись и вернуть")).click()
    page.wait_for_url("**/console/")
    assert "Возврат: 3\u00a0500\u00a0₽" in page.locator("#flash").inner_text()
    anna = card(page, day.paid_id)
    assert anna.get_by_test_id("status").inner_text() == "Отменена"
    assert "возвращено 3\u00a0500\u00a0₽" in anna.get_by_test_id("payment").inner_text()
    anna.get_by_role("link", name="Анна Тестова").click()
    page.wait_for_url(f"**/console/appointments/{day.paid_id}")
    assert page.get_by_test_id("history-refund").count() >= 1
    assert "3\u00a0500\u00a0₽" in page.get_by_test_id("history-refund").first.inner_text()
    snap(page, "appointment-canceled")
    check_a11y(page)


def test_the_appointment_page_sets_the_link_shows_the_intake_and_moves_it(
    signed_in_page: Callable[[str], Any], day: Day, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    page.goto(f"/console/appointments/{day.unpaid_id}")
    page.get_by_label("Ссылка на видеовстречу (https)").fill("https://meet.example.org/boris")
    page.get_by_role("button", name="Сохранить место").click()
    page.wait_for_url(f"**/console/appointments/{day.unpaid_id}")
    assert "Место встречи сохранено" in page.locator("#flash").inner_text()
    link = page.get_by_role("link", name="ссылка на встречу")
    assert link.get_attribute("href") == "https://meet.example.org/boris"
    page.get_by_role("link", name="Показать анкету").count()  # no form: nothing to show
    snap(page, "appointment")
    check_a11y(page)
    page.goto(f"/console/appointments/{day.unpaid_id}/intake")
    assert "не заполнял" in page.get_by_test_id("intake").inner_text()
    page.goto(f"/console/appointments/{day.unpaid_id}")
    page.get_by_role("link", name="Перенести").click()
    page.wait_for_url(re.compile(r".*/reschedule.*"))
    snap(page, "reschedule")
    check_a11y(page)
    first = page.locator("fieldset.slots").first
    choice = first.locator("label.slot").first
    wanted = choice.inner_text().strip()
    when = first.locator("legend").inner_text().strip()
    choice.locator("input").check()
    page.get_by_role("button", name="Перенести").click()
    page.wait_for_url(re.compile(r".*/console/appointments/[0-9a-f-]+$"))
    assert "Запись перенесена" in page.locator("#flash").inner_text()
    assert not page.url.endswith(day.unpaid_id)
    assert f"{when}, {wanted}" in page.get_by_role("heading", level=1).inner_text()


def test_the_week_lists_the_days_with_their_appointments(
    signed_in_page: Callable[[str], Any], day: Day, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    page.goto(f"/console/week?start={day.today.isoformat()}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Неделя с")
    assert page.locator('[data-testid="appointment"]').count() >= 2
    assert "сегодня" in page.locator("section.day.today h2").inner_text()
    page.get_by_role("link", name="Следующая →").click()
    expected = (day.today + timedelta(days=7)).isoformat()
    page.wait_for_url(f"**/console/week?start={expected}")
    page.goto(f"/console/week?start={day.today.isoformat()}")
    snap(page, "week")
    check_a11y(page)
