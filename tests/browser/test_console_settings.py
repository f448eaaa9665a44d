"""Settings: a template edit with an unknown variable is refused and nothing is saved, a
valid one shows its preview; the owner adds a staff member and finds it in the audit
log; run-time settings; an assistant is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]


def _template(console: ConsoleServer, template_id: str) -> dict[str, Any]:
    found = console.api("GET", f"/api/v1/admin/message-templates/{template_id}")
    assert found.status_code == 200, found.text
    result: dict[str, Any] = found.json()
    return result


def test_a_template_edit_is_checked_and_previewed(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    page.goto("/console/settings")
    assert page.get_by_role("heading", level=1).inner_text() == "Настройки"
    snap(page, "settings")
    check_a11y(page)

    link = page.get_by_test_id("templates").locator("tbody a").first
    template_id = (link.get_attribute("href") or "").rsplit("/", 1)[-1]
    before = _template(console, template_id)
    link.click()
    assert page.get_by_test_id("template-preview").count() == 1  # the saved text, rendered

    page.fill("#body", before["body"] + "\n{no_such_variable}")
    page.get_by_role("button", name="Сохранить").click()
    error = page.get_by_test_id("template-error").inner_text()
    assert "{no_such_variable}" in error
    assert page.get_by_test_id("template-preview").count() == 0
    assert page.locator("#body").input_value().endswith("{no_such_variable}")
    assert _template(console, template_id)["version"] == before["version"]  # nothing saved
    check_a11y(page)

    page.fill("#body", before["body"] + "\nДо встречи в консоли.")
    page.get_by_role("button", name="Проверить и показать").click()
    assert "До встречи в консоли." in page.get_by_test_id("preview-text").inner_text()
    assert _template(console, template_id)["version"] == before["version"]  # only shown

    page.get_by_role("button", name="Сохранить").click()
    assert page.locator(".flash-success").inner_text() == "Шаблон сохранён."
    assert "До встречи в консоли." in page.get_by_test_id("preview-text").inner_text()
    after = _template(console, template_id)
    assert after["version"] == before["version"] + 1
    assert after["body"].endswith("До встречи в консоли.")
    snap(page, "settings-template")
    check_a11y(page)


def test_a_run_time_setting_is_checked_before_it_is_saved(
    signed_in_page: Callable[[str], Any], console: ConsoleServer
) -> None:
    page = signed_in_page("owner")
    page.goto("/console/settings")
    form = page.locator("#setting-booking\\.hold_minutes")
    form.get_by_role("textbox").fill("1")
    form.get_by_role("button").click()
    assert page.locator(".flash-error").count() == 1
    form = page.locator("#setting-booking\\.hold_minutes")
    form.get_by_role("textbox").fill("25")
    form.get_by_role("button").click()
    assert page.locator(".flash-success").inner_text() == "Настройка сохранена."
    setting = console.api("GET", "/api/v1/admin/settings/booking.hold_minutes").json()
    assert setting["value"] == 25


def test_the_owner_adds_a_staff_member_and_finds_it_in_the_audit_log(
    signed_in_page: Callable[[str], Any], snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    page.goto("/console/settings/staff")
    page.fill("#staff-email", "new-editor@example.org")
    page.get_by_label("ассистент").first.uncheck()
    page.get_by_label("редактор").first.check()
    page.get_by_role("button", name="Добавить").click()
    assert page.locator(".flash-success").inner_text() == (
        "Сотрудник new-editor@example.org добавлен."
    )
    row = page.get_by_test_id("users").locator("tr", has_text="new-editor@example.org")
    user_id = (row.get_attribute("id") or "").removeprefix("user-")
    assert row.get_by_label("редактор").is_checked()
    assert not row.get_by_label("ассистент").is_checked()
    snap(page, "settings-staff")
    check_a11y(page)

    row.get_by_label("ассистент").check()
    row.get_by_role("button").click()
    assert page.locator(".flash-success").inner_text() == "Роли изменены."
    row = page.get_by_test_id("users").locator("tr", has_text="new-editor@example.org")
    assert row.get_by_label("ассистент").is_checked()

    page.get_by_role("link", name="Журнал действий").click()
    page.fill("#action", "user.add_staff")
    page.select_option("#actor", label=page.get_by_test_id("staff-name").inner_text())
    today = datetime.now(ZoneInfo("Europe/Moscow")).date().isoformat()
    page.fill("#from", today)
    page.fill("#to", today)
    page.get_by_role("button", name="Найти").click()
    entries = page.get_by_test_id("audit-entries")
    found = entries.locator("tr", has_text=user_id)
    assert found.count() == 1
    assert "user.add_staff" in found.inner_text()
    assert entries.locator("tbody tr", has_text="user.set_roles").count() == 0
    snap(page, "settings-audit")
    check_a11y(page)


def test_an_assistant_is_refused_the_staff_settings(
    signed_in_page: Callable[[str], Any],
) -> None:
    page = signed_in_page("assistant")
    for path in ("/console/settings/staff", "/console/settings", "/console/settings/audit"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 403
        assert page.get_by_test_id("error-code").inner_text() == "forbidden"
