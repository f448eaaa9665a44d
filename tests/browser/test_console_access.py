"""Who gets into the console: staff through the e-mailed code, nobody else; forms need
their CSRF token; a missing or ended session goes back to the login form."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]


def test_the_login_page_is_accessible(page: Any, snap: Snap, check_a11y: A11y) -> None:
    page.goto("/console/login")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_label("Электронная почта").count() == 1
    snap(page, "login")
    check_a11y(page)


def test_staff_sign_in_with_the_emailed_code_and_land_on_today(
    signed_in_page: Callable[[str], Any], snap: Snap, check_a11y: A11y
) -> None:
    page = signed_in_page("owner")
    assert page.url.endswith("/console/")
    assert page.get_by_role("heading", level=1).first.inner_text() == "Сегодня"
    nav = page.get_by_role("navigation", name="Разделы консоли")
    for label in ("Сегодня", "Расписание", "Клиенты", "Модерация", "Контент", "Платежи",
                  "Дашборды", "Настройки"):  # fmt: skip
        assert nav.get_by_role("link", name=label).count() == 1
    cookie = next(c for c in page.context.cookies() if c["name"] == "eb_console")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/console"
    snap(page, "today")
    check_a11y(page)


def test_a_client_account_is_refused(signed_in_page: Callable[[str], Any]) -> None:
    page = signed_in_page("client")
    assert "Консоль только для сотрудников практики" in page.content()
    assert not [c for c in page.context.cookies() if c["name"] == "eb_console"]
    page.goto("/console/")
    assert page.url.endswith("/console/login")


def test_a_wrong_code_is_refused_on_the_code_form(page: Any) -> None:
    page.goto("/console/login")
    page.fill("#email", "nobody-yet@example.org")
    page.get_by_role("button", name="Получить код").click()
    page.fill("#code", "000000")
    page.get_by_role("button", name="Войти").click()
    assert page.get_by_role("alert").inner_text() == "Код неверный или уже не действует."
    assert page.locator("#code").count() == 1


def test_a_post_without_the_csrf_token_is_refused(
    signed_in_page: Callable[[str], Any], console: ConsoleServer
) -> None:
    page = signed_in_page("owner")
    # The browser's own cookies (session and CSRF), but a form without the token.
    response = page.request.post(
        console.url("/console/logout"), form={"anything": "1"}, max_redirects=0
    )
    assert response.status == 403
    assert "csrf_failed" in response.text()
    page.goto("/console/")
    assert page.url.endswith("/console/")  # still signed in: the logout did not happen


def test_without_a_session_cookie_pages_redirect_to_the_login_form(
    signed_in_page: Callable[[str], Any],
) -> None:
    page = signed_in_page("owner")
    page.context.clear_cookies()
    page.goto("/console/")
    assert page.url.endswith("/console/login")
    page.context.add_cookies([{"name": "eb_console", "value": "not-a-session", "url": page.url}])
    page.goto("/console/")
    assert page.url.endswith("/console/login")


def test_logout_ends_the_session(signed_in_page: Callable[[str], Any]) -> None:
    page = signed_in_page("owner")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "eb_console")
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/console/login")
    assert not [c for c in page.context.cookies() if c["name"] == "eb_console"]
    # The old token is revoked, not only forgotten by the browser.
    base = page.url.split("/console/")[0]
    again = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert again.status_code == 401
