"""The console's HTTP behaviour without a browser: cookie session, CSRF, HTML errors,
and that the JSON API beside it is untouched."""

from __future__ import annotations

import re
import uuid
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.console.pages.appointment import safe_back
from app.composition.root import build_core, create_app
from tests.conftest import make_settings
from tests.e2e.staff import signed_in

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def test_signed_out_pages_send_to_the_login_form(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/console/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    login = await client.get("/console/login")
    assert login.status_code == 200
    assert 'lang="ru"' in login.text
    assert 'id="email"' in login.text
    assert CSRF.search(login.text)
    assert "eb_console_csrf" in client.cookies
    assert "script-src 'self'" in login.headers["content-security-policy"]


async def test_a_post_without_the_csrf_token_is_refused_with_a_page(
    client: AsyncTestClient[Litestar],
) -> None:
    await client.get("/console/login")
    response = await client.post("/console/login", data={"email": "a@example.org"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "csrf_failed" in response.text


async def test_the_login_form_posts_with_its_token(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/console/login")
    token = CSRF.search(page.text)
    assert token
    response = await client.post(
        "/console/login", data={"email": "owner@example.org", "_csrf_token": token.group(1)}
    )
    assert response.status_code == 200, response.text
    assert 'id="code"' in response.text


async def test_a_staff_cookie_opens_the_console_and_a_client_cookie_does_not(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    client.cookies.set("eb_console", signed_in(postgresql, "owner"), path="/console")
    page = await client.get("/console/")
    assert page.status_code == 200, page.text
    for href in ("/console/schedule", "/console/clients", "/console/settings"):
        assert f'href="{href}"' in page.text
    assert '<a href="/console/" aria-current="page">Сегодня</a>' in page.text
    client.cookies.clear()
    client.cookies.set("eb_console", signed_in(postgresql, "client"), path="/console")
    refused = await client.get("/console/")
    assert refused.status_code == 403
    assert "Консоль только для сотрудников практики" in refused.text


async def test_errors_inside_the_console_are_pages_and_the_api_keeps_problem_json(
    client: AsyncTestClient[Litestar],
) -> None:
    missing = await client.get("/console/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "not_found" in missing.text
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    # The API takes no CSRF token: its callers authenticate with bearer tokens.
    started = await client.post("/api/v1/auth/email/start", json={"email": "x@example.org"})
    assert started.status_code == 202
    assert "eb_console_csrf" not in started.headers.get("set-cookie", "")


async def test_the_console_is_not_mounted_when_switched_off(database_url: str) -> None:
    settings = make_settings(database_url, CONSOLE_ENABLED="false")
    app = create_app(settings, core=build_core(settings))
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/console/login")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_editor_sees_the_console_without_the_appointments(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    client.cookies.set("eb_console", signed_in(postgresql, "editor"), path="/console")
    page = await client.get("/console/")
    assert page.status_code == 200
    assert "Записи клиентов видят владелец практики и ассистент." in page.text
    refused = await client.get(f"/console/appointments/{uuid.uuid4()}")
    assert refused.status_code == 403
    assert "forbidden" in refused.text


async def test_a_missing_appointment_and_an_unknown_action_are_pages(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    client.cookies.set("eb_console", signed_in(postgresql, "owner"), path="/console")
    missing = await client.get(f"/console/appointments/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "Страница не найдена" in missing.text
    assert "not_found" in missing.text
    token = CSRF.search((await client.get("/console/")).text)
    assert token
    unknown = await client.post(
        f"/console/appointments/{uuid.uuid4()}/actions/explode",
        data={"_csrf_token": token.group(1)},
    )
    assert unknown.status_code == 422
    assert "validation_failed" in unknown.text


def test_actions_return_only_to_console_pages() -> None:
    appointment = uuid.uuid4()
    own = f"/console/appointments/{appointment}"
    assert safe_back("/console/week?start=2026-12-07", appointment) == (
        "/console/week?start=2026-12-07"
    )
    for elsewhere in ("https://evil.example", "//evil.example", "/api/v1/me", "", "/console\\x"):
        assert safe_back(elsewhere, appointment) == own
