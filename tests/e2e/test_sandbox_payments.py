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
from tests.conftest import FixedClock

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
START = "2030-06-05T07:00:00+00:00"  # two days ahead: inside the free cancellation window


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


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


async def test_a_fresh_payment_link_for_a_held_appointment(
    client: AsyncTestClient[Litestar],
) -> None:
    held = await book(client, "link@example.org")
    token = {"X-Manage-Token": held["manage_token"]}
    path = f"/api/v1/appointments/{held['appointment']['id']}/payments"
    first = await client.post(path, headers=token)
    assert first.status_code == 201
    assert first.json()["confirmation_url"] == held["payment"]["confirmation_url"]
    pay = held["payment"]["confirmation_url"].split("/api/v1")[1]
    await client.post(f"/api/v1{pay}/cancel")  # gave up: the hold is released too
    refused = await client.post(path, headers=token)
    assert refused.status_code == 409
    assert (await client.post(path)).status_code == 404  # not theirs


async def test_staff_see_payments_and_refund_within_what_was_paid(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    from tests.e2e.identity_helpers import bearer  # noqa: PLC0415
    from tests.e2e.staff import signed_in  # noqa: PLC0415

    held = await book(client, "refund@example.org")
    await client.post("/api/v1" + held["payment"]["confirmation_url"].split("/api/v1")[1])
    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    editor = bearer(signed_in(postgresql, "editor", now=NOW))
    assert (await client.get("/api/v1/admin/payments", headers=editor)).status_code == 403
    listed = (await client.get("/api/v1/admin/payments?status=succeeded", headers=assistant)).json()
    payment = listed["items"][0]
    assert (payment["amount"], payment["refunded"], payment["status"]) == (
        "3500.00",
        "0.00",
        "succeeded",
    )
    refund = f"/api/v1/admin/payments/{payment['id']}/refund"
    assert (
        await client.post(refund, json={"amount": "1000.00"}, headers=assistant)
    ).status_code == 204
    too_much = await client.post(refund, json={"amount": "2600.00"}, headers=assistant)
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "amount"
    after = (await client.get("/api/v1/admin/payments", headers=assistant)).json()["items"][0]
    assert after["refunded"] == "1000.00"
    postgresql.commit()
    assert postgresql.execute("SELECT status, reason FROM refunds").fetchone() == (
        "succeeded",
        "staff_decision",
    )
    assert postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'payment.refund'"
    ).fetchone() == (1,)
