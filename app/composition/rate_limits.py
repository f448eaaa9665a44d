"""Where the API's rate limits count: this process, PostgreSQL, or Redis."""

from __future__ import annotations

import structlog
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from app.adapters.postgres.database import Database
from app.adapters.postgres.rate_limit_store import PostgresStore
from app.config import ConfigError, Settings

logger = structlog.get_logger(__name__)

# Every key this application writes to Redis starts with this.
REDIS_NAMESPACE = "emotional_balance:rate_limit"


def build_rate_limit_store(
    settings: Settings, database: Database, *, redis_namespace: str = REDIS_NAMESPACE
) -> Store:
    """The store ``RATE_LIMIT_STORE``/``REDIS_URL`` name (nothing is connected yet)."""
    backend = settings.rate_limit_backend
    if backend == "redis" and settings.redis_url is not None:
        try:
            from litestar.stores.redis import RedisStore  # noqa: PLC0415 (an optional extra)
        except ImportError:
            raise ConfigError(
                "REDIS_URL", "needs the redis package: pip install 'emotional-balance[redis]'"
            ) from None
        return RedisStore.with_client(url=settings.redis_url, namespace=redis_namespace)
    if backend == "postgres":
        return PostgresStore(database)
    if settings.is_prod and settings.rate_limits_enabled:
        logger.warning(
            "rate_limits_counted_per_process",
            hint="fine for one API replica; with several set RATE_LIMIT_STORE=postgres "
            "or REDIS_URL, or each replica counts on its own",
        )
    return MemoryStore()
