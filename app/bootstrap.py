"""The composition root: the only module that knows every concrete adapter.

Nothing here runs at import time; the CLI calls these functions after reading the
settings.
"""

from __future__ import annotations

import structlog
from litestar import Litestar

from app.adapters.http.app import build_http_app
from app.adapters.postgres.database import Database
from app.adapters.postgres.demo_data import load_demo_data
from app.adapters.postgres.embedded import start_embedded_postgres
from app.adapters.postgres.migrations import migration_ids
from app.config import ConfigError, Settings

logger = structlog.get_logger(__name__)


def resolve_database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set; otherwise (dev/test only) the embedded server's URL."""
    if settings.database_url is not None:
        return settings.database_url
    if settings.is_prod:
        raise ConfigError("DATABASE_URL", "is required in prod")
    return start_embedded_postgres(settings.embedded_database_dir).url


def _database(settings: Settings) -> Database:
    if settings.database_url is None:
        raise ConfigError("DATABASE_URL", "must be resolved before adapters are built")
    return Database.create(
        settings.database_url,
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        sql_dir=settings.sql_dir,
    )


async def load_demo(settings: Settings) -> None:
    """Load the idempotent demo data (dev and test only)."""
    database = _database(settings)
    await database.open()
    try:
        await load_demo_data(database)
    finally:
        await database.close()


def create_app(settings: Settings) -> Litestar:
    """Build the HTTP application for ``settings`` (whose database URL is resolved)."""
    database = _database(settings)
    logger.info(
        "adapters_configured",
        app_env=settings.app_env,
        email=settings.email_backend,
        payments=settings.payments_provider,
        openapi=settings.openapi_enabled,
    )
    return build_http_app(
        settings,
        database=database,
        expected_migrations=migration_ids(settings.migrations_dir),
    )
