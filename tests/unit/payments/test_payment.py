"""The Payment aggregate: statuses only move forward, a finished payment never changes,
links and giving up only while the payment is open, refunds within what was paid."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import pytest

from app.domain.errors import InvalidState, ValidationFailed
from app.domain.payments.payment import (
    TERMINAL,
    Payment,
    PaymentStatus,
    RefundStatus,
)
from app.domain.shared.money import Money

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
LIFE = [PaymentStatus.INTENT, PaymentStatus.PENDING, PaymentStatus.WAITING_FOR_CAPTURE]


def payment(status: PaymentStatus = PaymentStatus.INTENT, provider: str = "yookassa") -> Payment:
    started = Payment.start(uuid.uuid4(), Money.of("3500"), provider)
    started.status = status
    started.provider_payment_id = "yk-1" if status is not PaymentStatus.INTENT else None
    return started


def test_a_payment_starts_as_an_intent_with_its_own_idempotence_key() -> None:
    first, second = payment(), payment()
    assert first.status is PaymentStatus.INTENT
    assert first.idempotence_key != second.idempotence_key
    assert first.provider_payment_id is None
    assert first.confirmation_url is None


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(PaymentStatus, PaymentStatus))
)
def test_statuses_never_go_backwards(current: PaymentStatus, target: PaymentStatus) -> None:
    p = payment(current)
    moved = p.move_to(target, NOW, provider_payment_id="yk-1")
    forward = current not in TERMINAL and (
        target in TERMINAL or LIFE.index(target) > LIFE.index(current)
    )
    assert moved is forward
    assert p.status is (target if forward else current)


def test_success_is_dated_and_keeps_the_providers_first_id() -> None:
    p = payment(PaymentStatus.PENDING)
    assert p.move_to(PaymentStatus.SUCCEEDED, NOW, provider_payment_id="yk-other")
    assert (p.status, p.confirmed_at, p.provider_payment_id) == (
        PaymentStatus.SUCCEEDED, NOW, "yk-1",
    )  # fmt: skip
    assert not p.move_to(PaymentStatus.CANCELED, NOW, failure_reason="expired_on_confirmation")
    assert (p.status, p.failure_reason) == (PaymentStatus.SUCCEEDED, None)


def test_a_success_without_the_providers_id_is_refused() -> None:
    with pytest.raises(InvalidState):
        payment(PaymentStatus.INTENT).move_to(PaymentStatus.SUCCEEDED, NOW)


def test_a_cancellation_keeps_the_providers_reason() -> None:
    p = payment(PaymentStatus.PENDING)
    assert p.move_to(PaymentStatus.CANCELED, NOW, failure_reason="expired_on_confirmation")
    assert (p.status, p.failure_reason, p.confirmed_at) == (
        PaymentStatus.CANCELED, "expired_on_confirmation", None,
    )  # fmt: skip


@pytest.mark.parametrize("status", [PaymentStatus.INTENT, PaymentStatus.PENDING])
def test_an_open_payment_takes_a_link_and_may_be_given_up(status: PaymentStatus) -> None:
    p = payment(status)
    assert p.link("yk-9", "https://pay.test/yk-9")
    assert (p.status, p.provider_payment_id, p.confirmation_url) == (
        PaymentStatus.PENDING, "yk-9", "https://pay.test/yk-9",
    )  # fmt: skip
    assert p.give_up()
    assert (p.status, p.failure_reason) == (PaymentStatus.CANCELED, "canceled_by_client")


@pytest.mark.parametrize(
    "status", [s for s in PaymentStatus if s not in (PaymentStatus.INTENT, PaymentStatus.PENDING)]
)
def test_a_payment_no_longer_open_takes_no_link_and_cannot_be_given_up(
    status: PaymentStatus,
) -> None:
    p = payment(status)
    assert not p.link("yk-9", "https://pay.test/yk-9")
    assert not p.give_up()
    assert (p.status, p.provider_payment_id, p.confirmation_url) == (status, "yk-1", None)


def test_a_sandbox_refund_succeeds_at_once_a_providers_waits() -> None:
    assert payment(provider="sandbox").request_refund(Money.of("10"), "x").status is (
        RefundStatus.SUCCEEDED
    )
    refund = payment().request_refund(Money.of("10"), "x")
    assert (refund.status, refund.provider_refund_id) == (RefundStatus.PENDING, None)
    assert refund.finish(RefundStatus.SUCCEEDED)
    assert not refund.finish(RefundStatus.CANCELED)  # a finished refund stays as it ended
    assert refund.status is RefundStatus.SUCCEEDED


def test_staff_refund_only_a_succeeded_payment_and_at_most_what_is_left() -> None:
    with pytest.raises(InvalidState):
        payment(PaymentStatus.PENDING).refund_at_most_left(
            Money.of("1"), "staff_decision", refunded=Money.zero()
        )
    paid = payment(PaymentStatus.SUCCEEDED)
    with pytest.raises(ValidationFailed, match=r"at most 500\.00"):
        paid.refund_at_most_left(Money.of("500.01"), "staff_decision", refunded=Money.of("3000"))
    refund = paid.refund_at_most_left(Money.of("500"), "staff_decision", refunded=Money.of("3000"))
    assert (refund.amount, refund.reason, refund.payment_id) == (
        Money.of("500"), "staff_decision", paid.id,
    )  # fmt: skip
