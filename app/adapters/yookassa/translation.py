"""YooKassa's JSON in and out: our orders become request bodies, and the API's answers
become the application's typed objects. Nothing past this module sees YooKassa's JSON.

An answer is read strictly where the application relies on it (an object with a
string ``id`` and ``status``) and leniently elsewhere: a status this service does not
know, an amount that is not an exact sum of money or a cancellation reason that is not
a plain code are reported as absent, so the application ignores them instead of
trusting them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from app.application.payments.ports import (
    PaymentOrder,
    ProviderPayment,
    ProviderRefund,
    RefundOrder,
)
from app.domain.errors import DomainError
from app.domain.payments.model import ReceiptContactMissing
from app.domain.payments.payment import PaymentStatus, RefundStatus
from app.domain.shared.money import Money

DESCRIPTION_MAX = 128
RETURN_URL_MAX = 2048
REFUND_DESCRIPTION = "Возврат по отмене записи"
_REASON = re.compile(r"[a-z_]{1,64}")  # as payments.failure_reason allows
_KOPECK = Decimal("0.01")


class MalformedAnswer(ValueError):
    """The API answered with something that is not the object asked for."""


class _Amount(msgspec.Struct):
    value: str | int | float
    currency: str


class _Confirmation(msgspec.Struct):
    confirmation_url: str | None = None


class _CancellationDetails(msgspec.Struct):
    reason: str | None = None


class _Payment(msgspec.Struct):
    id: str
    status: str
    amount: _Amount | None = None
    metadata: dict[str, Any] | None = None
    confirmation: _Confirmation | None = None
    cancellation_details: _CancellationDetails | None = None


class _Refund(msgspec.Struct):
    id: str
    status: str


def _amount(amount: _Amount | None) -> Money | None:
    if amount is None:
        return None
    try:
        value = Decimal(str(amount.value))
        if not value.is_finite() or value != value.quantize(_KOPECK):
            return None
        return Money(value, amount.currency)
    except (InvalidOperation, DomainError):
        return None


def _payment_status(status: str) -> PaymentStatus | None:
    try:
        return PaymentStatus(status)
    except ValueError:
        return None


def payment_from(answer: object) -> ProviderPayment:
    """The API's payment object, typed (``MalformedAnswer`` if it is not one)."""
    try:
        payment = msgspec.convert(answer, _Payment)
    except msgspec.ValidationError as exc:
        raise MalformedAnswer(f"not a YooKassa payment: {exc}") from None
    our_id = (payment.metadata or {}).get("payment_id")
    reason = payment.cancellation_details.reason if payment.cancellation_details else None
    status = _payment_status(payment.status)
    return ProviderPayment(
        id=payment.id,
        # "intent" and "failed" are our own words; YooKassa never reports them.
        status=status if status not in (PaymentStatus.INTENT, PaymentStatus.FAILED) else None,
        amount=_amount(payment.amount),
        payment_id=our_id if isinstance(our_id, str) else None,
        confirmation_url=payment.confirmation.confirmation_url if payment.confirmation else None,
        cancellation_reason=reason if reason and _REASON.fullmatch(reason) else None,
    )


def refund_from(answer: object) -> ProviderRefund:
    """The API's refund object, typed (``MalformedAnswer`` if it is not one)."""
    try:
        refund = msgspec.convert(answer, _Refund)
    except msgspec.ValidationError as exc:
        raise MalformedAnswer(f"not a YooKassa refund: {exc}") from None
    try:
        status: RefundStatus | None = RefundStatus(refund.status)
    except ValueError:
        status = None
    return ProviderRefund(id=refund.id, status=status)


def _amount_body(amount: Money) -> dict[str, str]:
    return {"value": str(amount), "currency": amount.currency}


# 54-FZ: what the receipt says the money is for. The session is a service, paid before
# it takes place: in full at booking, or a deposit and later the rest (each a part of
# the prepayment).
PAYMENT_SUBJECT = "service"
PAYMENT_MODE = {"full": "full_prepayment", "deposit": "partial_prepayment",
                "remainder": "partial_prepayment"}  # fmt: skip
ITEM_PREFIX = {"full": "", "deposit": "Предоплата: ", "remainder": "Доплата: "}
_NOT_DIGITS = re.compile(r"\D")


def receipt_phone(phone: str) -> str:
    """YooKassa's customer.phone: E.164 digits without the '+' (79001234567)."""
    return _NOT_DIGITS.sub("", phone)


def receipt_body(
    *, amount: Money, service_title: str, kind: str, vat_code: int, email: str | None,
    phone: str | None,
) -> dict[str, Any]:  # fmt: skip
    """A 54-FZ receipt of one item, the session (the e-mail when known, else the phone).
    A refund's receipt is built by the same function from its payment's data, so it
    mirrors the payment's item with the refunded amount. ``ReceiptContactMissing``
    when there is neither: nothing is sent to YooKassa then."""
    if email:
        customer = {"email": email}
    elif phone and receipt_phone(phone):
        customer = {"phone": receipt_phone(phone)}
    else:
        raise ReceiptContactMissing()
    description = f"{ITEM_PREFIX.get(kind, '')}{service_title}"[:DESCRIPTION_MAX]
    return {
        "customer": customer,
        "items": [{"description": description, "quantity": "1.00",
                   "amount": _amount_body(amount), "vat_code": vat_code,
                   "payment_subject": PAYMENT_SUBJECT,
                   "payment_mode": PAYMENT_MODE.get(kind, "full_prepayment")}],
    }  # fmt: skip


def payment_body(
    order: PaymentOrder, return_url: str, vat_code: int | None = None
) -> dict[str, Any]:
    """A one-stage payment with our ids in metadata, and a 54-FZ receipt when
    ``vat_code`` is given (receipts switched on)."""
    amount = _amount_body(order.amount)
    body: dict[str, Any] = {
        "amount": amount,
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": return_url[:RETURN_URL_MAX]},
        "description": f"Эмоциональный баланс: {order.service_title}"[:DESCRIPTION_MAX],
        "metadata": {"payment_id": str(order.payment_id),
                     "appointment_id": str(order.appointment_id)},
    }  # fmt: skip
    if vat_code is not None:
        body["receipt"] = receipt_body(
            amount=order.amount, service_title=order.service_title, kind=order.kind,
            vat_code=vat_code, email=order.customer_email, phone=order.customer_phone,
        )  # fmt: skip
    return body


def refund_body(order: RefundOrder, vat_code: int | None = None) -> dict[str, Any]:
    """A refund, with a receipt mirroring its payment's when ``vat_code`` is given.

    Money going back is never held up for want of a receipt address (the client's data
    may have been erased since they paid): without one the refund goes without receipt
    data, and YooKassa takes the payment's own for a full refund."""
    body: dict[str, Any] = {
        "payment_id": order.provider_payment_id,
        "amount": _amount_body(order.amount),
        "description": REFUND_DESCRIPTION,
    }
    if vat_code is not None and (order.customer_email or order.customer_phone):
        body["receipt"] = receipt_body(
            amount=order.amount, service_title=order.service_title, kind=order.kind,
            vat_code=vat_code, email=order.customer_email, phone=order.customer_phone,
        )  # fmt: skip
    return body
