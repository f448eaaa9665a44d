"""YooKassa notifications: replays (also concurrent) change things once; a forged
source is refused; an API answer that disagrees changes nothing; a late 'canceled'
after 'succeeded' never regresses. The API itself is mocked with respx."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
import respx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import Receive, Scope, Send

from app.bootstrap import Core, build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, make_settings

API = "https://api.yookassa.test/v3/"
YOOKASSA_IP = "185.71.76.10"
NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url, YOOKASSA_SHOP_ID="shop-1", YOOKASSA_SECRET_KEY="test_secret",
        YOOKASSA_API_URL=API, DATABASE_POOL_MAX="10",
    )  # fmt: skip


def from_address(app: Litestar, host: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The app as seen from ``host`` (the socket peer the allow-list checks)."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (host, 40000)}  # type: ignore[typeddict-item]
        await app(scope, receive, send)

    return asgi


@pytest.fixture
async def core(settings: Settings, clock: FixedClock) -> AsyncIterator[Core]:
    built = build_core(settings, clock=clock)
    await built.database.open()
    yield built
    await built.database.close()


@pytest.fixture
async def yookassa(settings: Settings, clock: FixedClock) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=from_address(app, YOOKASSA_IP)) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture
def held(postgresql: psycopg.Connection[Any]) -> dict[str, Any]:
    """A held appointment whose YooKassa payment is pending."""
    postgresql.commit()
    service = postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status)
           VALUES ('s', 'Сеанс', 'online', 60, 3500, 'published') RETURNING id"""
    ).fetchone()[0]  # type: ignore[index]
    user = postgresql.execute(
        "INSERT INTO users (email) VALUES ('c@example.org') RETURNING id"
    ).fetchone()[0]  # type: ignore[index]
    start = NOW + timedelta(days=2)
    appointment = postgresql.execute(
        """INSERT INTO appointments (service_id, client_user_id, start_at, end_at, blocked_period,
               timezone, status, format, hold_expires_at)
           VALUES (%(s)s, %(u)s, %(a)s, %(b)s, tstzrange(%(a)s, %(b)s), 'UTC', 'pending_payment',
                   'online', %(h)s) RETURNING id""",
        {
            "s": service,
            "u": user,
            "a": start,
            "b": start + timedelta(hours=1),
            "h": NOW + timedelta(minutes=15),
        },
    ).fetchone()[0]  # type: ignore[index]
    payment = uuid.uuid4()
    postgresql.execute(
        """INSERT INTO payments (id, appointment_id, kind, amount, currency, provider,
               provider_payment_id, idempotence_key, status)
           VALUES (%(p)s, %(a)s, 'full', 3500.00, 'RUB', 'yookassa', 'yk-0001', gen_random_uuid(), 'pending')""",
        {"p": payment, "a": appointment},
    )
    postgresql.commit()
    return {"appointment": appointment, "payment": payment}


def notification(event: str, object_id: str = "yk-0001") -> dict[str, Any]:
    return {"type": "notification", "event": event,
            "object": {"id": object_id, "status": event.split(".")[1]}}  # fmt: skip


def api_payment(held: dict[str, Any], status: str, value: str = "3500.00") -> dict[str, Any]:
    return {"id": "yk-0001", "status": status, "amount": {"value": value, "currency": "RUB"},
            "metadata": {"payment_id": str(held["payment"]),
                         "appointment_id": str(held["appointment"])}}  # fmt: skip


def state(db: psycopg.Connection[Any]) -> tuple[Any, ...]:
    db.commit()
    return db.execute(
        """SELECT p.status, a.status,
                  (SELECT count(*) FROM outbox_events WHERE event_type = 'booking.appointment_confirmed'),
                  (SELECT count(*) FROM provider_webhook_events)
           FROM payments p JOIN appointments a ON a.id = p.appointment_id"""
    ).fetchone()  # type: ignore[return-value]


async def drain(core: Core) -> None:
    while await core.relay.run_once():
        pass


