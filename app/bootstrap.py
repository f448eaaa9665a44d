"""The composition root: the only module that knows every concrete adapter.

Nothing here runs at import time; the CLI calls these functions after reading the
settings.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import structlog
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from litestar import Litestar
from litestar.di import Provide

from app.adapters.clock import SystemClock
from app.adapters.crypto.aesgcm import AesGcmCipher, KeyedHasher, Keyring, generate_key
from app.adapters.email.console import ConsoleChannel
from app.adapters.email.smtp import SmtpChannel
from app.adapters.google_calendar.gateway import GoogleCalendarGateway, authorized_http_factory
from app.adapters.http.admin import AdminController
from app.adapters.http.analytics import AnalyticsController
from app.adapters.http.app import build_http_app
from app.adapters.http.booking import BOOKING_CONTROLLERS, SandboxPaymentsController
from app.adapters.http.content import CONTENT_CONTROLLERS
from app.adapters.http.crm import CRM_CONTROLLERS
from app.adapters.http.identity import IDENTITY_CONTROLLERS
from app.adapters.http.interactives import INTERACTIVE_CONTROLLERS
from app.adapters.http.moderation import MODERATION_CONTROLLERS
from app.adapters.http.payments import AdminPaymentsController
from app.adapters.http.telegram import DeepLinksController, TelegramLinkController
from app.adapters.http.webhooks import TelegramWebhookController, WebhooksController
from app.adapters.postgres.admin import PostgresAdminStore
from app.adapters.postgres.analytics import AnalyticsPersonalData, PostgresAnalyticsStore
from app.adapters.postgres.booking import (
    BookingPersonalData,
    PostgresAppointmentRepository,
    PostgresBookingRepos,
)
from app.adapters.postgres.content import PostgresContentRepos
from app.adapters.postgres.crm import CrmPersonalData, PostgresLeadStore
from app.adapters.postgres.database import Database
from app.adapters.postgres.demo_data import load_demo_data
from app.adapters.postgres.diary import DiaryPersonalData, PostgresDiaryStore
from app.adapters.postgres.embedded import start_embedded_postgres
from app.adapters.postgres.identity import (
    IdentityPersonalData,
    PostgresIdentityRepos,
    SectionFactory,
)
from app.adapters.postgres.interactives import InteractivesPersonalData, PostgresInteractiveStore
from app.adapters.postgres.jobs import PostgresJobLock
from app.adapters.postgres.key_rotation import KeyRotation, RotationReport
from app.adapters.postgres.listener import OutboxWakeup
from app.adapters.postgres.migrations import migration_ids
from app.adapters.postgres.moderation import ModerationPersonalData, PostgresModerationStore
from app.adapters.postgres.notifications import PostgresDeliveryQueue, PostgresTemplateStore
from app.adapters.postgres.outbox import PostgresOutboxStore
from app.adapters.postgres.payments import PostgresBookingPayments, PostgresPaymentsRepos
from app.adapters.postgres.session import Session
from app.adapters.postgres.telegram import PostgresTelegramDirectory, TelegramPersonalData
from app.adapters.postgres.unit_of_work import PostgresUnitOfWork, unit_of_work_factory
from app.adapters.telegram.bot import TelegramWebhook, build_dispatcher
from app.adapters.telegram.channel import TelegramChannel
from app.adapters.telegram.login_widget import TelegramLoginWidgetVerifier
from app.adapters.yookassa.client import YooKassaClient
from app.adapters.yookassa.gateway import YooKassaGateway
from app.application.admin.service import AdminService
from app.application.analytics.service import AnalyticsService
from app.application.booking.use_cases import Booking, BookingConfig, build_booking
from app.application.cabinet.diary import DiaryService
from app.application.content.service import ContentService
from app.application.crm.service import CrmService
from app.application.events import EventHandlers
from app.application.identity.service import IdentityConfig, IdentityService
from app.application.interactives.service import InteractiveService
from app.application.moderation.service import ModerationService
from app.application.notifications import MessageChannel, NotificationSender
from app.application.outbox_relay import OutboxRelay
from app.application.payments.links import ProviderLinks
from app.application.payments.service import Payments
from app.application.ports import Clock
from app.application.recent_reads import RecentReads
from app.application.scheduler import PeriodicJob, Scheduler
from app.application.telegram.appointments import BotAppointments
from app.application.telegram.booking import BotBooking
from app.application.telegram.chat import BotChat
from app.application.telegram.conversation import Conversation
from app.application.telegram.links import AccountLinks, DeepLinks
from app.application.telegram.slots import BotSlots
from app.application.telegram.start import StartBot
from app.application.telegram.texts import BotTexts
from app.application.worker import run_worker
from app.config import ConfigError, Settings
from app.domain.booking.appointment import (
    APPOINTMENT_EVENTS,
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentHeld,
    AppointmentRescheduled,
)
from app.domain.identity.events import DataExportRequested, ErasureRequested
from app.domain.identity.model import LoginCodePolicy, SessionPolicies, SessionPolicy
from app.domain.payments.model import PaymentNotificationReceived

logger = structlog.get_logger(__name__)

R = TypeVar("R")

OUTBOX_RETENTION = timedelta(days=7)
IDEMPOTENCY_RETENTION = timedelta(days=1)
# Defaults also seeded in system_settings (booking.hold_minutes, reminder offsets).
HOLD_MINUTES = 15
REMINDER_OFFSETS_HOURS = (24, 2)
AUTH_RETENTION = timedelta(days=1)


def resolve_database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set; otherwise (dev/test only) the embedded server's URL."""
    if settings.database_url is not None:
        return settings.database_url
    if settings.is_prod:
        raise ConfigError("DATABASE_URL", "is required in prod")
    return start_embedded_postgres(settings.embedded_database_dir).url


