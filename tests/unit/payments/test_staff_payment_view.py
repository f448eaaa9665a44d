"""Staff read one payment (refunds, the policy's suggestion, the provider's state) and
the reconciliation problems, over in-memory fakes."""

from __future__ import annotations

import uuid

import pytest

from app.application.access import Principal
from app.application.payments.ports import (
    PAYMENT_OPEN,
    REFUND_NOT_REQUESTED,
    REFUND_PENDING,
)
from app.application.payments.refunds import RefundRequests, StaffPayments
from app.domain.errors import Forbidden, NotFound
from app.domain.identity.model import Role
from app.domain.payments.events import REFUND_FAILED
from app.domain.payments.payment import Payment, PaymentStatus, RefundStatus
from app.domain.shared.money import Money
from tests.unit.payments.fakes import World

OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))


@pytest.fixture
def world() -> World:
    return World()


def staff(world: World, *, gateway: bool = True) -> StaffPayments:
    api = world.gateway if gateway else None
    return StaffPayments(world.uow, RefundRequests(world.uow, api), world.clock, api)


async def paid(world: World, provider: str = "yookassa") -> Payment:
    _, payment = await world.hold("3000.00", provider)
    stored = world.repos.payments.stored(payment.id)
    stored.move_to(PaymentStatus.SUCCEEDED, world.clock.now())
    await world.repos.payments.save(stored)
    return stored


async def test_the_suggestion_follows_the_policy_and_never_exceeds_what_is_left(
    world: World,
) -> None:
    payment = await paid(world)  # the session starts in two days: a free cancellation
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    view = await staff(world).payment(OWNER, payment.id)
    assert (str(view.left), str(view.suggested)) == ("3000.00", "3000.00")
    assert view.provider_status is PaymentStatus.SUCCEEDED
    assert view.record.service_title == "Консультация"

    world.clock.advance(hours=40)  # 8 hours before: the partial refund (50 %)
    assert str((await staff(world).payment(OWNER, payment.id)).suggested) == "1500.00"
    await staff(world).refund(OWNER, payment.id, Money.of("2000"))
    view = await staff(world).payment(OWNER, payment.id)
    assert (str(view.left), str(view.suggested)) == ("1000.00", "1000.00")
    assert [str(r.amount) for r in view.record.refunds] == ["2000.00"]
    world.clock.advance(hours=3)  # too late for any refund by the policy
    assert (await staff(world).payment(OWNER, payment.id)).suggested.is_zero


async def test_an_unpaid_payment_suggests_nothing_and_the_provider_may_be_away(
    world: World,
) -> None:
    _, payment = await world.hold()
    world.gateway.down = True
    view = await staff(world).payment(OWNER, payment.id)
    assert view.suggested.is_zero
    assert view.provider_status is None
    assert view.provider_unreachable


async def test_the_sandbox_and_a_missing_api_are_not_asked(world: World) -> None:
    payment = await paid(world, provider="sandbox")
    view = await staff(world).payment(OWNER, payment.id)
    assert (view.provider_status, view.provider_unreachable) == (None, False)
    view = await staff(world, gateway=False).payment(OWNER, (await paid(world)).id)
    assert (view.provider_status, view.provider_unreachable) == (None, False)


async def test_only_payment_staff_read_and_a_missing_payment_is_not_found(world: World) -> None:
    payment = await paid(world)
    with pytest.raises(Forbidden):
        await staff(world).payment(EDITOR, payment.id)
    with pytest.raises(Forbidden):
        await staff(world).problems(EDITOR)
    with pytest.raises(NotFound):
        await staff(world).payment(OWNER, uuid.uuid4())


async def test_problems_are_what_reconciliation_left_open(world: World) -> None:
    _, still_open = await world.hold()
    done = await paid(world)
    failed = done.request_refund(Money.of("100"), "staff_decision")
    failed.finish(RefundStatus.CANCELED)
    await world.repos.refunds.add_refund(failed)
    never_asked = done.request_refund(Money.of("200"), "staff_decision")
    await world.repos.refunds.add_refund(never_asked)
    asked = done.request_refund(Money.of("300"), "staff_decision")
    asked.accepted("yk-r-1", RefundStatus.PENDING)
    await world.repos.refunds.add_refund(asked)
    assert [p.kind for p in await staff(world).problems(OWNER)] == [REFUND_FAILED]

    world.clock.advance(minutes=6)
    kinds = {(p.kind, str(p.amount)) for p in await staff(world).problems(OWNER)}
    assert kinds == {
        (PAYMENT_OPEN, "3500.00"), (REFUND_FAILED, "100.00"),
        (REFUND_NOT_REQUESTED, "200.00"), (REFUND_PENDING, "300.00"),
    }  # fmt: skip
    assert still_open.id in {p.payment_id for p in await staff(world).problems(OWNER)}
