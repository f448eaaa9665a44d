"""The shared machinery every context builds on: settings resolution, the database, the
clock, the cipher, the event handlers, the scheduler, the outbox relay and the sender."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import structlog

from app.adapters.crypto.aesgcm import AesGcmCipher, Keyring, generate_key
from app.adapters.email.console import ConsoleChannel
from app.adapters.email.smtp import SmtpChannel
from app.adapters.postgres.database import Database
from app.adapters.postgres.embedded import start_embedded_postgres
from app.adapters.postgres.jobs import PostgresJobLock
from app.adapters.postgres.memory_invalidation import PostgresMemoryInvalidation
from app.adapters.postgres.notifications import PostgresDeliveryQueue, PostgresTemplateStore
from app.adapters.postgres.outbox import PostgresIdempotencyRecords, PostgresOutboxStore
from app.adapters.postgres.session import Session
from app.adapters.postgres.unit_of_work import PostgresUnitOfWork, unit_of_work_factory
from app.application.delivery_retention import purge_finished_deliveries
from app.application.events import EventHandlers
from app.application.notifications import MessageChannel, NotificationSender
from app.application.outbox_relay import OutboxRelay
from app.application.ports import Clock
from app.application.scheduler import PeriodicJob, Scheduler
from app.composition.wiring import Wiring
from app.config import ConfigError, Settings

logger = structlog.get_logger(__name__)

R = TypeVar("R")

OUTBOX_RETENTION = timedelta(days=7)
IDEMPOTENCY_RETENTION = timedelta(days=1)


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


def build_database(settings: Settings) -> Database:
    """The connection pool (not yet open: ``AdapterClients.open`` or the HTTP lifespan)."""
    if settings.database_url is None:
        raise ConfigError("DATABASE_URL", "must be resolved before adapters are built")
    return Database.create(
        settings.database_url,
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        timeout=settings.database_pool_timeout,
        sql_dir=settings.sql_dir,
    )


@dataclass(frozen=True, slots=True)
class Infrastructure:
    """What every context builder is given."""

    settings: Settings
    database: Database
    clock: Clock
    cipher: AesGcmCipher
    handlers: EventHandlers
    scheduler: Scheduler
    # Tells the other processes when a write changed what a process memory holds.
    memory_invalidation: PostgresMemoryInvalidation

    def unit_of_work(
        self, make_repos: Callable[[Session], R], *, autocommit: bool = False
    ) -> Callable[[], PostgresUnitOfWork[R]]:
        """A factory of units of work; ``autocommit``: reading ones, for one-statement
        reads (no BEGIN/COMMIT round trips)."""
        return unit_of_work_factory(
            self.database, make_repos, cipher=self.cipher, clock=self.clock,
            autocommit=autocommit,
        )  # fmt: skip


def build_infrastructure(settings: Settings, database: Database, clock: Clock) -> Infrastructure:
    return Infrastructure(
        settings=settings,
        database=database,
        clock=clock,
        cipher=AesGcmCipher(resolve_keyring(settings)),
        handlers=EventHandlers(),
        scheduler=Scheduler(PostgresJobLock(database), clock),
        memory_invalidation=PostgresMemoryInvalidation(database),
    )


@dataclass(frozen=True, slots=True)
class Messaging:
    """The outbox relay and the notification sender the worker runs, with their jobs."""

    relay: OutboxRelay
    sender: NotificationSender
    wiring: Wiring


def email_channel(settings: Settings) -> MessageChannel:
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


def build_messaging(
    infra: Infrastructure,
    channels: Mapping[str, MessageChannel],
    *,
    on_outcome: Callable[[str], None] | None = None,
) -> Messaging:
    """The relay over the outbox and the sender over ``channels`` (by channel name);
    ``on_outcome`` hears how each outbox event ended (the worker's counters)."""
    database = infra.database
    outbox = PostgresOutboxStore(database)
    idempotency = PostgresIdempotencyRecords(database)

    async def purge_outbox(now: datetime) -> None:
        await outbox.purge_processed(now - OUTBOX_RETENTION)

    # A replayed request is answered from its record for a day; older ones only cost space
    # (and hold an encrypted copy of the answer).
    async def purge_idempotency(now: datetime) -> None:
        await idempotency.purge(now - IDEMPOTENCY_RETENTION)

    deliveries = PostgresDeliveryQueue(database, infra.cipher)

    async def purge_deliveries(now: datetime) -> None:
        await purge_finished_deliveries(deliveries, now)

    return Messaging(
        relay=OutboxRelay(outbox, infra.handlers, infra.clock, on_outcome=on_outcome),
        sender=NotificationSender(
            deliveries,
            PostgresTemplateStore(database),
            dict(channels),
            infra.clock,
        ),
        wiring=Wiring(
            jobs=(
                PeriodicJob("outbox.purge_processed", timedelta(hours=1), purge_outbox),
                PeriodicJob("idempotency.purge", timedelta(hours=1), purge_idempotency),
                PeriodicJob("notifications.retention", timedelta(hours=6), purge_deliveries),
            )
        ),
    )
