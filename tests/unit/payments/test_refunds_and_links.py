"""Refund amounts per policy and by staff, refund requests at the provider, and payment
links, over in-memory fakes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.application.access import Principal
from app.application.payments.links import ProviderLinks
from app.application.payments.refunds import RefundRequests, StaffPayments
from app.domain.booking.appointment import AppointmentCanceled
from app.domain.booking.refunds import CancellationPolicy, refund_for_cancellation
from app.domain.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from app.domain.identity.model import Role
from app.domain.payments.model import PaymentProviderUnavailable
from app.domain.payments.payment import Payment, PaymentStatus, RefundStatus
from app.domain.shared.links import SiteLinks
from app.domain.shared.money import Money
from tests.unit.payments.fakes import World

START = datetime(2030, 6, 10, 9, 0, tzinfo=UTC)
POLICY = CancellationPolicy(free_hours=24, partial_hours=6, partial_percent=33)
OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))


@pytest.fixture
def world() -> World:
    return World()


async def paid(world: World, amount: str = "3500.00", provider: str = "yookassa") -> Payment:
    _, payment = await world.hold(amount, provider)
    stored = world.repos.payments.stored(payment.id)
    stored.move_to(PaymentStatus.SUCCEEDED, world.clock.now())
    await world.repos.payments.save(stored)
    return stored


@pytest.mark.parametrize(
    ("paid_amount", "hours_before", "refund"),
    [
        ("3500.00", 48, "3500.00"),  # free cancellation: all of it
        ("3500.00", 12, "1155.00"),  # 33 %
        ("1000.01", 12, "330.00"),  # 33 % of 1000.01 = 330.0033, to the kopeck
        ("999.99", 12, "330.00"),  # 329.9967, half up
        ("3500.00", 5, "0.00"),  # too late: nothing
    ],
)
def test_refund_amounts_per_policy(paid_amount: str, hours_before: int, refund: str) -> None:
    payment = Payment.start(uuid.uuid4(), Money.of(paid_amount), "yookassa")
    amount = refund_for_cancellation(
        payment.amount, start_at=START, now=START - timedelta(hours=hours_before), policy=POLICY
    )
    assert str(amount) == refund
    assert amount <= payment.amount
    if not amount.is_zero:
        assert payment.request_refund(amount, "cancellation_policy").amount == amount


async def test_staff_refund_at_most_what_is_left_audited_and_requested(world: World) -> None:
    payment = await paid(world)
    staff = StaffPayments(world.uow, RefundRequests(world.uow, world.gateway))
    await staff.refund(OWNER, payment.id, Money.of("3000"))
    with pytest.raises(ValidationFailed, match=r"at most 500\.00"):
        await staff.refund(OWNER, payment.id, Money.of("600"))
    await staff.refund(OWNER, payment.id, Money.of("500"))
    refunds = world.repos.refunds.refunds_of(payment.id)
    assert sorted(str(r.amount) for r in refunds) == ["3000.00", "500.00"]
    assert {r.reason for r in refunds} == {"staff_decision"}
    assert [str(o.amount) for o in world.gateway.refund_orders] == ["3000.00", "500.00"]
    assert {o.idempotence_key for o in world.gateway.refund_orders} == {
        r.idempotence_key for r in refunds
    }
    (line,) = await staff.list_payments(OWNER, "succeeded")
    assert (str(line.amount), str(line.refunded)) == ("3500.00", "3500.00")


async def test_a_canceled_refund_gives_its_amount_back_to_refund(world: World) -> None:
    payment = await paid(world)
    refund = payment.request_refund(Money.of("3500"), "cancellation_policy")
    refund.finish(RefundStatus.CANCELED)
    await world.repos.refunds.add_refund(refund)
    staff = StaffPayments(world.uow, RefundRequests(world.uow, None))
    await staff.refund(OWNER, payment.id, Money.of("3500"))
    assert len(world.repos.refunds.refunds_of(payment.id)) == 2


async def test_staff_refund_rules(world: World) -> None:
    _, open_payment = await world.hold()
    staff = StaffPayments(world.uow, RefundRequests(world.uow, world.gateway))
    with pytest.raises(Forbidden):
        await staff.refund(CLIENT, open_payment.id, Money.of("1"))
    for amount in ("0", "-1"):
        with pytest.raises(ValidationFailed):
            await staff.refund(OWNER, open_payment.id, Money.of(amount))
    with pytest.raises(NotFound):
        await staff.refund(OWNER, uuid.uuid4(), Money.of("1"))
    with pytest.raises(InvalidState):
        await staff.refund(OWNER, open_payment.id, Money.of("1"))
    assert world.repos.refunds.refunds == {}
    assert world.gateway.refund_orders == []


async def test_a_sandbox_refund_succeeds_at_once_and_the_provider_is_not_asked(
    world: World,
) -> None:
    payment = await paid(world, provider="sandbox")
    await StaffPayments(world.uow, RefundRequests(world.uow, world.gateway)).refund(
        OWNER, payment.id, Money.of("100")
    )
    (refund,) = world.repos.refunds.refunds_of(payment.id)
    assert refund.status is RefundStatus.SUCCEEDED
    assert world.gateway.refund_orders == []


async def test_a_cancellation_asks_for_its_refunds_once(world: World) -> None:
    payment = await paid(world)
    await world.repos.refunds.add_refund(
        payment.request_refund(Money.of("1750"), "cancellation_policy")
    )
    world.gateway.refund_status = RefundStatus.SUCCEEDED
    requests = RefundRequests(world.uow, world.gateway)
    event = AppointmentCanceled(
        event_id=uuid.uuid4(), occurred_at=world.clock.now(),
        aggregate_id=str(payment.appointment_id), reason="client_request",
        refund_amount="1750.00", currency="RUB",
    )  # fmt: skip
    await requests.on_canceled(event)
    await requests.on_canceled(event)  # redelivered
    (order,) = world.gateway.refund_orders
    assert str(order.amount) == "1750.00"
    # The refund's receipt data are its payment's: item, kind and customer.
    assert (order.service_title, order.kind, order.customer_email, order.customer_phone) == (
        "Консультация", payment.kind, "c@example.org", None,
    )  # fmt: skip
    (refund,) = world.repos.refunds.refunds_of(payment.id)
    assert (refund.status, refund.provider_refund_id) == (
        RefundStatus.SUCCEEDED, f"rf-{order.idempotence_key.hex[:8]}",
    )  # fmt: skip


async def test_a_link_is_made_once_with_our_key(world: World) -> None:
    appointment, _ = await world.hold()
    payment = Payment.start(appointment.id, Money.of("3500"), "yookassa")
    await world.repos.payments.add(payment)
    links = ProviderLinks(world.uow, world.gateway)
    url = await links.confirmation_url(payment.id)
    assert url == await links.confirmation_url(payment.id)
    (order,) = world.gateway.payment_orders
    assert (order.idempotence_key, order.payment_id, order.amount, order.customer_email) == (
        payment.idempotence_key, payment.id, payment.amount, "c@example.org",
    )  # fmt: skip
    stored = world.repos.payments.stored(payment.id)
    assert (stored.status, stored.confirmation_url) == (PaymentStatus.PENDING, url)
    assert stored.provider_payment_id == f"yk-{payment.idempotence_key.hex[:8]}"


async def test_an_unreachable_provider_leaves_the_payment_an_intent(world: World) -> None:
    appointment, _ = await world.hold()
    payment = Payment.start(appointment.id, Money.of("3500"), "yookassa")
    await world.repos.payments.add(payment)
    world.gateway.down = True
    with pytest.raises(PaymentProviderUnavailable):
        await ProviderLinks(world.uow, world.gateway).confirmation_url(payment.id)
    assert world.repos.payments.stored(payment.id).status is PaymentStatus.INTENT
    with pytest.raises(NotFound):
        await ProviderLinks(world.uow, world.gateway).confirmation_url(uuid.uuid4())


async def test_the_provider_sends_the_client_back_to_the_appointments_page(world: World) -> None:
    site = SiteLinks("https://example.org")
    appointment, _ = await world.hold()
    mine = Payment.start(appointment.id, Money.of("3500"), "yookassa")
    await world.repos.payments.add(mine)
    await ProviderLinks(world.uow, world.gateway, site).confirmation_url(mine.id)
    guest = Payment.start(appointment.id, Money.of("3500"), "yookassa")
    await world.repos.payments.add(guest)
    manage = site.manage("secret-token")
    await ProviderLinks(world.uow, world.gateway, site).confirmation_url(guest.id, manage)
    assert [order.return_url for order in world.gateway.payment_orders] == [
        f"https://example.org/cabinet/appointments/{appointment.id}", manage,
    ]  # fmt: skip
