"""Deposits and receipts, walked through HTTP against a stand-in YooKassa (its API mocked
with respx, holding the payments it was asked for): a service with a deposit takes the
deposit at booking, the client pays the rest later (kind=remainder) after a reminder
that carries the pay link, and a cancellation refunds by the policy over what was
actually paid, split over the payments. With receipts on, every payment and refund
request carries a 54-FZ receipt; a client with only a phone gets it by phone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
import respx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import Receive, Scope, Send

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually
from tests.e2e.staff import signed_in

API = "https://api.yookassa.test/v3/"
SITE = "https://balance.example"
YOOKASSA_IP = "185.71.76.10"
NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
START = "2030-06-06T07:00:00+00:00"  # 73 hours after NOW
GUEST = "guest@example.org"
CONSENT = [{"consent_type": "personal_data", "granted": True, "document_version": "1"}]


class StandIn:
    """YooKassa as far as these journeys need it: payments wait until the test pays them,
    refunds succeed at once; every request body is kept."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.payments: dict[str, dict[str, Any]] = {}
        self.payment_requests: list[dict[str, Any]] = []
        self.refund_requests: list[dict[str, Any]] = []
        router.post(f"{API}payments").mock(side_effect=self._create_payment)
        router.get(url__regex=rf"{API}payments/(?P<pid>[\w-]+)$").mock(side_effect=self._payment)
        router.post(f"{API}refunds").mock(side_effect=self._create_refund)
        router.get(url__regex=rf"{API}refunds/(?P<rid>[\w-]+)$").mock(side_effect=self._refund)

    def _create_payment(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.payment_requests.append(body)
        payment_id = f"yk-{len(self.payments) + 1}"
        self.payments[payment_id] = {
            "id": payment_id, "status": "pending", "amount": body["amount"],
            "metadata": body["metadata"],
            "confirmation": {"type": "redirect",
                             "confirmation_url": f"https://yoomoney.test/checkout/{payment_id}"},
        }  # fmt: skip
        return httpx.Response(200, json=self.payments[payment_id])

    def _payment(self, request: httpx.Request, pid: str) -> httpx.Response:
        return httpx.Response(200, json=self.payments[pid])

    def _create_refund(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.refund_requests.append(body)
        return httpx.Response(
            200, json={"id": f"rf-{len(self.refund_requests)}", "status": "succeeded"}
        )

    def _refund(self, request: httpx.Request, rid: str) -> httpx.Response:
        return httpx.Response(200, json={"id": rid, "status": "succeeded"})

    def request_for(self, payment_id: str) -> dict[str, Any]:
        return next(r for r in self.payment_requests
                    if self.payments[payment_id]["metadata"] == r["metadata"])  # fmt: skip

    def paid(self, payment_id: str) -> dict[str, Any]:
        self.payments[payment_id]["status"] = "succeeded"
        return {"type": "notification", "event": "payment.succeeded",
                "object": {"id": payment_id, "status": "succeeded"}}  # fmt: skip


def from_address(app: Litestar, host: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The app as seen from ``host`` (YooKassa's notifications must come from its
    addresses)."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (host, 40000)}  # type: ignore[typeddict-item]
        await app(scope, receive, send)

    return asgi


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(
        database_url, inbox, PAYMENTS_PROVIDER="yookassa", YOOKASSA_SHOP_ID="shop-1",
        YOOKASSA_SECRET_KEY="test_secret", YOOKASSA_API_URL=API, YOOKASSA_RECEIPTS="true",
        YOOKASSA_VAT_CODE="1", SITE_URL=SITE,
    )  # fmt: skip


@pytest.fixture
def yookassa() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield StandIn(router)


@pytest.fixture
async def api(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any], yookassa: StandIn
) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=from_address(app, YOOKASSA_IP)) as client:  # type: ignore[arg-type]
        owner = bearer(signed_in(postgresql, "owner", now=NOW))
        service = await client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3000.00", "deposit": "1000.00",
                  "status": "published", "cancel_free_hours": 48, "cancel_partial_hours": 12,
                  "cancel_partial_refund_percent": 80},
            headers=owner,
        )  # fmt: skip
        assert service.status_code == 201, service.text
        for weekday in range(1, 8):
            await client.post(
                "/api/v1/admin/schedule-rules",
                json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
                      "timezone": "Europe/Moscow"},
                headers=owner,
            )  # fmt: skip
        yield client


