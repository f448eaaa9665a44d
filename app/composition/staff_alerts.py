"""Staff alerts: what the owner and the staff who opted in are told, and their choices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.adapters.http.staff_alerts import StaffAlertsController
from app.adapters.postgres.staff_alerts import PostgresStaffAlertStore
from app.application.scheduler import PeriodicJob
from app.application.staff_alerts.service import StaffAlerts
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, on, provide
from app.domain.assistants.events import AssistantCrisisSignalled
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
)
from app.domain.interactives.events import SelfCheckCrisisSignalled
from app.domain.moderation.events import CrisisQuestionReceived
from app.domain.payments.events import PaymentNeedsAttention


@dataclass(frozen=True, slots=True)
class StaffAlertsContext:
    staff_alerts: StaffAlerts
    wiring: Wiring


def build_staff_alerts(
    infra: Infrastructure, practitioner_timezone: str, calendar_health: Callable[[], str]
) -> StaffAlertsContext:
    alerts = StaffAlerts(
        infra.unit_of_work(PostgresStaffAlertStore), infra.clock, infra.settings.site_links,
        practitioner_timezone, calendar_health,
    )  # fmt: skip

    async def warn_sla(now: datetime) -> None:
        await alerts.warn_sla(now)

    async def check_calendar(now: datetime) -> None:
        await alerts.check_calendar(now)

    return StaffAlertsContext(
        staff_alerts=alerts,
        wiring=Wiring(
            subscriptions=(
                on(AppointmentConfirmed, "staff_alerts.booking_paid", alerts.on_confirmed),
                on(AppointmentCanceled, "staff_alerts.booking_canceled", alerts.on_canceled),
                on(
                    AppointmentRescheduled,
                    "staff_alerts.booking_rescheduled",
                    alerts.on_rescheduled,
                ),
                on(
                    CrisisQuestionReceived,
                    "staff_alerts.crisis_question",
                    alerts.on_crisis_question,
                ),
                on(
                    SelfCheckCrisisSignalled,
                    "staff_alerts.crisis_self_check",
                    alerts.on_crisis_self_check,
                ),
                on(
                    AssistantCrisisSignalled,
                    "staff_alerts.crisis_assistant",
                    alerts.on_crisis_assistant,
                ),
                on(
                    PaymentNeedsAttention,
                    "staff_alerts.payment_attention",
                    alerts.on_payment_needs_attention,
                ),
            ),
            jobs=(
                PeriodicJob("staff_alerts.sla_warning", timedelta(minutes=5), warn_sla),
                PeriodicJob("staff_alerts.calendar", timedelta(minutes=5), check_calendar),
            ),
            controllers=(StaffAlertsController,),
            dependencies={"staff_alerts": provide(alerts)},
        ),
    )
