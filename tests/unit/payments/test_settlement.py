"""The settlement rule, alone and as provider notifications and reconciliation apply it
over in-memory fakes: succeeded in time confirms, succeeded after the hold lapsed is
refunded in full, canceled releases the time; duplicates, stale and disagreeing answers
change nothing."""

from __future__ import annotations

import itertools

import pytest

from app.application.payments.notifications import PaymentNotifications
from app.application.payments.ports import ProviderRefund
from app.application.payments.reconciliation import Reconciliation
from app.application.payments.refunds import RefundRequests
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentStatus,
)
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.payments.events import MISMATCH, REFUND_FAILED, PaymentNeedsAttention
from app.domain.payments.model import PaymentNotificationReceived
from app.domain.payments.payment import Payment, PaymentStatus, RefundStatus
from app.domain.payments.settlement import Settlement, settle, settlement_for
from tests.unit.payments.fakes import World, held_appointment

YOOKASSA_IP = "185.71.76.10"
ALLOWLIST = ("185.71.76.0/27",)


@pytest.mark.parametrize(
    ("outcome", "appointment", "expected"),
    [
        (PaymentStatus.SUCCEEDED, AppointmentStatus.PENDING_PAYMENT, Settlement.CONFIRM),
        (PaymentStatus.SUCCEEDED, AppointmentStatus.CANCELED, Settlement.REFUND_IN_FULL),
        (PaymentStatus.SUCCEEDED, AppointmentStatus.CONFIRMED, Settlement.NOTHING),
        (PaymentStatus.CANCELED, AppointmentStatus.PENDING_PAYMENT, Settlement.RELEASE),
        (PaymentStatus.CANCELED, AppointmentStatus.CONFIRMED, Settlement.NOTHING),
        (PaymentStatus.CANCELED, AppointmentStatus.CANCELED, Settlement.NOTHING),
        (PaymentStatus.WAITING_FOR_CAPTURE, AppointmentStatus.PENDING_PAYMENT, Settlement.NOTHING),
    ],
)
def test_the_rule(
    outcome: PaymentStatus, appointment: AppointmentStatus, expected: Settlement
) -> None:
    assert settlement_for(outcome, appointment) is expected


@pytest.mark.parametrize(
    ("outcome", "appointment"), list(itertools.product(PaymentStatus, AppointmentStatus))
)
def test_only_a_success_confirms_or_refunds_and_only_a_cancellation_releases(
    outcome: PaymentStatus, appointment: AppointmentStatus
) -> None:
    settlement = settlement_for(outcome, appointment)
    if settlement in (Settlement.CONFIRM, Settlement.REFUND_IN_FULL):
        assert outcome is PaymentStatus.SUCCEEDED
    if settlement is Settlement.RELEASE:
        assert outcome is PaymentStatus.CANCELED
    if settlement in (Settlement.CONFIRM, Settlement.RELEASE):
        assert appointment is AppointmentStatus.PENDING_PAYMENT


def test_settle_confirms_or_releases_the_appointment_itself() -> None:
    confirmed, released = held_appointment(), held_appointment()
    assert settle(confirmed, PaymentStatus.SUCCEEDED, confirmed.created_at) is Settlement.CONFIRM
    assert [type(e) for e in confirmed.pull_events()] == [AppointmentConfirmed]
    assert settle(released, PaymentStatus.CANCELED, released.created_at) is Settlement.RELEASE
    (event,) = released.pull_events()
    assert isinstance(event, AppointmentCanceled)
    assert (event.reason, event.refund_amount) == ("payment_canceled", "0.00")


# --- notifications over fakes --------------------------------------------------------


@pytest.fixture
def world() -> World:
    return World()


def notifications(world: World) -> PaymentNotifications:
    return PaymentNotifications(world.uow, world.clock, world.gateway, ALLOWLIST)


