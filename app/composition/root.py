"""The process assembled: ``build_core`` runs each context's builder in dependency order
and registers what it returns; ``create_app`` and the CLI helpers run on the result."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import structlog
from litestar import Litestar
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from app.adapters.clock import SystemClock
from app.adapters.crypto.aesgcm import AesGcmCipher
from app.adapters.http.app import build_http_app
from app.adapters.http.internal import serving
from app.adapters.observability.metrics import WorkerTelemetry
from app.adapters.observability.tracing import start_tracing
from app.adapters.postgres.database import Database
from app.adapters.postgres.demo_data import load_demo_data
from app.adapters.postgres.key_rotation import KeyRotation, RotationReport
from app.adapters.postgres.listener import OutboxWakeup
from app.adapters.postgres.memory_invalidation import MemoryInvalidationListener
from app.adapters.postgres.migrations import migration_ids
from app.adapters.postgres.session import Session
from app.adapters.postgres.unit_of_work import PostgresUnitOfWork
from app.application.admin.service import AdminService
from app.application.analytics.service import AnalyticsService
from app.application.booking.use_cases import Booking
from app.application.cabinet.diary import DiaryService
from app.application.content.service import ContentService
from app.application.crm.service import CrmService
from app.application.events import EventHandlers
from app.application.identity.service import IdentityService
from app.application.interactives.service import InteractiveService
from app.application.moderation.service import ModerationService
from app.application.notifications import MessageChannel, NotificationSender
from app.application.outbox_relay import OutboxRelay
from app.application.payments.service import Payments
from app.application.ports import Clock
from app.application.recent_reads import ProcessMemories
from app.application.scheduler import Scheduler
from app.application.telegram.links import AccountLinks, DeepLinks
from app.application.worker import run_worker
from app.composition.assistants import AssistantsContext, build_assistants
from app.composition.booking import build_booking_context
from app.composition.clients import AdapterClients, build_clients
from app.composition.content import build_content
from app.composition.engagement import build_engagement
from app.composition.identity import build_identity
from app.composition.infrastructure import (
    Infrastructure,
    build_database,
    build_infrastructure,
    build_messaging,
    email_channel,
)
from app.composition.internal import (
    api_internal_app,
    bot_internal_app,
    listener,
    worker_internal_app,
)
from app.composition.payments import build_payments, payment_links
from app.composition.rate_limits import build_rate_limit_store
from app.composition.staff_alerts import build_staff_alerts
from app.composition.staff_assistants import build_staff_assistants
from app.composition.telegram import build_telegram, telegram_channel
from app.composition.wiring import Wiring
from app.config import ConfigError, Settings

if TYPE_CHECKING:
    # The integrations' libraries are loaded by their builders, only when configured.
    from aiogram import Bot

    from app.adapters.console.router import Console
    from app.adapters.google_calendar.gateway import GoogleCalendarGateway
    from app.adapters.telegram.bot import TelegramWebhook
    from app.adapters.yookassa.gateway import YooKassaGateway

logger = structlog.get_logger(__name__)

R = TypeVar("R")


@dataclass(frozen=True)
class Core:
    """The process's services and shared machinery, complete from construction."""

    infrastructure: Infrastructure
    clients: AdapterClients
    relay: OutboxRelay
    sender: NotificationSender
    identity: IdentityService
    content: ContentService
    booking: Booking
    payments: Payments
    telegram: TelegramWebhook | None
    # The bot's deep links (also the interactives' result links).
    telegram_service: DeepLinks | None
    telegram_account_links: AccountLinks | None
    interactives: InteractiveService
    diary: DiaryService
    crm: CrmService
    moderation: ModerationService
    admin: AdminService
    analytics: AnalyticsService
    # "disabled", "ok" or the Google Calendar adapter's problem, as this process sees it.
    calendar_health: Callable[[], str]
    # The worker loop's counters and heartbeat (used where the loop runs).
    worker_telemetry: WorkerTelemetry
    # Every context's wiring in HTTP route order (subscriptions and jobs are registered).
    wiring: tuple[Wiring, ...]
    # The short memories of published content and free slots, by the names writes announce.
    memories: ProcessMemories
    # The assistants and their platform (consent, model gate, conversations, checkpointer).
    assistants: AssistantsContext

    @property
    def settings(self) -> Settings:
        return self.infrastructure.settings

    @property
    def database(self) -> Database:
        return self.infrastructure.database

    @property
    def clock(self) -> Clock:
        return self.infrastructure.clock

    @property
    def cipher(self) -> AesGcmCipher:
        return self.infrastructure.cipher

    @property
    def handlers(self) -> EventHandlers:
        return self.infrastructure.handlers

    @property
    def scheduler(self) -> Scheduler:
        return self.infrastructure.scheduler

    @property
    def telegram_bot(self) -> Bot | None:
        return self.clients.telegram_bot

    @property
    def yookassa(self) -> YooKassaGateway | None:
        return self.clients.yookassa

    @property
    def calendar(self) -> GoogleCalendarGateway | None:
        return self.clients.calendar

    @property
    def controllers(self) -> list[ControllerRouterHandler]:
        return [controller for part in self.wiring for controller in part.controllers]

    @property
    def dependencies(self) -> dict[str, Provide]:
        return {name: dep for part in self.wiring for name, dep in part.dependencies.items()}

    def unit_of_work(
        self, make_repos: Callable[[Session], R]
    ) -> Callable[[], PostgresUnitOfWork[R]]:
        return self.infrastructure.unit_of_work(make_repos)

    async def close_clients(self) -> None:
        """Close the clients other than the pool (see ``AdapterClients.close_external``)
        and the assistants' checkpointer pool, if one was opened."""
        await self.clients.close_external()
        await self.assistants.close()

    async def run_worker(self, stop: asyncio.Event) -> None:
        if self.settings.database_url is None:
            raise ConfigError("DATABASE_URL", "must be resolved before the worker starts")
        wakeup = OutboxWakeup(self.settings.database_url, self.database.queries)
        await wakeup.start()
        try:
            await run_worker(
                self.relay, self.sender, self.scheduler, wakeup, stop,
                observer=self.worker_telemetry,
            )  # fmt: skip
        finally:
            await wakeup.close()


