"""Payments: the sandbox and YooKassa providers, notifications, refunds, reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.adapters.http.booking import SandboxPaymentsController
from app.adapters.http.payments import AdminPaymentsController
from app.adapters.http.webhooks import WebhooksController
from app.adapters.postgres.booking import PostgresAppointmentRepository
from app.adapters.postgres.payments import PostgresPaymentsRepos
from app.adapters.postgres.session import Session
from app.application.payments.links import ProviderLinks
from app.application.payments.service import Payments
from app.application.scheduler import PeriodicJob
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, on, provide
from app.domain.booking.appointment import AppointmentCanceled
from app.domain.payments.model import PaymentNotificationReceived

if TYPE_CHECKING:
    from app.adapters.yookassa.gateway import YooKassaGateway


@dataclass(frozen=True, slots=True)
class PaymentsContext:
    payments: Payments
    wiring: Wiring


def payments_repos(session: Session) -> PostgresPaymentsRepos:
    return PostgresPaymentsRepos(session, PostgresAppointmentRepository(session))


def payment_links(infra: Infrastructure, yookassa: YooKassaGateway | None) -> ProviderLinks | None:
    """Payment links at the provider (YooKassa); the sandbox needs none."""
    if infra.settings.payments_provider != "yookassa" or yookassa is None:
        return None
    return ProviderLinks(infra.unit_of_work(payments_repos), yookassa, infra.settings.site_links)


def build_payments(
    infra: Infrastructure, yookassa: YooKassaGateway | None, links: ProviderLinks | None
) -> PaymentsContext:
    settings = infra.settings
    payments = Payments(
        infra.unit_of_work(payments_repos),
        infra.clock,
        yookassa,
        settings.yookassa_webhook_allowlist,
        links=links,
    )

    async def reconcile(now: datetime) -> None:
        await payments.reconcile(now)

    sandbox = [SandboxPaymentsController] if settings.payments_provider == "sandbox" else []
    return PaymentsContext(
        payments=payments,
        wiring=Wiring(
            subscriptions=(
                on(PaymentNotificationReceived, "payments.apply_notification", payments.process),
                on(AppointmentCanceled, "payments.request_refunds", payments.request_refunds),
            ),
            jobs=(PeriodicJob("payments.reconcile", timedelta(minutes=2), reconcile),),
            controllers=(WebhooksController, AdminPaymentsController, *sandbox),
            dependencies={"payments": provide(payments)},
        ),
    )