def resolve_keyring(settings: Settings) -> Keyring:
    """The configured keyring; in dev/test without one, a local key kept under DATA_DIR."""
    if settings.encryption_keyring is not None:
        return settings.encryption_keyring
    if settings.is_prod:
        raise ConfigError("ENCRYPTION_KEYS", "is required in prod")
    path = settings.data_dir / "dev-encryption-keys"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"dev1:{generate_key()}\n")
        logger.warning("dev_encryption_key_created", path=str(path))
    return Keyring.parse(Path(path).read_text(encoding="utf-8"))


def _email_channel(settings: Settings) -> MessageChannel:
    if settings.email_backend == "console":
        return ConsoleChannel()
    if settings.smtp_host is None or settings.email_from is None:
        raise ConfigError("SMTP_HOST", "is required when EMAIL_BACKEND is smtp")
    return SmtpChannel(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.email_from,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )


def _telegram_bot(settings: Settings) -> Bot | None:
    """The Bot API client, when a token is configured; ``TELEGRAM_API_URL`` points it at
    a self-hosted Bot API server instead of api.telegram.org."""
    if settings.telegram_bot_token is None:
        return None
    if settings.telegram_api_url is None:
        session = AiohttpSession()
    else:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.telegram_bot_token, session=session)


def _telegram_channel(
    bot: Bot, database: Database, cipher: AesGcmCipher, clock: Clock
) -> MessageChannel:
    directory = unit_of_work_factory(
        database, PostgresTelegramDirectory, cipher=cipher, clock=clock
    )

    async def mark_blocked(chat_id: int) -> None:
        async with directory() as work:
            await work.repos.mark_blocked(chat_id)
            await work.commit()
        logger.info("telegram_account_blocked")

    return TelegramChannel(bot, mark_blocked)


def _wire_telegram(settings: Settings, core: Core) -> None:
    if core.telegram_bot is None:
        return
    uow = core.unit_of_work(lambda s: PostgresTelegramDirectory(s, PostgresLeadStore(s)))
    texts = BotTexts(PostgresTemplateStore(core.database), settings.public_base_url)
    slots = BotSlots(core.booking, clock=core.clock)
    chat = BotChat(
        StartBot(uow, texts),
        Conversation(uow, texts),
        BotAppointments(uow, texts, core.booking, slots),
        BotBooking(uow, texts, core.booking, slots),
    )
    core.telegram_service = DeepLinks(uow, settings.telegram_bot_username, clock=core.clock)
    core.telegram_account_links = AccountLinks(uow, settings.public_base_url)
    core.telegram = TelegramWebhook(
        core.telegram_bot, build_dispatcher(chat), chat, settings.telegram_webhook_secret
    )


