"""Paying through YooKassa (its API mocked with respx): the payment row is committed
before the provider is called, with our idempotence key; a retried booking reuses the
link; an unreachable provider leaves the time held and answers 503."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
import respx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, make_settings

API = "https://api.yookassa.test/v3/"
NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
CREATED = {"id": "yk-77", "status": "pending", "amount": {"value": "3500.00", "currency": "RUB"},
           "confirmation": {"type": "redirect",
                            "confirmation_url": "https://yoomoney.test/checkout/yk-77"}}  # fmt: skip


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url, PAYMENTS_PROVIDER="yookassa", YOOKASSA_SHOP_ID="shop-1",
        YOOKASSA_SECRET_KEY="test_secret", YOOKASSA_API_URL=API,
    )  # fmt: skip


@pytest.fixture
async def client(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status)
           VALUES ('konsultatsiya', 'Консультация', 'online', 60, 3500, 'published')"""
    )
    postgresql.execute(
        """INSERT INTO schedule_rules (weekday, start_time, end_time, timezone)
           SELECT d, '09:00', '18:00', 'Europe/Moscow' FROM generate_series(1, 7) d"""
    )
    postgresql.commit()
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def booking(email: str = "g@example.org") -> dict[str, Any]:
    return {"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
            "format": "online", "contact": {"name": "Гость", "email": email},
            "consents": [{"consent_type": "personal_data", "granted": True, "document_version": "1"}]}  # fmt: skip


@respx.mock
async def test_booking_gets_a_yookassa_link_once(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    route = respx.post(f"{API}payments").mock(return_value=httpx.Response(200, json=CREATED))
    headers = {"Idempotency-Key": "try-000000001"}
    first = await client.post("/api/v1/appointments", json=booking(), headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["confirmation_url"] == "https://yoomoney.test/checkout/yk-77"
    again = await client.post("/api/v1/appointments", json=booking(), headers=headers)
    assert again.json()["payment"]["confirmation_url"] == "https://yoomoney.test/checkout/yk-77"
    assert route.call_count == 1  # the link is stored: no second payment at YooKassa

    sent = json.loads(route.calls.last.request.content)
    postgresql.commit()
    payment_id, key, status, provider_id = postgresql.execute(
        "SELECT id, idempotence_key, status, provider_payment_id FROM payments"
    ).fetchone()  # type: ignore[misc]
    assert route.calls.last.request.headers["Idempotence-Key"] == str(key)
    assert (status, provider_id) == ("pending", "yk-77")
    assert sent["capture"] is True
    assert sent["amount"] == {"value": "3500.00", "currency": "RUB"}
    assert sent["metadata"]["payment_id"] == str(payment_id)
    assert len(sent["description"]) <= 128


@respx.mock
async def test_an_unreachable_provider_keeps_the_hold_and_answers_503(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    respx.post(f"{API}payments").mock(return_value=httpx.Response(503))
    answer = await client.post("/api/v1/appointments", json=booking())
    assert answer.status_code == 503
    assert answer.json()["code"] == "payment_provider_unavailable"
    postgresql.commit()
    assert postgresql.execute(
        "SELECT a.status, p.status FROM appointments a JOIN payments p ON p.appointment_id = a.id"
    ).fetchone() == ("pending_payment", "intent")