async def deliver(world: World, event: str, object_id: str = "yk-0001") -> str:
    """YooKassa posts the notification; the worker processes what was recorded."""
    service = notifications(world)
    answer = await service.receive(YOOKASSA_IP, event, object_id)
    for published in list(world.bus.published):
        if isinstance(published, PaymentNotificationReceived):
            world.bus.published.remove(published)
            await service.process(published)
    return answer


def appointment_status(world: World, payment: Payment) -> AppointmentStatus:
    return world.repos.appointments.appointments[payment.appointment_id].status


async def test_a_payment_that_succeeds_in_time_confirms_the_appointment(world: World) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    assert await deliver(world, "payment.succeeded") == "recorded"
    stored = world.repos.payments.stored(payment.id)
    assert (stored.status, stored.confirmed_at) == (PaymentStatus.SUCCEEDED, world.clock.now())
    assert appointment_status(world, payment) is AppointmentStatus.CONFIRMED
    events = world.repos.appointments.appointments[payment.appointment_id].pull_events()
    assert [type(e) for e in events] == [AppointmentConfirmed]
    assert world.repos.notifications.outcome("payment.succeeded", "yk-0001") == (
        "payment_succeeded"
    )
    assert world.repos.refunds.refunds == {}


async def test_a_payment_that_succeeds_after_the_hold_lapsed_is_refunded_in_full(
    world: World,
) -> None:
    appointment, payment = await world.hold(amount="3500.00")
    world.clock.advance(minutes=20)
    appointment.expire_hold(world.clock.now())  # the hold job released the time
    await world.repos.appointments.save(appointment)
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    await deliver(world, "payment.succeeded")
    assert world.repos.payments.stored(payment.id).status is PaymentStatus.SUCCEEDED
    assert appointment_status(world, payment) is AppointmentStatus.CANCELED
    (refund,) = world.repos.refunds.refunds_of(payment.id)
    assert (refund.amount, refund.reason, refund.status) == (
        payment.amount, "hold_expired", RefundStatus.PENDING,
    )  # fmt: skip
    # Reconciliation asks YooKassa for it, under the refund's own key, once.
    reconciliation = Reconciliation(
        world.uow, world.clock, world.gateway, RefundRequests(world.uow, world.gateway)
    )
    await reconciliation.run(world.clock.now())
    assert world.gateway.refund_orders == []  # too recent to chase yet
    world.clock.advance(minutes=6)
    await reconciliation.run(world.clock.now())
    await reconciliation.run(world.clock.now())
    (order,) = world.gateway.refund_orders
    assert (order.provider_payment_id, order.amount, order.idempotence_key) == (
        "yk-0001", payment.amount, refund.idempotence_key,
    )  # fmt: skip


async def test_a_canceled_payment_releases_the_time(world: World) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.CANCELED, reason="expired_on_confirmation")
    await deliver(world, "payment.canceled")
    stored = world.repos.payments.stored(payment.id)
    assert (stored.status, stored.failure_reason) == (
        PaymentStatus.CANCELED, "expired_on_confirmation",
    )  # fmt: skip
    assert appointment_status(world, payment) is AppointmentStatus.CANCELED
    (event,) = world.repos.appointments.appointments[payment.appointment_id].pull_events()
    assert isinstance(event, AppointmentCanceled)
    assert event.reason == "payment_canceled"


async def test_a_duplicate_notification_is_recorded_once_and_applied_once(world: World) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    answers = [await deliver(world, "payment.succeeded") for _ in range(3)]
    assert answers == ["recorded", "duplicate", "duplicate"]
    events = world.repos.appointments.appointments[payment.appointment_id].pull_events()
    assert [type(e) for e in events] == [AppointmentConfirmed]
    assert world.repos.payments.stored(payment.id).version == payment.version + 1


async def test_a_late_cancellation_never_undoes_a_success(world: World) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    await deliver(world, "payment.succeeded")
    world.provider_says(payment, PaymentStatus.CANCELED)
    await deliver(world, "payment.canceled")
    assert world.repos.payments.stored(payment.id).status is PaymentStatus.SUCCEEDED
    assert appointment_status(world, payment) is AppointmentStatus.CONFIRMED
    assert world.repos.notifications.outcome("payment.canceled", "yk-0001") == "ignored_stale"


