"""The ASGI application for servers other than ``python -m app serve`` (Granian, or
uvicorn run by hand): ``granian --interface asgi app.asgi:app``.

``DATABASE_URL`` must be set: an external server never starts the embedded PostgreSQL.
"""

from __future__ import annotations

from app.adapters.observability.logging import configure_logging
from app.bootstrap import create_app
from app.config import ConfigError, load_settings

_settings = load_settings()
if _settings.database_url is None:
    raise ConfigError("DATABASE_URL", "is required when the app is served by an ASGI server")
configure_logging(_settings.log_level, _settings.log_format, service="api")
app = create_app(_settings)