@respx.mock
async def test_replays_change_things_exactly_once(
    yookassa: AsyncTestClient[Any], core: Core, held: dict[str, Any],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    route = respx.get(f"{API}payments/yk-0001").mock(
        return_value=httpx.Response(200, json=api_payment(held, "succeeded"))
    )
    body = notification("payment.succeeded")
    first = [await yookassa.post("/webhooks/yookassa", json=body) for _ in range(2)]
    together = await asyncio.gather(
        *(yookassa.post("/webhooks/yookassa", json=body) for _ in range(3))
    )
    answers = [r.json()["status"] for r in [*first, *together]]
    assert [r.status_code for r in [*first, *together]] == [200] * 5, [
        r.text for r in [*first, *together]
    ]
    assert answers.count("recorded") == 1
    assert answers.count("duplicate") == 4
    await drain(core)
    assert state(postgresql) == ("succeeded", "confirmed", 1, 1)
    assert route.call_count == 1  # verified against the API once
    await drain(core)
    assert state(postgresql) == ("succeeded", "confirmed", 1, 1)
    assert postgresql.execute(
        "SELECT count(*) FROM notification_deliveries WHERE template_code = 'booking.confirmed'"
    ).fetchone() == (1,)


async def test_a_forged_source_is_refused(
    settings: Settings, clock: FixedClock, held: dict[str, Any], postgresql: psycopg.Connection[Any]
) -> None:
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=from_address(app, "203.0.113.9")) as client:  # type: ignore[arg-type]
        response = await client.post("/webhooks/yookassa", json=notification("payment.succeeded"))
    assert response.status_code == 403
    assert state(postgresql) == ("pending", "pending_payment", 0, 0)


@respx.mock
@pytest.mark.parametrize(("api_status", "value"), [("pending", "3500.00"), ("succeeded", "1.00")])
async def test_an_api_answer_that_disagrees_changes_nothing(
    yookassa: AsyncTestClient[Any], core: Core, held: dict[str, Any],
    postgresql: psycopg.Connection[Any], api_status: str, value: str,
) -> None:  # fmt: skip
    respx.get(f"{API}payments/yk-0001").mock(
        return_value=httpx.Response(200, json=api_payment(held, api_status, value))
    )
    await yookassa.post("/webhooks/yookassa", json=notification("payment.succeeded"))
    await drain(core)
    assert state(postgresql)[:2] == ("pending", "pending_payment")
    postgresql.commit()
    outcome = postgresql.execute("SELECT outcome FROM provider_webhook_events").fetchone()
    assert outcome is not None
    assert outcome[0].startswith("ignored_")