def build_core(settings: Settings, *, clock: Clock | None = None) -> Core:
    """Build every adapter client and context for ``settings`` (nothing is opened yet)."""
    database = build_database(settings)
    infra = build_infrastructure(settings, database, clock or SystemClock())
    clients = build_clients(settings, database)
    channels: dict[str, MessageChannel] = {"email": email_channel(settings)}
    if clients.telegram_bot is not None:
        channels["telegram"] = telegram_channel(infra, clients.telegram_bot)
    telemetry = WorkerTelemetry()
    messaging = build_messaging(infra, channels, on_outcome=telemetry.event_handled)
    links = payment_links(infra, clients.yookassa)
    identity = build_identity(infra)
    content = build_content(infra)
    booking = build_booking_context(infra, clients.calendar, links)
    payments = build_payments(infra, clients.yookassa, links)
    assistants = build_assistants(infra, booking=booking.booking)
    telegram = build_telegram(
        infra, clients.telegram_bot, booking.booking, concierge=assistants.concierge
    )
    engagement = build_engagement(infra, telegram.deep_links, booking.booking.practitioner_timezone)
    alerts = build_staff_alerts(
        infra, booking.booking.practitioner_timezone, booking.calendar_health
    )
    staff_assistants = build_staff_assistants(
        infra, content.content, booking.booking.practitioner_timezone,
        model=assistants.model, gate=assistants.gate,
    )  # fmt: skip
    # Registration order is the order handlers of one event run and jobs are listed in.
    for wiring in (
        messaging.wiring, identity.wiring, content.wiring, booking.wiring, payments.wiring,
        telegram.wiring, engagement.wiring, alerts.wiring, assistants.wiring,
    ):  # fmt: skip
        wiring.register(infra.handlers, infra.scheduler)
    http_order = (
        identity.wiring, content.wiring, engagement.wiring, booking.wiring, payments.wiring,
        telegram.wiring, alerts.wiring, assistants.wiring, staff_assistants.wiring,
    )  # fmt: skip
    logger.info(
        "adapters_configured",
        app_env=settings.app_env,
        email_backend=settings.email_backend,
        payments_provider=settings.payments_provider,
        openapi=settings.openapi_enabled,
        encryption_key_id=infra.cipher.primary_key_id,
        worker_in_process=settings.worker_in_process,
        telegram_login=settings.telegram_bot_token is not None,
        google_calendar=clients.calendar is not None,
    )
    return Core(
        infrastructure=infra,
        clients=clients,
        relay=messaging.relay,
        sender=messaging.sender,
        identity=identity.identity,
        content=content.content,
        booking=booking.booking,
        payments=payments.payments,
        telegram=telegram.webhook,
        telegram_service=telegram.deep_links,
        telegram_account_links=telegram.account_links,
        interactives=engagement.interactives,
        diary=engagement.diary,
        crm=engagement.crm,
        moderation=engagement.moderation,
        admin=engagement.admin,
        analytics=engagement.analytics,
        calendar_health=booking.calendar_health,
        worker_telemetry=telemetry,
        wiring=http_order,
        memories=ProcessMemories(
            content.content.published,
            content.content.pages,
            booking.slot_lists,
            booking.refused_starts,
        ),
        assistants=assistants,
    )


