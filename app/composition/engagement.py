"""Engagement: interactives, the diary, CRM leads, moderation, admin settings and
analytics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.adapters.http.admin import AdminController
from app.adapters.http.analytics import AnalyticsController
from app.adapters.http.crm import CRM_CONTROLLERS
from app.adapters.http.interactives import INTERACTIVE_CONTROLLERS
from app.adapters.http.moderation import MODERATION_CONTROLLERS
from app.adapters.postgres.admin import PostgresAdminStore
from app.adapters.postgres.analytics import PostgresAnalyticsStore
from app.adapters.postgres.crm import PostgresLeadStore
from app.adapters.postgres.diary import PostgresDiaryStore
from app.adapters.postgres.interactives import PostgresInteractiveStore
from app.adapters.postgres.moderation import PostgresModerationStore
from app.application.admin.service import AdminService
from app.application.analytics.service import AnalyticsService
from app.application.cabinet.diary import DiaryService
from app.application.crm.booking_steps import BookingSteps
from app.application.crm.service import CrmService
from app.application.interactives.service import InteractiveService
from app.application.moderation.service import ModerationService
from app.application.scheduler import PeriodicJob
from app.application.telegram.links import DeepLinks
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, on, provide
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentCompleted,
    AppointmentConfirmed,
    AppointmentHeld,
    AppointmentNoShow,
    AppointmentRescheduled,
)


@dataclass(frozen=True, slots=True)
class EngagementContext:
    interactives: InteractiveService
    diary: DiaryService
    crm: CrmService
    moderation: ModerationService
    admin: AdminService
    analytics: AnalyticsService
    wiring: Wiring


def build_engagement(
    infra: Infrastructure, deep_links: DeepLinks | None, practitioner_timezone: str
) -> EngagementContext:
    clock = infra.clock
    interactives = InteractiveService(
        infra.unit_of_work(lambda s: PostgresInteractiveStore(s, PostgresLeadStore(s))),
        clock,
        deep_links,
    )
    moderation = ModerationService(
        infra.unit_of_work(PostgresModerationStore), clock, infra.settings.site_links
    )
    analytics = AnalyticsService(
        infra.unit_of_work(PostgresAnalyticsStore), clock, practitioner_timezone
    )

    async def abandon_stale(now: datetime) -> None:
        await interactives.abandon_stale(now)

    async def seal_legacy_health_facts(_: datetime) -> None:
        """Results and author links written in plaintext before 0035 move to encrypted."""
        await interactives.seal_legacy_results()
        await moderation.seal_legacy_authors()

    diary = DiaryService(infra.unit_of_work(PostgresDiaryStore), clock)
    crm = CrmService(infra.unit_of_work(PostgresLeadStore))
    steps = BookingSteps(crm)
    admin = AdminService(infra.unit_of_work(PostgresAdminStore), clock)
    return EngagementContext(
        interactives=interactives,
        diary=diary,
        crm=crm,
        moderation=moderation,
        admin=admin,
        analytics=analytics,
        wiring=Wiring(
            subscriptions=(
                on(AppointmentHeld, "analytics.booking_held", analytics.on_held),
                on(AppointmentConfirmed, "analytics.booking_paid", analytics.on_confirmed),
                on(AppointmentConfirmed, "crm.booking_paid", steps.on_confirmed),
                on(AppointmentRescheduled, "crm.booking_rescheduled", steps.on_rescheduled),
                on(AppointmentCanceled, "crm.booking_canceled", steps.on_canceled),
                on(AppointmentCompleted, "crm.booking_completed", steps.on_completed),
                on(AppointmentNoShow, "crm.booking_no_show", steps.on_no_show),
            ),
            jobs=(
                PeriodicJob("analytics.retention", timedelta(hours=6), analytics.purge),
                PeriodicJob(
                    "analytics.funnel_rollup", timedelta(minutes=5), analytics.roll_up_funnel
                ),
                PeriodicJob("interactives.abandon_stale", timedelta(hours=1), abandon_stale),
                PeriodicJob(
                    "health_facts.seal_legacy", timedelta(hours=1), seal_legacy_health_facts
                ),
            ),
            controllers=(
                *INTERACTIVE_CONTROLLERS,
                *CRM_CONTROLLERS,
                *MODERATION_CONTROLLERS,
                AdminController,
                AnalyticsController,
            ),
            dependencies={
                "interactives": provide(interactives),
                "diary": provide(diary),
                "crm": provide(crm),
                "moderation": provide(moderation),
                "admin": provide(admin),
                "analytics": provide(analytics),
            },
        ),
    )
