"""The whole money path with the sandbox provider, as `make run` shows it: hold → pay →
confirmed → cancel within the free window → refund succeeded; and giving up paying
releases the time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, make_settings

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
START = "2030-06-05T07:00:00+00:00"  # two days ahead: inside the free cancellation window


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def client(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
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
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def book(client: AsyncTestClient[Litestar], email: str) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": START, "format": "online",
              "contact": {"name": "Гость", "email": email},
              "consents": [{"consent_type": "personal_data", "granted": True,
                            "document_version": "1"}]},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_pay_then_cancel_in_the_free_window_refunds_in_full(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    held = await book(client, "pay@example.org")
    pay = held["payment"]["confirmation_url"].split("/api/v1")[1]
    assert (await client.post(f"/api/v1{pay}")).status_code == 204
    token = {"X-Manage-Token": held["manage_token"]}
    appointment = f"/api/v1/appointments/{held['appointment']['id']}"
    assert (await client.get(appointment, headers=token)).json()["status"] == "confirmed"
    canceled = await client.post(f"{appointment}/cancel", json={}, headers=token)
    assert canceled.json()["refund"] == {"amount": "3500.00", "currency": "RUB"}
    postgresql.commit()
    assert postgresql.execute(
        "SELECT p.status, r.amount::text, r.status FROM refunds r JOIN payments p ON p.id = r.payment_id"
    ).fetchone() == ("succeeded", "3500.00", "succeeded")


async def test_giving_up_paying_releases_the_time(client: AsyncTestClient[Litestar]) -> None:
    held = await book(client, "quit@example.org")
    pay = held["payment"]["confirmation_url"].split("/api/v1")[1]
    assert (await client.post(f"/api/v1{pay}/cancel")).status_code == 204
    token = {"X-Manage-Token": held["manage_token"]}
    shown = await client.get(f"/api/v1/appointments/{held['appointment']['id']}", headers=token)
    assert shown.json()["status"] == "canceled"
    await book(client, "next@example.org")  # the slot is free again
