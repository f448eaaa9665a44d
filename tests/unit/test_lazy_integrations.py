"""Integrations that are switched off are not imported: the API (built by ``app.asgi``)
and the worker's core, with no bot token, no Google Calendar, YooKassa in sandbox, no
model, no OpenTelemetry endpoint, no Redis and the console off, leave the integrations'
libraries unloaded (aiogram alone is ~130 MB of a process; docs/performance.md,
"Memory")."""

from __future__ import annotations

import os
import subprocess
import sys

from app.config import PROJECT_ROOT

PROBE = """
import sys
import app.__main__
import app.asgi  # builds the API as `granian app.asgi:app` would
from app.bootstrap import build_core
from app.composition.internal import worker_internal_app
from app.config import load_settings

core = build_core(load_settings())  # as `python -m app worker` builds it
worker_internal_app(core.database, core.calendar_health, core.scheduler, core.worker_telemetry)
HEAVY = (
    "aiogram", "aiohttp", "pydantic", "pydantic_settings", "yoyo", "sqlparse", "googleapiclient", "google.oauth2",
    "google_auth_httplib2", "httplib2", "httpx", "jinja2", "markdown_it", "icalendar",
    "langchain_core", "langchain_openai", "langgraph", "openai", "redis",
    "opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.instrumentation.psycopg",
    "opentelemetry.instrumentation.httpx", "app.adapters.telegram.bot",
    "app.adapters.console.router", "app.adapters.yookassa.client",
    "app.adapters.google_calendar.gateway", "app.adapters.observability.otel",
)
loaded = sorted({h for h in HEAVY for m in sys.modules if m == h or m.startswith(h + ".")})
print("LOADED:" + ",".join(loaded))
"""

SWITCHED_OFF = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "GOOGLE_CALENDAR_ID", "GOOGLE_CREDENTIALS_FILE",
    "YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY", "OTEL_EXPORTER_OTLP_ENDPOINT", "REDIS_URL",
    "LLM_PROVIDER", "LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL",
)  # fmt: skip


def test_switched_off_integrations_are_not_imported() -> None:
    env = {k: v for k, v in os.environ.items() if k not in SWITCHED_OFF}
    env.update(
        APP_ENV="test", DATABASE_URL="postgresql://nobody@127.0.0.1:9/none",
        ENCRYPTION_KEYS="k1:" + "A" * 43, PAYMENTS_PROVIDER="sandbox",
        CONSOLE_ENABLED="false", LOG_LEVEL="WARNING",
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOADED:"))
    assert line == "LOADED:", line