async def book(api: AsyncTestClient[Any], contact: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A guest's booking: the appointment id and the manage-token header."""
    held = await api.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": START, "format": "online",
              "contact": {"name": "Гость", **contact}, "consents": CONSENT},
    )  # fmt: skip
    assert held.status_code == 201, held.text
    return held.json()["appointment"]["id"], {"X-Manage-Token": held.json()["manage_token"]}


async def pay(api: AsyncTestClient[Any], yookassa: StandIn, payment_id: str) -> None:
    answer = await api.post("/webhooks/yookassa", json=yookassa.paid(payment_id))
    assert answer.status_code == 200, answer.text


async def appointment_when(
    api: AsyncTestClient[Any], appointment_id: str, token: dict[str, str],
    check: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:  # fmt: skip
    """The appointment as the client reads it, once the worker made ``check`` true."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        answer = await api.get(f"/api/v1/appointments/{appointment_id}", headers=token)
        assert answer.status_code == 200, answer.text
        if check(answer.json()) or asyncio.get_running_loop().time() > deadline:
            return dict(answer.json())
        await asyncio.sleep(0.05)


def paid_in_full(found: dict[str, Any]) -> bool:
    return found["payment"]["due"] == "0.00"


def receipt_item(body: dict[str, Any]) -> dict[str, Any]:
    (item,) = body["receipt"]["items"]
    return dict(item)


async def test_deposit_then_remainder_then_a_partial_refund_split_over_both(
    api: AsyncTestClient[Any], yookassa: StandIn, inbox: Inbox, clock: FixedClock,
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    appointment_id, token = await book(api, {"email": GUEST})

    # The booking asks YooKassa for the deposit only, with a receipt for a prepayment.
    (deposit_request,) = yookassa.payment_requests
    assert deposit_request["amount"] == {"value": "1000.00", "currency": "RUB"}
    assert deposit_request["receipt"]["customer"] == {"email": GUEST}
    deposit_item = receipt_item(deposit_request)
    assert deposit_item["amount"] == {"value": "1000.00", "currency": "RUB"}
    assert deposit_item["description"] == "Предоплата: Консультация"
    assert (deposit_item["payment_subject"], deposit_item["payment_mode"]) == (
        "service", "partial_prepayment",
    )  # fmt: skip

    # Nothing is left to pay before the appointment is confirmed.
    early = await api.post(f"/api/v1/appointments/{appointment_id}/payments",
                           json={"kind": "remainder"}, headers=token)  # fmt: skip
    assert early.status_code == 409
    assert early.json()["code"] == "nothing_left_to_pay"

    await pay(api, yookassa, "yk-1")
    found = await appointment_when(api, appointment_id, token, lambda a: a["status"] == "confirmed")
    assert found["status"] == "confirmed"
    assert found["payment"] == {"price": "3000.00", "paid": "1000.00", "refunded": "0.00",
                                "due": "2000.00", "currency": "RUB"}  # fmt: skip
    staff = await api.get(
        "/api/v1/admin/appointments",
        params={"from": "2030-06-06T00:00:00+00:00", "to": "2030-06-07T00:00:00+00:00"},
        headers=bearer(signed_in(postgresql, "owner", now=NOW)),
    )
    (line,) = staff.json()["items"]
    assert (line["id"], line["payment"]["state"], line["payment"]["amount_paid"]) == (
        appointment_id, "paid", "1000.00",
    )  # fmt: skip

    # 47 hours before the session: the client is reminded to pay the rest, with the link.
    clock.current = datetime(2030, 6, 4, 8, 0, tzinfo=UTC)
    reminder = await eventually(
        lambda: next((t for t in inbox.texts_to(GUEST) if "остаётся оплатить" in t), None)
    )
    assert "2000.00 RUB" in reminder
    assert f"{SITE}/cabinet/appointments/{appointment_id}/pay" in reminder

    # The remainder: price − what was paid, with its own receipt; asked twice, one payment.
    remainder = await api.post(f"/api/v1/appointments/{appointment_id}/payments",
                               json={"kind": "remainder"}, headers=token)  # fmt: skip
    assert remainder.status_code == 201, remainder.text
    assert remainder.json()["confirmation_url"] == "https://yoomoney.test/checkout/yk-2"
    again = await api.post(f"/api/v1/appointments/{appointment_id}/payments",
                           json={"kind": "remainder"}, headers=token)  # fmt: skip
    assert again.json()["confirmation_url"] == "https://yoomoney.test/checkout/yk-2"
    assert len(yookassa.payment_requests) == 2
    remainder_request = yookassa.payment_requests[1]
    assert remainder_request["amount"] == {"value": "2000.00", "currency": "RUB"}
    assert remainder_request["receipt"]["customer"] == {"email": GUEST}
    remainder_item = receipt_item(remainder_request)
    assert remainder_item["description"] == "Доплата: Консультация"
    assert remainder_item["amount"] == {"value": "2000.00", "currency": "RUB"}
    postgresql.commit()
    assert postgresql.execute(
        "SELECT kind, amount FROM payments WHERE provider_payment_id = 'yk-2'"
    ).fetchone() == ("remainder", 2000)
    with pytest.raises(psycopg.errors.UniqueViolation) as second:  # one open remainder
        postgresql.execute(
            """INSERT INTO payments (appointment_id, kind, amount, provider, idempotence_key)
               VALUES (%(a)s, 'remainder', 2000, 'yookassa', gen_random_uuid())""",
            {"a": appointment_id},
        )
    assert second.value.diag.constraint_name == "payments_open_remainder_key"
    postgresql.rollback()

    await pay(api, yookassa, "yk-2")
    found = await appointment_when(api, appointment_id, token, paid_in_full)
    assert found["payment"] == {"price": "3000.00", "paid": "3000.00", "refunded": "0.00",
                                "due": "0.00", "currency": "RUB"}  # fmt: skip
    paid_up = await api.post(f"/api/v1/appointments/{appointment_id}/payments",
                             json={"kind": "remainder"}, headers=token)  # fmt: skip
    assert paid_up.status_code == 409
    assert paid_up.json()["code"] == "nothing_left_to_pay"

    # 24 hours before (the partial window, 80 %): 2400.00 of the 3000.00 paid comes back,
    # the remainder refunded first (2000.00), then 400.00 of the deposit.
    clock.current = datetime(2030, 6, 5, 7, 0, tzinfo=UTC)
    canceled = await api.post(f"/api/v1/appointments/{appointment_id}/cancel", json={},
                              headers=token)  # fmt: skip
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["refund"] == {"amount": "2400.00", "currency": "RUB"}
    await eventually(lambda: len(yookassa.refund_requests) == 2)
    refunds = {r["payment_id"]: r for r in yookassa.refund_requests}
    assert refunds["yk-2"]["amount"] == {"value": "2000.00", "currency": "RUB"}
    assert refunds["yk-1"]["amount"] == {"value": "400.00", "currency": "RUB"}
    for provider_id, paid_item, payment_request in (
        ("yk-1", deposit_item, deposit_request), ("yk-2", remainder_item, remainder_request),
    ):  # fmt: skip
        refund = refunds[provider_id]
        assert refund["receipt"]["customer"] == payment_request["receipt"]["customer"]
        assert receipt_item(refund) == {**paid_item, "amount": refund["amount"]}
    found = await appointment_when(api, appointment_id, token, lambda a: True)
    assert (found["status"], found["payment"]["refunded"], found["payment"]["due"]) == (
        "canceled", "2400.00", "0.00",
    )  # fmt: skip


async def test_no_remainder_reminder_once_the_rest_is_paid(
    api: AsyncTestClient[Any], yookassa: StandIn, inbox: Inbox, clock: FixedClock,
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    appointment_id, token = await book(api, {"email": GUEST})
    await pay(api, yookassa, "yk-1")
    await appointment_when(api, appointment_id, token, lambda a: a["status"] == "confirmed")
    remainder = await api.post(f"/api/v1/appointments/{appointment_id}/payments",
                               json={"kind": "remainder"}, headers=token)  # fmt: skip
    assert remainder.status_code == 201, remainder.text
    await pay(api, yookassa, "yk-2")
    await appointment_when(api, appointment_id, token, paid_in_full)

    moved = datetime(2030, 6, 4, 8, 0, tzinfo=UTC)  # inside the reminder's window
    clock.current = moved

    def job_ran() -> bool:
        postgresql.commit()
        row = postgresql.execute(
            "SELECT last_finished_at FROM job_runs WHERE name = 'booking.remainder_reminders'"
        ).fetchone()
        return row is not None and row[0] is not None and row[0] >= moved

    await eventually(job_ran)
    assert not [t for t in inbox.texts_to(GUEST) if "остаётся оплатить" in t]
    assert postgresql.execute(
        "SELECT count(*) FROM notification_deliveries WHERE template_code = 'booking.remainder_due'"
    ).fetchone() == (0,)


async def test_a_client_with_only_a_phone_gets_the_receipt_by_phone(
    api: AsyncTestClient[Any], yookassa: StandIn
) -> None:
    appointment_id, token = await book(api, {"phone": "+7 (900) 123-45-67"})
    (request,) = yookassa.payment_requests
    assert request["receipt"]["customer"] == {"phone": "79001234567"}
    assert receipt_item(request)["amount"] == {"value": "1000.00", "currency": "RUB"}

    await pay(api, yookassa, "yk-1")
    await appointment_when(api, appointment_id, token, lambda a: a["status"] == "confirmed")
    remainder = await api.post(f"/api/v1/appointments/{appointment_id}/payments",
                               json={"kind": "remainder"}, headers=token)  # fmt: skip
    assert remainder.status_code == 201, remainder.text
    assert yookassa.payment_requests[1]["receipt"]["customer"] == {"phone": "79001234567"}


async def test_without_any_receipt_address_nothing_is_held_or_sent(
    api: AsyncTestClient[Any], yookassa: StandIn, postgresql: psycopg.Connection[Any]
) -> None:
    postgresql.commit()
    user_id = postgresql.execute(
        "INSERT INTO users (telegram_user_id) VALUES (777000) RETURNING id"
    ).fetchone()[0]  # type: ignore[index]
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           VALUES (%(u)s, 'personal_data', true, '1', 'web')""",
        {"u": user_id},
    )
    postgresql.execute(
        """INSERT INTO auth_sessions (user_id, token_hash, created_at, expires_at, last_seen_at)
           VALUES (%(u)s, sha256('no-contact-token'), %(now)s, %(now)s + interval '1 hour', %(now)s)""",
        {"u": user_id, "now": NOW},
    )
    postgresql.commit()
    held = await api.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": START, "format": "online"},
        headers=bearer("no-contact-token"),
    )
    assert held.status_code == 422, held.text
    assert held.json()["code"] == "receipt_contact_missing"
    assert yookassa.payment_requests == []
    assert postgresql.execute("SELECT count(*) FROM appointments").fetchone() == (0,)
