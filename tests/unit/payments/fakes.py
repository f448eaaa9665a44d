"""In-memory fakes of the payments ports: stores of payments and refunds that keep
copies (so a change that is not saved is lost, as in the database), the notification
log, the appointments and a provider whose answers a test sets."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.events import EventHandlers
from app.application.payments.ports import (
    PAYMENT_OPEN,
    REFUND_NOT_REQUESTED,
    REFUND_PENDING,
    LinkRequest,
    PaymentLine,
    PaymentOrder,
    PaymentProblem,
    PaymentRecord,
    PaymentsRepos,
    PaymentsUoW,
    ProviderPayment,
    ProviderRefund,
    RecordedNotification,
    RefundLine,
    RefundOrder,
    RefundToRequest,
)
from app.domain.booking.appointment import Appointment
from app.domain.booking.refunds import CancellationPolicy
from app.domain.errors import VersionConflict
from app.domain.payments.events import REFUND_FAILED
from app.domain.payments.model import PaymentProviderUnavailable
from app.domain.payments.payment import Payment, PaymentStatus, Refund, RefundStatus
from app.domain.shared.money import Money
from app.domain.shared.time_range import TimeRange

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
PROVIDER_OPEN = frozenset(
    {PaymentStatus.INTENT, PaymentStatus.PENDING, PaymentStatus.WAITING_FOR_CAPTURE}
)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeRefundStore:
    """The refunds; it sees the payments they belong to (the payment store shares them)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.payments: dict[uuid.UUID, Payment] = {}
        self.refunds: dict[uuid.UUID, Refund] = {}
        self.refund_times: dict[uuid.UUID, tuple[datetime, datetime]] = {}  # created, updated

    def refunds_of(self, payment_id: uuid.UUID) -> list[Refund]:
        return [copy.deepcopy(r) for r in self.refunds.values() if r.payment_id == payment_id]

    async def refunded(self, payment_id: uuid.UUID) -> Money:
        total = Money.zero(self.payments[payment_id].amount.currency)
        for refund in self.refunds.values():
            if refund.payment_id == payment_id and refund.status is not RefundStatus.CANCELED:
                total = total + refund.amount
        return total

    async def add_refund(self, refund: Refund) -> None:
        self.refunds[refund.id] = copy.deepcopy(refund)
        self.refund_times[refund.id] = (self._clock.now(), self._clock.now())

    async def refund_by_provider_id(self, provider_refund_id: str) -> Refund | None:
        for refund in self.refunds.values():
            if refund.provider_refund_id == provider_refund_id:
                return copy.deepcopy(refund)
        return None

    async def save_refund(self, refund: Refund) -> None:
        if self.refunds[refund.id].status is RefundStatus.PENDING:
            self.refunds[refund.id] = copy.deepcopy(refund)
            self.refund_times[refund.id] = (self.refund_times[refund.id][0], self._clock.now())

    async def stale_refunds(self, before: datetime, limit: int) -> list[Refund]:
        return [
            copy.deepcopy(r) for r in self.refunds.values()
            if r.status is RefundStatus.PENDING and r.provider_refund_id is not None
            and self.refund_times[r.id][1] < before
        ][:limit]  # fmt: skip

    def _to_request(self, refunds: list[Refund]) -> list[RefundToRequest]:
        wanted = []
        for refund in refunds:
            payment = self.payments[refund.payment_id]
            if (
                payment.provider == "yookassa" and payment.provider_payment_id is not None
                and refund.provider_refund_id is None and refund.status is RefundStatus.PENDING
            ):  # fmt: skip
                wanted.append(RefundToRequest(copy.deepcopy(refund), payment.provider_payment_id))
        return wanted

    async def refunds_to_request(self, appointment_id: uuid.UUID) -> list[RefundToRequest]:
        return self._to_request(
            [r for r in self.refunds.values()
             if self.payments[r.payment_id].appointment_id == appointment_id]
        )  # fmt: skip

    async def unrequested_refunds(self, before: datetime, limit: int) -> list[RefundToRequest]:
        old = [r for r in self.refunds.values() if self.refund_times[r.id][0] < before]
        return self._to_request(old)[:limit]


