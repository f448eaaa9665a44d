"""YooKassa's JSON and the application's typed objects: answers read strictly where the
application relies on them, request bodies built from our orders, and every failure of
the API one error the application knows."""

from __future__ import annotations

import dataclasses
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.adapters.yookassa.client import YooKassaClient
from app.adapters.yookassa.gateway import YooKassaGateway
from app.adapters.yookassa.translation import (
    MalformedAnswer,
    payment_body,
    payment_from,
    refund_body,
    refund_from,
)
from app.application.payments.ports import PaymentOrder, ProviderPayment, RefundOrder
from app.domain.payments.model import PaymentProviderUnavailable, ReceiptContactMissing
from app.domain.payments.payment import PaymentStatus, RefundStatus
from app.domain.shared.money import Money

OUR_ID = "7d9f4f52-5a0e-4b39-9d2e-6a3c1d0b7a11"
PAYMENT: dict[str, Any] = {
    "id": "22d6d597-000f-5000-9000-145f6df21d6f", "status": "succeeded", "paid": True,
    "amount": {"value": "3500.00", "currency": "RUB"},
    "confirmation": {"type": "redirect", "confirmation_url": "https://yoomoney.test/pay"},
    "metadata": {"payment_id": OUR_ID, "appointment_id": "a1"},
    "created_at": "2030-06-03T06:00:00.000Z", "test": False,
}  # fmt: skip
ORDER = PaymentOrder(
    payment_id=uuid.UUID(OUR_ID), appointment_id=uuid.UUID(int=1), amount=Money.of("3500"),
    idempotence_key=uuid.UUID(int=2), service_title="Консультация " * 20,
    customer_email="c@example.org",
)  # fmt: skip


def test_a_payment_becomes_a_typed_object() -> None:
    assert payment_from(PAYMENT) == ProviderPayment(
        id="22d6d597-000f-5000-9000-145f6df21d6f", status=PaymentStatus.SUCCEEDED,
        amount=Money(Decimal("3500.00"), "RUB"), payment_id=OUR_ID,
        confirmation_url="https://yoomoney.test/pay", cancellation_reason=None,
    )  # fmt: skip


def test_a_canceled_payment_carries_its_reason_when_it_is_a_plain_code() -> None:
    canceled = {**PAYMENT, "status": "canceled",
                "cancellation_details": {"party": "yoo_money", "reason": "expired_on_confirmation"}}  # fmt: skip
    assert payment_from(canceled).cancellation_reason == "expired_on_confirmation"
    for reason in ("Expired", "expired on confirmation", "отмена", "x" * 65, ""):
        odd = {**canceled, "cancellation_details": {"reason": reason}}
        assert payment_from(odd).cancellation_reason is None
        assert payment_from(odd).status is PaymentStatus.CANCELED


@pytest.mark.parametrize("status", ["refunded", "intent", "failed", "SUCCEEDED", ""])
def test_a_status_we_do_not_know_is_none(status: str) -> None:
    assert payment_from({**PAYMENT, "status": status}).status is None
    assert refund_from({"id": "rf-1", "status": status}).status is None


@pytest.mark.parametrize(
    ("amount", "read"),
    [
        ({"value": "3500.00", "currency": "RUB"}, Money.of("3500")),
        ({"value": "3500", "currency": "RUB"}, Money.of("3500")),
        ({"value": 3500, "currency": "RUB"}, Money.of("3500")),
        ({"value": "3500.001", "currency": "RUB"}, None),  # not a sum of kopecks
        ({"value": "abc", "currency": "RUB"}, None),
        ({"value": "NaN", "currency": "RUB"}, None),
        ({"value": "3500.00", "currency": "rub"}, None),
        (None, None),
    ],
)
def test_an_amount_is_read_exactly_or_not_at_all(amount: object, read: Money | None) -> None:
    answer = {**PAYMENT, "amount": amount} if amount is not None else {
        k: v for k, v in PAYMENT.items() if k != "amount"
    }  # fmt: skip
    assert payment_from(answer).amount == read


def test_metadata_that_is_not_our_id_is_none() -> None:
    assert payment_from({**PAYMENT, "metadata": {"payment_id": 42}}).payment_id is None
    assert payment_from({**PAYMENT, "metadata": {}}).payment_id is None
    assert payment_from({k: v for k, v in PAYMENT.items() if k != "metadata"}).payment_id is None


@pytest.mark.parametrize(
    "answer",
    [
        [],
        "succeeded",
        None,
        {"status": "succeeded"},
        {"id": "yk-1"},
        {"id": 17, "status": "succeeded"},
        {"id": "yk-1", "status": ["succeeded"]},
        {**PAYMENT, "amount": "3500.00"},
        {**PAYMENT, "metadata": ["payment_id"]},
        {**PAYMENT, "confirmation": {"confirmation_url": 5}},
    ],
)
def test_a_malformed_payment_is_refused(answer: object) -> None:
    with pytest.raises(MalformedAnswer):
        payment_from(answer)


