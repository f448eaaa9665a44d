"""Identity: accounts, sign-in, sessions, consent, data-subject export and erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.adapters.crypto.aesgcm import KeyedHasher
from app.adapters.http.guests import GUEST_CONTROLLERS
from app.adapters.http.identity import IDENTITY_CONTROLLERS
from app.adapters.postgres.analytics import AnalyticsPersonalData
from app.adapters.postgres.assistants import AssistantsPersonalData
from app.adapters.postgres.booking import BookingPersonalData
from app.adapters.postgres.crm import CrmPersonalData
from app.adapters.postgres.diary import DiaryPersonalData
from app.adapters.postgres.identity import (
    IdentityPersonalData,
    PostgresIdentityRepos,
    PostgresIdentityRetention,
    SectionFactory,
)
from app.adapters.postgres.interactives import InteractivesPersonalData
from app.adapters.postgres.moderation import ModerationPersonalData
from app.adapters.postgres.session import Session
from app.adapters.postgres.telegram import TelegramPersonalData
from app.adapters.telegram.login_widget import TelegramLoginWidgetVerifier
from app.application.booking.erasure import ErasureCancellations
from app.application.booking.transactions import BookingTransactions
from app.application.identity.guests import Guests
from app.application.identity.service import IdentityConfig, IdentityService
from app.application.scheduler import PeriodicJob
from app.composition.booking import booking_repos
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, on, provide
from app.config import Settings
from app.domain.identity.events import DataExportRequested, ErasureRequested
from app.domain.identity.model import LoginCodePolicy, SessionPolicies, SessionPolicy

# Expired login codes and sessions are kept this long, then deleted.
AUTH_RETENTION = timedelta(days=1)
# A finished export request (its archive already gone) still answers "expired" or
# "downloaded" for a month, then its row goes too.
EXPORT_RECORD_RETENTION = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class IdentityContext:
    identity: IdentityService
    guests: Guests
    wiring: Wiring


def personal_data_sections(settings: Settings) -> tuple[SectionFactory, ...]:
    """Each context's part of data-subject export and erasure, in the order they run.
    CRM binds the person's leads before Telegram looks up the accounts linked to them;
    CRM's erasure moves the leads' appointments to the account; booking runs last, so
    appointments are cancelled and de-identified after every other step has run."""

    def booking(session: Session) -> BookingPersonalData:
        return BookingPersonalData(session, booking_repos(settings, session))

    return (
        CrmPersonalData, TelegramPersonalData, InteractivesPersonalData, AnalyticsPersonalData,
        DiaryPersonalData, ModerationPersonalData, AssistantsPersonalData, IdentityPersonalData,
        booking,
    )  # fmt: skip


def identity_config(settings: Settings) -> IdentityConfig:
    return IdentityConfig(
        sessions=SessionPolicies(
            client=SessionPolicy(
                idle=timedelta(minutes=settings.session_idle_timeout_minutes),
                lifetime=timedelta(hours=settings.session_lifetime_hours),
            ),
            staff=SessionPolicy(
                idle=timedelta(minutes=settings.staff_session_idle_timeout_minutes),
                lifetime=timedelta(hours=settings.staff_session_lifetime_hours),
            ),
        ),
        codes=LoginCodePolicy(),
        public_base_url=settings.public_base_url,
    )


def build_identity(infra: Infrastructure) -> IdentityContext:
    settings = infra.settings
    sections = personal_data_sections(settings)
    telegram = (
        TelegramLoginWidgetVerifier(settings.telegram_bot_token)
        if settings.telegram_bot_token
        else None
    )
    identity_uow = infra.unit_of_work(
        lambda session: PostgresIdentityRepos(session, sections=sections)
    )
    upcoming = ErasureCancellations(
        BookingTransactions(infra.unit_of_work(lambda s: booking_repos(settings, s))),
        infra.clock,
        settings.site_links,
    )
    identity = IdentityService(
        identity_uow,
        infra.clock,
        KeyedHasher(infra.cipher.keyring),
        identity_config(settings),
        telegram,
        upcoming,
    )
    retention = PostgresIdentityRetention(infra.database)

    async def purge_identity(now: datetime) -> None:
        await retention.purge(now, AUTH_RETENTION, EXPORT_RECORD_RETENTION)

    guests = Guests(identity_uow, infra.clock, settings.site_links, upcoming)
    return IdentityContext(
        identity=identity,
        guests=guests,
        wiring=Wiring(
            subscriptions=(
                on(DataExportRequested, "identity.build_export", identity.build_export),
                on(ErasureRequested, "identity.erase", identity.erase),
            ),
            jobs=(PeriodicJob("identity.retention", timedelta(hours=1), purge_identity),),
            controllers=(*IDENTITY_CONTROLLERS, *GUEST_CONTROLLERS),
            dependencies={"identity": provide(identity), "guests": provide(guests)},
        ),
    )