async def test_a_stale_waiting_for_capture_after_success_is_ignored(world: World) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    await deliver(world, "payment.succeeded")
    world.provider_says(payment, PaymentStatus.WAITING_FOR_CAPTURE)
    await deliver(world, "payment.waiting_for_capture")
    assert world.repos.payments.stored(payment.id).status is PaymentStatus.SUCCEEDED
    assert world.repos.notifications.outcome("payment.waiting_for_capture", "yk-0001") == (
        "ignored_stale"
    )


async def test_waiting_for_capture_is_recorded_without_confirming(world: World) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.WAITING_FOR_CAPTURE)
    await deliver(world, "payment.waiting_for_capture")
    assert world.repos.payments.stored(payment.id).status is PaymentStatus.WAITING_FOR_CAPTURE
    assert appointment_status(world, payment) is AppointmentStatus.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("says", "outcome"),
    [
        ({"status": PaymentStatus.PENDING}, "ignored_status_mismatch"),
        ({"status": None}, "ignored_status_mismatch"),  # a status we do not know
        ({"status": PaymentStatus.SUCCEEDED, "amount": "1.00"}, "ignored_mismatch"),
        ({"status": PaymentStatus.SUCCEEDED, "payment_id": "someone-else"}, "ignored_mismatch"),
    ],
)
async def test_an_api_answer_that_disagrees_changes_nothing(
    world: World, says: dict[str, object], outcome: str
) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, **says)  # type: ignore[arg-type]
    await deliver(world, "payment.succeeded")
    assert world.repos.payments.stored(payment.id).status is PaymentStatus.PENDING
    assert appointment_status(world, payment) is AppointmentStatus.PENDING_PAYMENT
    assert world.repos.notifications.outcome("payment.succeeded", "yk-0001") == outcome


async def test_a_notification_about_an_object_that_is_not_ours_is_rejected(world: World) -> None:
    await world.hold()
    assert await deliver(world, "payment.succeeded", "yk-9999") == "rejected"
    assert await deliver(world, "refund.succeeded", "rf-9999") == "rejected"
    assert await deliver(world, "payment.succeeded", "yk-9999") == "duplicate"
    assert world.repos.notifications.outcome("payment.succeeded", "yk-9999") == (
        "rejected_unknown_object"
    )


async def test_only_the_providers_addresses_and_known_events_are_accepted(world: World) -> None:
    await world.hold()
    service = notifications(world)
    for source in ("203.0.113.9", None, "not an address"):
        with pytest.raises(Forbidden):
            await service.receive(source, "payment.succeeded", "yk-0001")
    with pytest.raises(ValidationFailed):
        await service.receive(YOOKASSA_IP, "payment.refunded", "yk-0001")
    assert world.repos.notifications.records == {}


async def test_a_refund_succeeds_once(world: World) -> None:
    _, payment = await world.hold()
    refund = world.repos.payments.stored(payment.id).request_refund(payment.amount, "x")
    refund.accepted("rf-1", RefundStatus.PENDING)
    await world.repos.refunds.add_refund(refund)
    world.gateway.refunds["rf-1"] = ProviderRefund("rf-1", RefundStatus.SUCCEEDED)
    await deliver(world, "refund.succeeded", "rf-1")
    assert world.repos.refunds.refunds[refund.id].status is RefundStatus.SUCCEEDED
    assert world.repos.notifications.outcome("refund.succeeded", "rf-1") == "refund_succeeded"
    world.repos.notifications.records.clear()  # YooKassa sends it again after all
    assert await deliver(world, "refund.succeeded", "rf-1") == "recorded"
    assert world.repos.notifications.outcome("refund.succeeded", "rf-1") == "ignored_stale"