def test_a_refund_becomes_a_typed_object() -> None:
    refund = refund_from({"id": "rf-1", "status": "succeeded", "amount": {"value": "1"}})
    assert (refund.id, refund.status) == ("rf-1", RefundStatus.SUCCEEDED)
    for answer in ({}, {"id": "rf-1"}, {"id": None, "status": "pending"}, ["rf-1"]):
        with pytest.raises(MalformedAnswer):
            refund_from(answer)


def test_the_payment_body_with_and_without_receipt() -> None:
    plain = payment_body(ORDER, "https://example.org/")
    assert plain["amount"] == {"value": "3500.00", "currency": "RUB"}
    assert plain["capture"] is True
    assert plain["confirmation"] == {"type": "redirect", "return_url": "https://example.org/"}
    assert plain["metadata"] == {"payment_id": OUR_ID, "appointment_id": str(uuid.UUID(int=1))}
    assert len(plain["description"]) <= 128
    assert "receipt" not in plain
    with_receipt = payment_body(ORDER, "https://example.org/", vat_code=1)
    assert with_receipt["receipt"]["customer"] == {"email": "c@example.org"}
    item = with_receipt["receipt"]["items"][0]
    assert (item["quantity"], item["vat_code"], item["amount"]["value"]) == ("1.00", 1, "3500.00")
    assert len(item["description"]) <= 128
    assert (item["payment_subject"], item["payment_mode"]) == ("service", "full_prepayment")
    phone_only = dataclasses.replace(ORDER, customer_email=None, customer_phone="+79001234567")
    receipt = payment_body(phone_only, "https://example.org/", vat_code=1)["receipt"]
    assert receipt["customer"] == {"phone": "79001234567"}
    nobody = dataclasses.replace(ORDER, customer_email=None)
    with pytest.raises(ReceiptContactMissing):
        payment_body(nobody, "https://example.org/", vat_code=1)


def test_the_refund_body() -> None:
    order = RefundOrder("yk-1", Money.of("1750.5"), uuid.UUID(int=3))
    assert refund_body(order) == {
        "payment_id": "yk-1", "amount": {"value": "1750.50", "currency": "RUB"},
        "description": "Возврат по отмене записи",
    }  # fmt: skip


def test_a_refund_receipt_mirrors_its_payment_with_the_refunded_amount() -> None:
    deposit = dataclasses.replace(ORDER, kind="deposit", amount=Money.of("1000"))
    paid = payment_body(deposit, "https://example.org/", vat_code=4)["receipt"]
    order = RefundOrder("yk-1", Money.of("400"), uuid.UUID(int=3), service_title=ORDER.service_title,
                        customer_email=ORDER.customer_email, kind="deposit")  # fmt: skip
    refunded = refund_body(order, vat_code=4)["receipt"]
    assert refunded["customer"] == paid["customer"]
    (paid_item,), (refund_item,) = paid["items"], refunded["items"]
    assert refund_item["amount"] == {"value": "400.00", "currency": "RUB"}
    assert refund_item == {**paid_item, "amount": refund_item["amount"]}
    assert paid_item["payment_mode"] == "partial_prepayment"
    assert "receipt" not in refund_body(dataclasses.replace(order, customer_email=None), 4)


def gateway(handler: Any) -> YooKassaGateway:
    async def no_sleep(_: float) -> None:
        return None

    client = YooKassaClient(
        "https://api.yookassa.test/v3/", "shop", "key", max_attempts=2, sleep=no_sleep,
        transport=httpx.MockTransport(handler),
    )  # fmt: skip
    return YooKassaGateway(client, "https://example.org/")


async def test_the_gateway_sends_our_key_and_answers_typed() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={**PAYMENT, "status": "pending"})

    api = gateway(answer)
    created = await api.create_payment(ORDER)
    assert (created.status, created.payment_id) == (PaymentStatus.PENDING, OUR_ID)
    assert seen[0].headers["Idempotence-Key"] == str(ORDER.idempotence_key)
    assert json.loads(seen[0].content)["metadata"]["payment_id"] == OUR_ID
    await api.aclose()


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(503),
        httpx.Response(400, json={"type": "error", "code": "invalid_request"}),
        httpx.Response(200, json={"unexpected": True}),
        httpx.Response(200, json=["not", "an", "object"]),
    ],
)
async def test_every_failure_of_the_api_is_provider_unavailable(response: httpx.Response) -> None:
    api = gateway(lambda _: response)
    with pytest.raises(PaymentProviderUnavailable):
        await api.get_payment("yk-1")
    with pytest.raises(PaymentProviderUnavailable):
        await api.create_refund(RefundOrder("yk-1", Money.of("1"), uuid.UUID(int=4)))
    await api.aclose()


async def test_an_id_outside_yookassas_format_is_provider_unavailable_without_a_request() -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be made")

    api = gateway(refuse)
    with pytest.raises(PaymentProviderUnavailable):
        await api.get_refund("../payments/X")
    await api.aclose()
