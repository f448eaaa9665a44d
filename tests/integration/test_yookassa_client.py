"""The YooKassa client against respx (httpx's own mock transport): request shape, a
stable Idempotence-Key across retries, no retry on 4xx, waiting on 429."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx

from app.adapters.yookassa.client import (
    InvalidObjectId,
    YooKassaClient,
    YooKassaError,
    YooKassaRejected,
)

API = "https://api.yookassa.test/v3/"
PAYMENT = {"id": "2d1b-0001", "status": "pending", "amount": {"value": "3500.00", "currency": "RUB"},
           "confirmation": {"type": "redirect", "confirmation_url": "https://yoomoney.test/pay"}}  # fmt: skip
BODY = {"amount": {"value": "3500.00", "currency": "RUB"}, "capture": True,
        "confirmation": {"type": "redirect", "return_url": "https://example.org/done"},
        "description": "Консультация", "metadata": {"payment_id": "p1", "appointment_id": "a1"}}  # fmt: skip


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(slept: list[float]) -> YooKassaClient:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return YooKassaClient(API, "shop-42", "secret-key", sleep=sleep)


@respx.mock
async def test_create_payment_sends_auth_key_and_body(client: YooKassaClient) -> None:
    route = respx.post(f"{API}payments").mock(return_value=httpx.Response(200, json=PAYMENT))
    answer = await client.create_payment(BODY, "key-0001")
    assert answer["id"] == "2d1b-0001"
    request = route.calls.last.request
    assert request.headers["Idempotence-Key"] == "key-0001"
    expected = base64.b64encode(b"shop-42:secret-key").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert json.loads(request.content) == BODY
    await client.aclose()


@respx.mock
async def test_server_errors_and_timeouts_retry_with_the_same_key(
    client: YooKassaClient, slept: list[float]
) -> None:
    route = respx.post(f"{API}payments").mock(
        side_effect=[
            httpx.Response(500, json={"type": "error", "code": "internal_server_error"}),
            httpx.ConnectTimeout("slow"),
            httpx.Response(200, json=PAYMENT),
        ]
    )
    assert (await client.create_payment(BODY, "key-0002"))["id"] == "2d1b-0001"
    keys = {call.request.headers["Idempotence-Key"] for call in route.calls}
    assert keys == {"key-0002"}
    assert route.call_count == 3
    assert slept == [0.5, 1.0]


@respx.mock
async def test_client_errors_are_not_retried(client: YooKassaClient) -> None:
    route = respx.post(f"{API}refunds").mock(
        return_value=httpx.Response(
            400, json={"type": "error", "code": "invalid_request", "parameter": "amount.value"}
        )
    )
    with pytest.raises(YooKassaRejected) as raised:
        await client.create_refund({"payment_id": "x", "amount": {"value": "-1"}}, "key-0003")
    assert (raised.value.status, raised.value.code, raised.value.parameter) == (
        400, "invalid_request", "amount.value",
    )  # fmt: skip
    assert route.call_count == 1


@respx.mock
async def test_throttling_waits_retry_after(client: YooKassaClient, slept: list[float]) -> None:
    respx.get(f"{API}payments/2d1b-0001").mock(
        side_effect=[
            httpx.Response(
                429, json={"type": "error", "code": "too_many_requests", "retry_after": 3}
            ),
            httpx.Response(200, json=PAYMENT),
        ]
    )
    assert (await client.get_payment("2d1b-0001"))["status"] == "pending"
    assert slept == [3.0]


@respx.mock
async def test_persistent_outage_is_a_typed_error(client: YooKassaClient) -> None:
    respx.post(f"{API}payments/2d1b-0001/cancel").mock(return_value=httpx.Response(503))
    with pytest.raises(YooKassaError):
        await client.cancel_payment("2d1b-0001", "key-0004")


@respx.mock
async def test_refund_lookup(client: YooKassaClient) -> None:
    respx.get(f"{API}refunds/r-1").mock(
        return_value=httpx.Response(200, json={"id": "r-1", "status": "succeeded"})
    )
    assert (await client.get_refund("r-1"))["status"] == "succeeded"


UNTRUSTED_IDS = [
    "../refunds/X", "X/cancel", "X?amount=1", "X#frag", "X%2Fcancel", "..", "a.b", "X\n",
    "", "x" * 65, "X Y", "платёж",
]  # fmt: skip


@pytest.mark.parametrize("object_id", UNTRUSTED_IDS)
async def test_an_id_outside_yookassas_format_never_reaches_the_provider(
    client: YooKassaClient, object_id: str
) -> None:
    with respx.mock(assert_all_called=False) as provider:
        anything = provider.route().mock(return_value=httpx.Response(200, json=PAYMENT))
        with pytest.raises(InvalidObjectId):
            await client.get_payment(object_id)
        with pytest.raises(InvalidObjectId):
            await client.cancel_payment(object_id, "key-0005")
        with pytest.raises(InvalidObjectId):
            await client.get_refund(object_id)
    assert anything.call_count == 0
    await client.aclose()


@respx.mock
async def test_a_provider_id_goes_into_the_path_as_it_is() -> None:
    real = "22d6d597-000f-5000-9000-145f6df21d6f"
    client = YooKassaClient(API, "shop-42", "secret-key")
    route = respx.get(f"{API}payments/{real}").mock(
        return_value=httpx.Response(200, json={**PAYMENT, "id": real})
    )
    assert (await client.get_payment(real))["id"] == real
    assert route.calls.last.request.url.path == f"/v3/payments/{real}"
    await client.aclose()
