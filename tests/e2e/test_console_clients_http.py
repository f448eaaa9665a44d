"""The console's clients pages over HTTP (no browser): converting a lead to the account
found by its e-mail, the short-query hint, and the roles that may open the page."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.e2e.staff import signed_in

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
CONSENT = [{"consent_type": "personal_data", "granted": True, "document_version": "1"}]


async def test_convert_a_lead_to_the_account_with_that_email(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    sent = await client.post(
        "/api/v1/leads",
        json={"name": "Вера", "email": "vera@example.org", "consents": CONSENT},
    )
    assert sent.status_code == 202, sent.text
    signed_in(postgresql, "client", email="vera.account@example.org")
    client.cookies.set("eb_console", signed_in(postgresql, "owner"), path="/console")

    hint = await client.get("/console/clients?q=v")
    assert "хотя бы два символа" in hint.text
    listed = await client.get("/console/clients?q=vera%40example")
    assert "Найдено: 1 лид" in listed.text
    found = re.search(r'href="/console/clients/([0-9a-f-]{36})"', listed.text)
    assert found
    lead = f"/console/clients/{found.group(1)}"
    page = await client.get(lead)
    token = CSRF.search(page.text)
    assert token

    async def convert(email: str) -> str:
        answer = await client.post(
            f"{lead}/convert", data={"email": email, "_csrf_token": token.group(1)},
            follow_redirects=True,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer.text

    assert "Аккаунт клиента с такой почтой не найден" in await convert("nobody@example.org")
    converted = await convert("vera.account@example.org")
    assert "Лид стал клиентом" in converted
    assert 'data-testid="lead-status">Клиент<' in converted
    assert "Связать с аккаунтом" not in converted
    assert postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action IN ('client.lookup', 'lead.convert')"
    ).fetchone() == (3,)


async def test_add_a_lead_met_outside_the_site(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    client.cookies.set("eb_console", signed_in(postgresql, "assistant"), path="/console")
    page = await client.get("/console/clients")
    token = CSRF.search(page.text)
    assert token
    added = await client.post(
        "/console/clients",
        data={"name": "Глеб", "phone": "+7 999 123-45-67", "note": "Позвонил сам",
              "email": "", "_csrf_token": token.group(1)},
        follow_redirects=True,
    )  # fmt: skip
    assert added.status_code == 200, added.text
    assert "Лид добавлен" in added.text
    assert "<h1>Глеб</h1>" in added.text
    assert "Позвонил сам" in added.text
    refused = await client.post(
        "/console/clients", data={"name": "Без контакта", "_csrf_token": token.group(1)}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")


async def test_only_the_owner_and_assistant_open_clients(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    client.cookies.set("eb_console", signed_in(postgresql, "editor"), path="/console")
    refused = await client.get("/console/clients")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    client.cookies.set("eb_console", signed_in(postgresql, "assistant"), path="/console")
    assert (await client.get("/console/clients")).status_code == 200