def create_app(settings: Settings, *, core: Core | None = None) -> Litestar:
    """Build the HTTP application for ``settings`` (whose database URL is resolved).

    The app's lifespan opens and closes the pool it is given; the other clients are
    closed at shutdown, after the pool. With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set the
    app is traced, and its spans are flushed at shutdown."""
    tracing = start_tracing(settings, "api")
    core = core or build_core(settings)
    internal_app = api_internal_app(
        settings, core.database, migration_ids(settings.migrations_dir), core.calendar_health,
        core.scheduler, core.worker_telemetry,
    )  # fmt: skip
    internal = listener(settings, internal_app, settings.api_internal_port, "API_INTERNAL_PORT")
    if settings.database_url is None:
        raise ConfigError("DATABASE_URL", "must be resolved before the app is built")
    # Other processes' writes reach this one's memories through the database (one more
    # connection, only when some memory is on).
    memory_listener = MemoryInvalidationListener(
        settings.database_url, core.database.queries, core.memories,
        origin=core.infrastructure.memory_invalidation.origin,
    )  # fmt: skip
    app = build_http_app(
        settings,
        database=core.database,
        route_handlers=core.controllers,
        dependencies=core.dependencies,
        background=core.run_worker if settings.worker_in_process else None,
        tracing=tracing,
        internal=internal,
        rate_limit_store=(
            build_rate_limit_store(settings, core.database)
            if settings.rate_limits_enabled
            else None
        ),
        companions=(memory_listener,) if core.memories.any_enabled else (),
        console=_console(settings, core.clock) if settings.console_enabled else None,
    )
    # The probes and metrics, also for tests (which leave API_INTERNAL_PORT at 0), and
    # the listener, which ``serve`` binds before its main server starts.
    app.state.internal_app = internal_app
    app.state.internal_listener = internal
    app.on_shutdown.append(core.close_clients)  # runs after the lifespan closed the pool
    if tracing is not None:
        stop_tracing = tracing.shutdown

        async def flush_spans() -> None:
            await asyncio.to_thread(stop_tracing)

        app.on_shutdown.append(flush_spans)
    return app


def _console(settings: Settings, clock: Clock) -> Console:
    """The console, imported only when it is on (it loads Jinja and markdown-it)."""
    from app.composition.console import console  # noqa: PLC0415

    return console(settings, clock)


async def _traced(service: str, settings: Settings, work: Callable[[], Awaitable[R]]) -> R:
    """Run ``work`` traced as ``service`` when tracing is on; flush its spans after."""
    tracing = start_tracing(settings, service)
    try:
        return await work()
    finally:
        if tracing is not None:
            await asyncio.to_thread(tracing.shutdown)


async def _with_clients(settings: Settings, work: Callable[[Core], Awaitable[R]]) -> R:
    """Run ``work`` on a core whose clients are open, and close them all afterwards."""
    core = build_core(settings)
    await core.clients.open()
    try:
        return await work(core)
    finally:
        await core.clients.close()
        await core.assistants.close()


# The demo practice's owner (dev and test only): signs in to /console with a code that
# dev prints to the terminal.
DEMO_OWNER_EMAIL = "demo-owner@example.org"


async def load_demo(settings: Settings) -> None:
    """Load the idempotent demo data and the demo owner (dev and test only)."""

    async def work(core: Core) -> None:
        await load_demo_data(core.database)
        await core.identity.create_owner(DEMO_OWNER_EMAIL)

    await _with_clients(settings, work)


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

    return await _with_clients(settings, work)


async def serve_worker(settings: Settings, stop: asyncio.Event) -> None:
    """``python -m app worker``: the relay, the sender and the scheduler until stopped,
    with the probes and metrics on WORKER_INTERNAL_PORT."""

    async def work(core: Core) -> None:
        app = worker_internal_app(
            core.database, core.calendar_health, core.scheduler, core.worker_telemetry
        )
        port = settings.worker_internal_port
        async with serving(listener(settings, app, port, "WORKER_INTERNAL_PORT")):
            await core.run_worker(stop)

    await _traced("worker", settings, lambda: _with_clients(settings, work))


async def run_bot(settings: Settings, *, register_webhook: bool = False) -> str | None:
    """``python -m app bot`` (polling) or ``python -m app telegram set-webhook``."""

    async def work(core: Core) -> str | None:
        if core.telegram is None:
            raise ConfigError("TELEGRAM_BOT_TOKEN", "is required for the bot")
        if register_webhook:
            return await core.telegram.register(settings.public_base_url)
        polling = asyncio.ensure_future(core.telegram.poll())
        app = bot_internal_app(core.database, lambda: not polling.done())
        port = settings.bot_internal_port
        try:
            async with serving(listener(settings, app, port, "BOT_INTERNAL_PORT")):
                await polling
        finally:
            polling.cancel()
        return None

    if register_webhook:
        return await _with_clients(settings, work)
    return await _traced("bot", settings, lambda: _with_clients(settings, work))


async def create_owner(settings: Settings, email: str) -> str:
    """``python -m app create-owner``: the first owner (or the owner role for an account)."""

    async def work(core: Core) -> str:
        return str((await core.identity.create_owner(email)).id)

    return await _with_clients(settings, work)