class FakePaymentStore:
    def __init__(
        self, clock: Clock, refunds: FakeRefundStore, appointments: FakeAppointments
    ) -> None:
        self._clock = clock
        self._refunds = refunds
        self._appointments = appointments
        self.payments = refunds.payments
        self.created_at: dict[uuid.UUID, datetime] = {}
        self.customer_email: str | None = "c@example.org"
        self.policy = CancellationPolicy(free_hours=24, partial_hours=6, partial_percent=50)

    def stored(self, payment_id: uuid.UUID) -> Payment:
        return copy.deepcopy(self.payments[payment_id])

    async def add(self, payment: Payment) -> None:
        self.payments[payment.id] = copy.deepcopy(payment)
        self.created_at[payment.id] = self._clock.now()

    async def lock(self, payment_id: uuid.UUID) -> Payment | None:
        found = self.payments.get(payment_id)
        return copy.deepcopy(found) if found else None

    async def by_provider_id(self, provider_payment_id: str) -> Payment | None:
        for payment in self.payments.values():
            if payment.provider_payment_id == provider_payment_id:
                return copy.deepcopy(payment)
        return None

    async def save(self, payment: Payment) -> None:
        if self.payments[payment.id].version != payment.version:
            raise VersionConflict()
        payment.version += 1
        self.payments[payment.id] = copy.deepcopy(payment)

    async def link_request(self, payment_id: uuid.UUID) -> LinkRequest | None:
        payment = await self.lock(payment_id)
        return LinkRequest(payment, "Консультация", self.customer_email) if payment else None

    async def stale_open(self, before: datetime, limit: int) -> list[Payment]:
        return [
            copy.deepcopy(p) for p in self.payments.values()
            if p.provider == "yookassa" and p.status in PROVIDER_OPEN
            and self.created_at[p.id] < before
        ][:limit]  # fmt: skip

    async def list(
        self, status: str | None, limit: int,
        window: tuple[datetime | None, datetime | None] | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[PaymentLine]:  # fmt: skip
        lines = []
        date_from, date_to = window or (None, None)
        for p in sorted(self.payments.values(), key=lambda p: (self.created_at[p.id], p.id),
                        reverse=True):  # fmt: skip
            created = self.created_at[p.id]
            if (
                (status is None or p.status == status)
                and (date_from is None or created >= date_from)
                and (date_to is None or created < date_to)
                and (after is None or (created, p.id) < after)
            ):
                line = PaymentLine(
                    id=p.id, appointment_id=p.appointment_id, kind=p.kind, amount=p.amount,
                    refunded=await self._refunds.refunded(p.id), provider=p.provider,
                    status=p.status, created_at=self.created_at[p.id],
                    confirmed_at=p.confirmed_at,
                )  # fmt: skip
                lines.append(line)
        return lines[:limit]

    async def record(self, payment_id: uuid.UUID) -> PaymentRecord | None:
        p = self.payments.get(payment_id)
        if p is None:
            return None
        (line,) = [x for x in await self.list(None, 1000) if x.id == payment_id]
        appointment = self._appointments.appointments[p.appointment_id]
        refunds = [
            RefundLine(r.id, r.amount, r.status, r.reason, r.provider_refund_id,
                       self._refunds.refund_times[r.id][0])
            for r in self._refunds.refunds.values() if r.payment_id == payment_id
        ]  # fmt: skip
        return PaymentRecord(
            line=line, provider_payment_id=p.provider_payment_id,
            failure_reason=p.failure_reason, refunds=refunds, service_title="Консультация",
            appointment_start=appointment.session.start,
            appointment_status=appointment.status.value, policy=self.policy,
        )  # fmt: skip

    async def problems(self, before: datetime, limit: int) -> list[PaymentProblem]:
        found = [
            PaymentProblem(p.id, PAYMENT_OPEN, p.amount, self.created_at[p.id])
            for p in await self.stale_open(before, limit)
        ]
        for r in self._refunds.refunds.values():
            updated = self._refunds.refund_times[r.id][1]
            provider = self.payments[r.payment_id].provider
            if r.status is RefundStatus.CANCELED:
                kind = REFUND_FAILED
            elif r.status is RefundStatus.PENDING and provider == "yookassa" and updated < before:
                kind = REFUND_NOT_REQUESTED if r.provider_refund_id is None else REFUND_PENDING
            else:
                continue
            found.append(PaymentProblem(r.payment_id, kind, r.amount, updated))
        return sorted(found, key=lambda problem: problem.since, reverse=True)[:limit]


class FakeNotificationLog:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str, str], uuid.UUID] = {}
        self.outcomes: dict[uuid.UUID, str] = {}
        # set by Repos: where "ours" is looked up
        self.payments: FakePaymentStore | None = None
        self.refunds: FakeRefundStore | None = None

    async def record(
        self, provider: str, event: str, object_id: str, *, refund: bool, rejected: str
    ) -> RecordedNotification | None:
        if (provider, event, object_id) in self.records:
            return None
        assert self.payments is not None
        assert self.refunds is not None
        record_id = self.records[(provider, event, object_id)] = uuid.uuid4()
        if refund:
            ours = await self.refunds.refund_by_provider_id(object_id) is not None
        else:
            ours = await self.payments.by_provider_id(object_id) is not None
        if not ours:
            self.outcomes[record_id] = rejected
        return RecordedNotification(record_id, ours)

    async def finish(self, record_id: uuid.UUID, outcome: str) -> None:
        self.outcomes[record_id] = outcome

    def outcome(self, event: str, object_id: str, provider: str = "yookassa") -> str | None:
        return self.outcomes.get(self.records[(provider, event, object_id)])


