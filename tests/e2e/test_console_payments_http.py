"""The console's payments pages over HTTP (no browser): the reconciliation problems as
the database holds them, a payment page, and a refund form's wrong amounts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.staff import signed_in

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
START = "2030-06-05T07:00:00+00:00"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
async def client(
    settings: Settings, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status,
                                 cancel_free_hours)
           VALUES ('konsultatsiya', 'Консультация', 'online', 60, 3500, 'published', 24)"""
    )
    postgresql.execute(
        """INSERT INTO schedule_rules (weekday, start_time, end_time, timezone)
           SELECT d, '09:00', '18:00', 'Europe/Moscow' FROM generate_series(1, 7) d"""
    )
    postgresql.commit()
    app = create_app(settings, core=build_core(settings, clock=FixedClock(NOW)))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def _book(client: AsyncTestClient[Litestar], email: str, start: str = START) -> str:
    held = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": start, "format": "online",
              "contact": {"name": "Гость", "email": email},
              "consents": [{"consent_type": "personal_data", "granted": True,
                            "document_version": "1"}]},
    )  # fmt: skip
    assert held.status_code == 201, held.text
    return str(held.json()["payment"]["confirmation_url"].split("/api/v1")[1])


async def test_problems_payment_page_and_refund_amounts(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    paid = await _book(client, "paid@example.org")
    assert (await client.post(f"/api/v1{paid}")).status_code == 204
    await _book(client, "open@example.org", "2030-06-05T09:00:00+00:00")
    # As YooKassa would leave them: one payment never finished, one refund canceled.
    postgresql.execute(
        "UPDATE payments SET provider = 'yookassa', provider_payment_id = 'yk-open', "
        "created_at = %(t)s WHERE status <> 'succeeded'",
        {"t": datetime(2030, 6, 3, 5, 0, tzinfo=UTC)},
    )
    payment_id = postgresql.execute("SELECT id FROM payments WHERE status = 'succeeded'").fetchone()
    assert payment_id is not None
    postgresql.execute(
        "INSERT INTO refunds (payment_id, amount, idempotence_key, status, reason) "
        "VALUES (%(p)s, 700, gen_random_uuid(), 'canceled', 'staff_decision')",
        {"p": payment_id[0]},
    )
    client.cookies.set("eb_console", signed_in(postgresql, "owner", now=NOW), path="/console")

    problems = await client.get("/console/payments/problems")
    assert problems.status_code == 200, problems.text
    assert "2 проблемы" in problems.text
    assert "Платёж давно не завершён" in problems.text
    assert "Провайдер отменил возврат: деньги не вернулись" in problems.text

    page = await client.get(f"/console/payments/{payment_id[0]}")
    assert page.status_code == 200, page.text
    assert "Не прошёл" in page.text  # the canceled refund, listed
    assert "3\u00a0500\u00a0₽" in page.text  # left: a canceled refund gave nothing back
    token = CSRF.search(page.text)
    assert token
    for amount, shown in (("abc", "Укажите сумму"), ("0", "Укажите сумму"),
                          ("3500,01", "Столько вернуть нельзя")):  # fmt: skip
        answer = await client.post(
            f"/console/payments/{payment_id[0]}/refund",
            data={"amount": amount, "_csrf_token": token.group(1)},
            follow_redirects=True,
        )
        assert shown in answer.text, amount
    assert postgresql.execute("SELECT count(*) FROM refunds").fetchone() == (1,)

    first = await client.get("/console/payments?limit=1")
    assert first.text.count('href="/console/payments/') - first.text.count("/problems") == 1
    more = re.search(r'href="(/console/payments\?[^"]*cursor=[^"]+)"[^>]*>Дальше', first.text)
    assert more, first.text
    second = await client.get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200, second.text
    assert "Продолжение списка: 1 платёж" in second.text
    assert "Дальше" not in second.text

    editor = signed_in(postgresql, "editor", now=NOW)
    client.cookies.set("eb_console", editor, path="/console")
    assert (await client.get("/console/payments/problems")).status_code == 403