@respx.mock
async def test_a_late_cancellation_never_undoes_a_success(
    yookassa: AsyncTestClient[Any], core: Core, held: dict[str, Any],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    respx.get(f"{API}payments/yk-0001").mock(
        side_effect=[
            httpx.Response(200, json=api_payment(held, "succeeded")),
            httpx.Response(200, json=api_payment(held, "canceled")),
        ]
    )
    await yookassa.post("/webhooks/yookassa", json=notification("payment.succeeded"))
    await drain(core)
    await yookassa.post("/webhooks/yookassa", json=notification("payment.canceled"))
    await drain(core)
    assert state(postgresql)[:2] == ("succeeded", "confirmed")


@respx.mock
async def test_a_canceled_payment_releases_the_hold(
    yookassa: AsyncTestClient[Any], core: Core, held: dict[str, Any],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    canceled = {**api_payment(held, "canceled"),
                "cancellation_details": {"party": "yoo_money", "reason": "expired_on_confirmation"}}  # fmt: skip
    respx.get(f"{API}payments/yk-0001").mock(return_value=httpx.Response(200, json=canceled))
    await yookassa.post("/webhooks/yookassa", json=notification("payment.canceled"))
    await drain(core)
    assert state(postgresql)[:2] == ("canceled", "canceled")
    postgresql.commit()
    assert postgresql.execute("SELECT failure_reason FROM payments").fetchone() == (
        "expired_on_confirmation",
    )


@respx.mock
async def test_refund_succeeded_is_recorded(
    yookassa: AsyncTestClient[Any], core: Core, held: dict[str, Any],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    postgresql.execute(
        """INSERT INTO refunds (payment_id, amount, provider_refund_id, idempotence_key, status)
           VALUES (%(p)s, 3500, 'rf-1', gen_random_uuid(), 'pending')""",
        {"p": held["payment"]},
    )
    postgresql.commit()
    respx.get(f"{API}refunds/rf-1").mock(
        return_value=httpx.Response(200, json={"id": "rf-1", "status": "succeeded"})
    )
    await yookassa.post("/webhooks/yookassa", json=notification("refund.succeeded", "rf-1"))
    await drain(core)
    postgresql.commit()
    assert postgresql.execute("SELECT status FROM refunds").fetchone() == ("succeeded",)


async def test_malformed_notifications_are_rejected(yookassa: AsyncTestClient[Any]) -> None:
    bad = await yookassa.post("/webhooks/yookassa", json={"type": "notification", "event": "x"})
    assert bad.status_code == 422
    junk = await yookassa.post(
        "/webhooks/yookassa", content=b"{", headers={"content-type": "application/json"}
    )
    assert junk.status_code == 400


@respx.mock
async def test_reconciliation_confirms_a_payment_whose_notification_was_lost(
    core: Core, held: dict[str, Any], clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    respx.get(f"{API}payments/yk-0001").mock(
        return_value=httpx.Response(200, json=api_payment(held, "succeeded"))
    )
    postgresql.execute("UPDATE payments SET created_at = %(t)s", {"t": NOW - timedelta(minutes=1)})
    postgresql.commit()
    assert await core.payments.reconcile(clock.now()) == 0  # too recent to chase
    clock.advance(minutes=5)
    assert await core.payments.reconcile(clock.now()) == 1
    assert state(postgresql)[:2] == ("succeeded", "confirmed")
    assert await core.payments.reconcile(clock.now()) == 0  # nothing open any more


@respx.mock
async def test_a_cancellation_refund_is_requested_once_with_our_key(
    core: Core, held: dict[str, Any], postgresql: psycopg.Connection[Any]
) -> None:
    postgresql.execute("UPDATE payments SET status = 'succeeded', confirmed_at = now()")
    postgresql.execute("UPDATE appointments SET status = 'confirmed', hold_expires_at = NULL")
    postgresql.commit()
    from app.application.access import Principal  # noqa: PLC0415
    from app.application.booking.callers import Caller  # noqa: PLC0415
    from app.domain.identity.model import Role  # noqa: PLC0415

    user = postgresql.execute("SELECT client_user_id FROM appointments").fetchone()[0]  # type: ignore[index]
    caller = Caller(Principal(user, uuid.uuid4(), frozenset({Role.CLIENT})))
    refund = (await core.booking.client.cancel(caller, held["appointment"])).refund
    assert str(refund) == "3500.00"
    route = respx.post(f"{API}refunds").mock(
        return_value=httpx.Response(200, json={"id": "rf-9", "status": "succeeded"})
    )
    await drain(core)
    await drain(core)
    assert route.call_count == 1
    key = postgresql.execute("SELECT idempotence_key FROM refunds").fetchone()[0]  # type: ignore[index]
    assert route.calls.last.request.headers["Idempotence-Key"] == str(key)
    postgresql.commit()
    assert postgresql.execute("SELECT provider_refund_id, status FROM refunds").fetchone() == (
        "rf-9",
        "succeeded",
    )


@respx.mock
async def test_waiting_for_capture_is_recorded_without_confirming(
    yookassa: AsyncTestClient[Any], core: Core, held: dict[str, Any],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    respx.get(f"{API}payments/yk-0001").mock(
        return_value=httpx.Response(200, json=api_payment(held, "waiting_for_capture"))
    )
    for _ in range(5):
        await yookassa.post("/webhooks/yookassa", json=notification("payment.waiting_for_capture"))
    await drain(core)
    assert state(postgresql) == ("waiting_for_capture", "pending_payment", 0, 1)


@respx.mock
async def test_pending_refunds_are_polled(
    core: Core, held: dict[str, Any], clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    postgresql.execute(
        """INSERT INTO refunds (payment_id, amount, provider_refund_id, idempotence_key, status,
                                updated_at)
           VALUES (%(p)s, 100, 'rf-5', gen_random_uuid(), 'pending', %(t)s)""",
        {"p": held["payment"], "t": NOW - timedelta(minutes=10)},
    )
    postgresql.execute("UPDATE payments SET status = 'succeeded', confirmed_at = now()")
    postgresql.commit()
    respx.get(f"{API}refunds/rf-5").mock(
        return_value=httpx.Response(200, json={"id": "rf-5", "status": "succeeded"})
    )
    assert await core.payments.reconcile(clock.now()) == 1
    postgresql.commit()
    assert postgresql.execute("SELECT status FROM refunds").fetchone() == ("succeeded",)


@respx.mock
async def test_a_notification_about_an_object_not_ours_is_recorded_rejected_and_never_fetched(
    yookassa: AsyncTestClient[Any], core: Core, held: dict[str, Any],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    fetched = respx.get(url__startswith=API).mock(return_value=httpx.Response(404))
    for event, object_id in (("payment.succeeded", "yk-9999"), ("refund.succeeded", "rf-9999")):
        body = notification(event, object_id)
        answers = [(await yookassa.post("/webhooks/yookassa", json=body)) for _ in range(2)]
        assert [(a.status_code, a.json()["status"]) for a in answers] == [
            (200, "rejected"), (200, "duplicate"),
        ]  # fmt: skip
    await drain(core)
    postgresql.commit()
    rows = postgresql.execute(
        "SELECT event, object_id, outcome, processed_at IS NOT NULL FROM provider_webhook_events"
        " ORDER BY event"
    ).fetchall()
    assert rows == [
        ("payment.succeeded", "yk-9999", "rejected_unknown_object", True),
        ("refund.succeeded", "rf-9999", "rejected_unknown_object", True),
    ]
    assert postgresql.execute(
        "SELECT count(*) FROM outbox_events WHERE event_type LIKE 'payments.%'"
    ).fetchone() == (0,)
    assert fetched.call_count == 0
    assert state(postgresql)[:2] == ("pending", "pending_payment")