class FakeAppointments:
    def __init__(self) -> None:
        self.appointments: dict[uuid.UUID, Appointment] = {}

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        found = self.appointments.get(appointment_id)
        return copy.deepcopy(found) if found else None

    async def save(self, appointment: Appointment) -> None:
        """Keeps the appointment with the events it recorded (a test pulls them)."""
        self.appointments[appointment.id] = copy.deepcopy(appointment)


@dataclass
class Repos:
    payments: FakePaymentStore
    refunds: FakeRefundStore
    notifications: FakeNotificationLog = field(default_factory=FakeNotificationLog)
    appointments: FakeAppointments = field(default_factory=FakeAppointments)

    def __post_init__(self) -> None:
        self.notifications.payments = self.payments
        self.notifications.refunds = self.refunds


class FakeGateway:
    """YooKassa as the application sees it: answers set by the test, calls recorded."""

    def __init__(self) -> None:
        self.payments: dict[str, ProviderPayment] = {}
        self.refunds: dict[str, ProviderRefund] = {}
        self.payment_orders: list[PaymentOrder] = []
        self.refund_orders: list[RefundOrder] = []
        self.refund_status: RefundStatus = RefundStatus.PENDING
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise PaymentProviderUnavailable()

    async def create_payment(self, order: PaymentOrder) -> ProviderPayment:
        self._check()
        self.payment_orders.append(order)
        created = ProviderPayment(
            id=f"yk-{order.idempotence_key.hex[:8]}", status=PaymentStatus.PENDING,
            amount=order.amount, payment_id=str(order.payment_id),
            confirmation_url=f"https://yoomoney.test/checkout/{order.idempotence_key.hex[:8]}",
        )  # fmt: skip
        self.payments[created.id] = created
        return created

    async def get_payment(self, provider_payment_id: str) -> ProviderPayment:
        self._check()
        return self.payments[provider_payment_id]

    async def create_refund(self, order: RefundOrder) -> ProviderRefund:
        self._check()
        self.refund_orders.append(order)
        created = ProviderRefund(f"rf-{order.idempotence_key.hex[:8]}", self.refund_status)
        self.refunds[created.id] = created
        return created

    async def get_refund(self, provider_refund_id: str) -> ProviderRefund:
        self._check()
        return self.refunds[provider_refund_id]


def held_appointment(now: datetime = NOW, hold_minutes: int = 15) -> Appointment:
    start = now + timedelta(days=2)
    appointment = Appointment.hold(
        service_id=uuid.uuid4(), client_user_id=uuid.uuid4(), lead_id=None,
        session=TimeRange(start, start + timedelta(hours=1)),
        blocked=TimeRange(start, start + timedelta(hours=1)), timezone="UTC",
        format_="online", now=now, hold_until=now + timedelta(minutes=hold_minutes),
    )  # fmt: skip
    appointment.pull_events()
    return appointment


@dataclass
class World:
    """The payments context over fakes, with one held appointment and its payment."""

    clock: Clock = field(default_factory=Clock)
    gateway: FakeGateway = field(default_factory=FakeGateway)
    repos: Repos = field(init=False)
    bus: InMemoryEventBus = field(default_factory=lambda: InMemoryEventBus(EventHandlers()))

    def __post_init__(self) -> None:
        refunds = FakeRefundStore(self.clock)
        appointments = FakeAppointments()
        self.repos = Repos(
            FakePaymentStore(self.clock, refunds, appointments), refunds,
            appointments=appointments,
        )  # fmt: skip

    def uow(self) -> PaymentsUoW:
        repos: PaymentsRepos = self.repos
        return InMemoryUnitOfWork(repos, self.bus)

    async def hold(
        self, amount: str = "3500.00", provider: str = "yookassa", provider_id: str = "yk-0001"
    ) -> tuple[Appointment, Payment]:
        """A held appointment whose payment is pending at the provider."""
        appointment = held_appointment(self.clock.now())
        self.repos.appointments.appointments[appointment.id] = appointment
        payment = Payment.start(appointment.id, Money.of(amount), provider)
        payment.link(provider_id, f"https://pay.test/{provider_id}")
        await self.repos.payments.add(payment)
        return appointment, payment

    def provider_says(
        self, payment: Payment, status: PaymentStatus | None, *, amount: str | None = None,
        payment_id: str | None = None, reason: str | None = None,
    ) -> None:  # fmt: skip
        assert payment.provider_payment_id is not None
        self.gateway.payments[payment.provider_payment_id] = ProviderPayment(
            id=payment.provider_payment_id, status=status,
            amount=Money.of(amount) if amount else payment.amount,
            payment_id=payment_id or str(payment.id), cancellation_reason=reason,
        )  # fmt: skip