async def test_reconciliation_settles_a_payment_whose_notification_was_lost(
    world: World,
) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    reconciliation = Reconciliation(
        world.uow, world.clock, world.gateway, RefundRequests(world.uow, world.gateway)
    )
    assert await reconciliation.run(world.clock.now()) == 0  # too recent to chase
    world.clock.advance(minutes=5, seconds=1)
    assert await reconciliation.run(world.clock.now()) == 1
    assert appointment_status(world, payment) is AppointmentStatus.CONFIRMED
    assert await reconciliation.run(world.clock.now()) == 0  # nothing open any more


async def test_reconciliation_polls_refunds_the_provider_has_not_finished(world: World) -> None:
    _, payment = await world.hold()
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    await deliver(world, "payment.succeeded")
    world.gateway.refund_status = RefundStatus.PENDING
    refund = world.repos.payments.stored(payment.id).request_refund(payment.amount, "x")
    await world.repos.refunds.add_refund(refund)
    requests = RefundRequests(world.uow, world.gateway)
    await requests.request_for(payment.appointment_id)
    (order,) = world.gateway.refund_orders
    provider_id = world.repos.refunds.refunds[refund.id].provider_refund_id
    assert provider_id is not None
    reconciliation = Reconciliation(world.uow, world.clock, world.gateway, requests)
    world.clock.advance(minutes=10)
    assert await reconciliation.run(world.clock.now()) == 0  # still pending at the provider
    world.gateway.refunds[provider_id] = ProviderRefund(provider_id, RefundStatus.SUCCEEDED)
    assert await reconciliation.run(world.clock.now()) == 1
    assert world.repos.refunds.refunds[refund.id].status is RefundStatus.SUCCEEDED
    assert len(world.gateway.refund_orders) == 1  # asked once
    assert order.idempotence_key == refund.idempotence_key


async def test_reconciliation_after_a_notification_changes_nothing(
    world: World,
) -> None:
    _, payment = await world.hold()
    world.clock.advance(minutes=1)
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    await deliver(world, "payment.succeeded")
    # A reconciliation run afterwards finds nothing open.
    reconciliation = Reconciliation(
        world.uow, world.clock, world.gateway, RefundRequests(world.uow, world.gateway)
    )
    world.clock.advance(minutes=10)
    assert await reconciliation.run(world.clock.now()) == 0
    events = world.repos.appointments.appointments[payment.appointment_id].pull_events()
    assert [type(e) for e in events] == [AppointmentConfirmed]


def needing_attention(world: World) -> list[tuple[str, str]]:
    return [
        (e.aggregate_id, e.reason) for e in world.bus.published
        if isinstance(e, PaymentNeedsAttention)
    ]  # fmt: skip


async def test_a_mismatching_answer_calls_for_staff(world: World) -> None:
    _, payment = await world.hold(amount="3500.00")
    world.provider_says(payment, PaymentStatus.SUCCEEDED, amount="35.00")
    await deliver(world, "payment.succeeded")
    assert world.repos.payments.stored(payment.id).status is not PaymentStatus.SUCCEEDED
    assert needing_attention(world) == [(str(payment.id), MISMATCH)]


async def test_a_refund_the_provider_canceled_calls_for_staff(world: World) -> None:
    appointment, payment = await world.hold(amount="3500.00")
    world.clock.advance(minutes=20)
    appointment.expire_hold(world.clock.now())
    await world.repos.appointments.save(appointment)
    world.provider_says(payment, PaymentStatus.SUCCEEDED)
    await deliver(world, "payment.succeeded")  # paid too late: refunded in full
    reconciliation = Reconciliation(
        world.uow, world.clock, world.gateway, RefundRequests(world.uow, world.gateway)
    )
    world.clock.advance(minutes=6)
    await reconciliation.run(world.clock.now())  # the refund is asked for
    (created,) = world.gateway.refunds.values()
    world.gateway.refunds[created.id] = ProviderRefund(created.id, RefundStatus.CANCELED)
    world.clock.advance(minutes=6)
    await reconciliation.run(world.clock.now())
    assert needing_attention(world) == [(str(payment.id), REFUND_FAILED)]