def personal_data_sections(settings: Settings) -> tuple[SectionFactory, ...]:
    """Each context's part of data-subject export and erasure, in the order they run.
    CRM binds the person's leads before Telegram looks up the accounts linked to them;
    CRM's erasure moves the leads' appointments to the account; booking runs last, so
    appointments are cancelled and de-identified after every other step has run."""

    def booking(session: Session) -> BookingPersonalData:
        return BookingPersonalData(session, booking_repos(settings, session))

    return (
        CrmPersonalData, TelegramPersonalData, InteractivesPersonalData, AnalyticsPersonalData,
        DiaryPersonalData, ModerationPersonalData, IdentityPersonalData, booking,
    )  # fmt: skip


def _identity_service(settings: Settings, core: Core) -> IdentityService:
    sections = personal_data_sections(settings)
    config = IdentityConfig(
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
    telegram = (
        TelegramLoginWidgetVerifier(settings.telegram_bot_token)
        if settings.telegram_bot_token
        else None
    )
    return IdentityService(
        core.unit_of_work(lambda session: PostgresIdentityRepos(session, sections=sections)),
        core.clock,
        KeyedHasher(core.cipher.keyring),
        config,
        telegram,
    )


def _wire_identity(core: Core) -> None:
    identity = core.identity
    core.handlers.subscribe(DataExportRequested, "identity.build_export", identity.build_export)
    core.handlers.subscribe(ErasureRequested, "identity.erase", identity.erase)
    queries = core.database.queries.identity

    async def purge_identity(now: datetime) -> None:
        async with core.database.pool.connection() as conn:
            await queries.purge_expired_login_codes(conn, before=now - AUTH_RETENTION)
            await queries.purge_expired_sessions(conn, before=now - AUTH_RETENTION)
            await queries.expire_ready_exports(conn, now=now)

    core.scheduler.register(PeriodicJob("identity.retention", timedelta(hours=1), purge_identity))


def booking_repos(settings: Settings, session: Session) -> PostgresBookingRepos:
    """Booking's repositories with the payments and CRM sides it works with."""
    payments = PostgresBookingPayments(
        session, settings.public_base_url, settings.payments_provider
    )
    return PostgresBookingRepos(session, payments, leads=PostgresLeadStore(session))


def _wire_booking(settings: Settings, core: Core) -> None:
    def repos(session: Session) -> PostgresBookingRepos:
        return booking_repos(settings, session)

    core.calendar = (
        GoogleCalendarGateway(
            settings.google_calendar_id,
            authorized_http_factory(str(settings.google_credentials_file)),
            meet_links=settings.google_meet_links,
        )
        if settings.google_calendar_id and settings.google_credentials_file
        else None
    )
    core.booking = build_booking(
        core.unit_of_work(repos),
        core.clock,
        BookingConfig(
            hold_minutes=HOLD_MINUTES,
            reminder_offsets_hours=REMINDER_OFFSETS_HOURS,
            public_base_url=settings.public_base_url,
        ),
        core.calendar,
        _payment_links(settings, core),
        RecentReads(settings.slots_cache_seconds, list),
    )
    scheduler = core.scheduler

    async def expire_holds(now: datetime) -> None:
        await core.booking.jobs.expire_holds(now)

    async def send_reminders(now: datetime) -> None:
        await core.booking.jobs.send_reminders(now)

    booking = core.booking
    messages, calendar, waitlist = booking.messages, booking.calendar, booking.waitlist
    core.handlers.subscribe(AppointmentConfirmed, "booking.email_confirmed", messages.on_confirmed)
    core.handlers.subscribe(AppointmentCanceled, "booking.email_canceled", messages.on_canceled)
    core.handlers.subscribe(
        AppointmentRescheduled, "booking.email_rescheduled", messages.on_rescheduled
    )
    core.handlers.subscribe(AppointmentConfirmed, "booking.calendar_add", calendar.calendar_add)
    core.handlers.subscribe(
        AppointmentCanceled, "booking.calendar_remove", calendar.calendar_remove
    )
    core.handlers.subscribe(
        AppointmentRescheduled, "booking.calendar_remove", calendar.calendar_remove
    )
    core.handlers.subscribe(
        AppointmentCanceled, "booking.waitlist_offer", waitlist.offer_freed_slot
    )
    core.handlers.subscribe(
        AppointmentRescheduled, "booking.waitlist_offer", waitlist.offer_freed_slot
    )

    async def expire_offers(now: datetime) -> None:
        await core.booking.waitlist.expire_offers(now)

    scheduler.register(PeriodicJob("booking.waitlist_offers", timedelta(minutes=15), expire_offers))
    for event_class in APPOINTMENT_EVENTS:
        core.handlers.register_event(event_class)
    scheduler.register(PeriodicJob("booking.expire_holds", timedelta(minutes=1), expire_holds))
    scheduler.register(PeriodicJob("booking.reminders", timedelta(minutes=5), send_reminders))


def _yookassa(settings: Settings) -> YooKassaGateway | None:
    """The one YooKassa client of the process (built once; ``Core.close_clients``)."""
    if not (settings.yookassa_shop_id and settings.yookassa_secret_key):
        return None
    client = YooKassaClient(
        settings.yookassa_api_url, settings.yookassa_shop_id, settings.yookassa_secret_key
    )
    return YooKassaGateway(
        client, f"{settings.public_base_url}/",
        vat_code=settings.yookassa_vat_code if settings.yookassa_receipts else None,
    )  # fmt: skip


def _payments_repos(session: Session) -> PostgresPaymentsRepos:
    return PostgresPaymentsRepos(session, PostgresAppointmentRepository(session))


def _payment_links(settings: Settings, core: Core) -> ProviderLinks | None:
    if settings.payments_provider != "yookassa" or core.yookassa is None:
        return None
    return ProviderLinks(core.unit_of_work(_payments_repos), core.yookassa)


def _wire_payments(settings: Settings, core: Core) -> None:
    core.payments = Payments(
        core.unit_of_work(_payments_repos),
        core.clock,
        core.yookassa,
        settings.yookassa_webhook_allowlist,
        links=_payment_links(settings, core),
    )
    core.handlers.subscribe(
        PaymentNotificationReceived, "payments.apply_notification", core.payments.process
    )
    core.handlers.subscribe(
        AppointmentCanceled, "payments.request_refunds", core.payments.request_refunds
    )

    async def reconcile(now: datetime) -> None:
        await core.payments.reconcile(now)

    core.scheduler.register(PeriodicJob("payments.reconcile", timedelta(minutes=2), reconcile))


@dataclass
class Core:
    """The shared machinery every context builds on, wired once per process."""

    settings: Settings
    database: Database
    clock: Clock
    cipher: AesGcmCipher
    handlers: EventHandlers
    relay: OutboxRelay
    sender: NotificationSender
    scheduler: Scheduler
    identity: IdentityService = field(init=False)
    content: ContentService = field(init=False)
    interactives: InteractiveService = field(init=False)
    diary: DiaryService = field(init=False)
    crm: CrmService = field(init=False)
    moderation: ModerationService = field(init=False)
    admin: AdminService = field(init=False)
    analytics: AnalyticsService = field(init=False)
    booking: Booking = field(init=False)
    calendar: GoogleCalendarGateway | None = field(init=False, default=None)
    payments: Payments = field(init=False)
    telegram_bot: Bot | None = None
    yookassa: YooKassaGateway | None = None
    telegram: TelegramWebhook | None = field(init=False, default=None)
    # The bot's deep links (also the interactives' result links).
    telegram_service: DeepLinks | None = field(init=False, default=None)
    telegram_account_links: AccountLinks | None = field(init=False, default=None)

    def calendar_health(self) -> str:
        if self.calendar is None:
            return "disabled"
        return self.calendar.problem or "ok"

    def unit_of_work(
        self, make_repos: Callable[[Session], R]
    ) -> Callable[[], PostgresUnitOfWork[R]]:
        return unit_of_work_factory(self.database, make_repos, cipher=self.cipher, clock=self.clock)

    async def close_clients(self) -> None:
        """Close the adapter clients the process opened (last, after the database): the
        YooKassa client and the bot's HTTP session (the API process sends through it too)."""
        if self.yookassa is not None:
            await self.yookassa.aclose()
        if self.telegram_bot is not None:
            await self.telegram_bot.session.close()

    async def run_worker(self, stop: asyncio.Event) -> None:
        if self.settings.database_url is None:
            raise ConfigError("DATABASE_URL", "must be resolved before the worker starts")
        wakeup = OutboxWakeup(self.settings.database_url, self.database.queries)
        await wakeup.start()
        try:
            await run_worker(self.relay, self.sender, self.scheduler, wakeup, stop)
        finally:
            await wakeup.close()
            if self.telegram_bot is not None:
                await self.telegram_bot.session.close()


def _wire_interactives(core: Core) -> None:
    core.interactives = InteractiveService(
        core.unit_of_work(lambda s: PostgresInteractiveStore(s, PostgresLeadStore(s))),
        core.clock,
        core.telegram_service,
    )
    core.diary = DiaryService(core.unit_of_work(PostgresDiaryStore), core.clock)
    core.crm = CrmService(core.unit_of_work(PostgresLeadStore))
    core.moderation = ModerationService(core.unit_of_work(PostgresModerationStore), core.clock)
    core.admin = AdminService(core.unit_of_work(PostgresAdminStore), core.clock)
    core.analytics = analytics = AnalyticsService(
        core.unit_of_work(PostgresAnalyticsStore), core.clock, core.booking.practitioner_timezone
    )
    core.handlers.subscribe(AppointmentHeld, "analytics.booking_held", analytics.on_held)
    core.handlers.subscribe(AppointmentConfirmed, "analytics.booking_paid", analytics.on_confirmed)
    core.scheduler.register(PeriodicJob("analytics.retention", timedelta(hours=6), analytics.purge))
    interactives = core.interactives

    async def abandon_stale(now: datetime) -> None:
        await interactives.abandon_stale(now)

    core.scheduler.register(
        PeriodicJob("interactives.abandon_stale", timedelta(hours=1), abandon_stale)
    )
    moderation = core.moderation

    async def seal_legacy_health_facts(_: datetime) -> None:
        """Results and author links written in plaintext before 0035 move to encrypted."""
        await interactives.seal_legacy_results()
        await moderation.seal_legacy_authors()

    core.scheduler.register(
        PeriodicJob("health_facts.seal_legacy", timedelta(hours=1), seal_legacy_health_facts)
    )


def _database(settings: Settings) -> Database:
    if settings.database_url is None:
        raise ConfigError("DATABASE_URL", "must be resolved before adapters are built")
    return Database.create(
        settings.database_url,
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        timeout=settings.database_pool_timeout,
        sql_dir=settings.sql_dir,
    )


def build_core(settings: Settings, *, clock: Clock | None = None) -> Core:
    database = _database(settings)
    clock = clock or SystemClock()
    cipher = AesGcmCipher(resolve_keyring(settings))
    handlers = EventHandlers()
    outbox = PostgresOutboxStore(database)
    scheduler = Scheduler(PostgresJobLock(database), clock)

    async def purge_outbox(now: datetime) -> None:
        await outbox.purge_processed(now - OUTBOX_RETENTION)

    scheduler.register(PeriodicJob("outbox.purge_processed", timedelta(hours=1), purge_outbox))

    async def purge_idempotency(now: datetime) -> None:
        async with database.pool.connection() as conn:
            await database.queries.events.purge_idempotency_records(
                conn, before=now - IDEMPOTENCY_RETENTION
            )

    # A replayed request is answered from its record for a day; older ones only cost space
    # (and hold an encrypted copy of the answer).
    scheduler.register(PeriodicJob("idempotency.purge", timedelta(hours=1), purge_idempotency))
    channels = {"email": _email_channel(settings)}
    telegram_bot = _telegram_bot(settings)
    if telegram_bot is not None:
        channels["telegram"] = _telegram_channel(telegram_bot, database, cipher, clock)
    core = Core(
        settings=settings,
        database=database,
        clock=clock,
        cipher=cipher,
        handlers=handlers,
        relay=OutboxRelay(outbox, handlers, clock),
        sender=NotificationSender(
            PostgresDeliveryQueue(database, cipher),
            PostgresTemplateStore(database),
            channels,
            clock,
        ),
        scheduler=scheduler,
        telegram_bot=telegram_bot,
        yookassa=_yookassa(settings),
    )
    core.identity = _identity_service(settings, core)
    _wire_identity(core)
    core.content = ContentService(
        core.unit_of_work(PostgresContentRepos),
        core.clock,
        settings.content_max_body_chars,
        settings.content_cache_seconds,
    )
    _wire_booking(settings, core)
    _wire_payments(settings, core)
    _wire_telegram(settings, core)
    _wire_interactives(core)
    logger.info(
        "adapters_configured",
        app_env=settings.app_env,
        email_backend=settings.email_backend,
        payments_provider=settings.payments_provider,
        openapi=settings.openapi_enabled,
        encryption_key_id=cipher.primary_key_id,
        worker_in_process=settings.worker_in_process,
        telegram_login=settings.telegram_bot_token is not None,
        google_calendar=core.calendar is not None,
    )
    return core


async def _with_database(settings: Settings, work: Callable[[Core], Awaitable[R]]) -> R:
    core = build_core(settings)
    await core.database.open()
    try:
        return await work(core)
    finally:
        await core.database.close()
        await core.close_clients()


async def load_demo(settings: Settings) -> None:
    """Load the idempotent demo data (dev and test only)."""
    await _with_database(settings, lambda core: load_demo_data(core.database))


async def rotate_keys(
    settings: Settings, *, batch_size: int, progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> RotationReport:  # fmt: skip
    async def work(core: Core) -> RotationReport:
        rotation = KeyRotation(core.database, core.cipher)
        if total is not None:
            counts = await rotation.count_by_key()
            total(sum(n for key, n in counts.items() if key != core.cipher.primary_key_id))
        return await rotation.run(batch_size=batch_size, progress=progress)

    return await _with_database(settings, work)


async def serve_worker(settings: Settings, stop: asyncio.Event) -> None:
    """``python -m app worker``: the relay, the sender and the scheduler until stopped."""
    await _with_database(settings, lambda core: core.run_worker(stop))


def create_app(settings: Settings, *, core: Core | None = None) -> Litestar:
    """Build the HTTP application for ``settings`` (whose database URL is resolved)."""
    core = core or build_core(settings)
    app = build_http_app(
        settings,
        database=core.database,
        expected_migrations=migration_ids(settings.migrations_dir),
        route_handlers=[
            *IDENTITY_CONTROLLERS,
            *CONTENT_CONTROLLERS,
            *INTERACTIVE_CONTROLLERS,
            *CRM_CONTROLLERS,
            *MODERATION_CONTROLLERS,
            AdminController,
            AnalyticsController,
            *BOOKING_CONTROLLERS,
            WebhooksController,
            AdminPaymentsController,
            *([SandboxPaymentsController] if settings.payments_provider == "sandbox" else []),
            *(
                [TelegramWebhookController, DeepLinksController, TelegramLinkController]
                if core.telegram is not None
                else []
            ),
        ],
        dependencies={
            "identity": Provide(lambda: core.identity, sync_to_thread=False),
            "content": Provide(lambda: core.content, sync_to_thread=False),
            "interactives": Provide(lambda: core.interactives, sync_to_thread=False),
            "diary": Provide(lambda: core.diary, sync_to_thread=False),
            "crm": Provide(lambda: core.crm, sync_to_thread=False),
            "moderation": Provide(lambda: core.moderation, sync_to_thread=False),
            "admin": Provide(lambda: core.admin, sync_to_thread=False),
            "analytics": Provide(lambda: core.analytics, sync_to_thread=False),
            "booking": Provide(lambda: core.booking, sync_to_thread=False),
            "payments": Provide(lambda: core.payments, sync_to_thread=False),
            "calendar_health": Provide(lambda: core.calendar_health, sync_to_thread=False),
            "telegram_webhook": Provide(lambda: core.telegram, sync_to_thread=False),
            "telegram_deep_links": Provide(lambda: core.telegram_service, sync_to_thread=False),
            "telegram_account_links": Provide(
                lambda: core.telegram_account_links, sync_to_thread=False
            ),
        },
        background=core.run_worker if settings.worker_in_process else None,
    )
    app.on_shutdown.append(core.close_clients)  # runs after the lifespan closed the pool
    return app


async def run_bot(settings: Settings, *, register_webhook: bool = False) -> str | None:
    """``python -m app bot`` (polling) or ``python -m app telegram set-webhook``."""

    async def work(core: Core) -> str | None:
        if core.telegram is None or core.telegram_bot is None:
            raise ConfigError("TELEGRAM_BOT_TOKEN", "is required for the bot")
        try:
            if register_webhook:
                return await core.telegram.register(settings.public_base_url)
            await core.telegram.poll()
            return None
        finally:
            await core.telegram_bot.session.close()

    return await _with_database(settings, work)


async def create_owner(settings: Settings, email: str) -> str:
    """``python -m app create-owner``: the first owner (or the owner role for an account)."""

    async def work(core: Core) -> str:
        return str((await core.identity.create_owner(email)).id)

    return await _with_database(settings, work)
