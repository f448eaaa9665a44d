"""Optional OpenTelemetry tracing: on when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Without the setting none of the SDK, exporter or instrumentation is imported (Litestar
imports its own plugin module whenever the API package is installed). With it, the
``otel`` extra must be installed (``pip install 'emotional-balance[otel]'``); if it is
not, start-up stops with a ConfigError naming the variable rather than running
untraced unnoticed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.config import ConfigError, Settings

if TYPE_CHECKING:
    from app.adapters.observability.otel import Tracing

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"


def start_tracing(settings: Settings, service: str) -> Tracing | None:
    """Trace this process (HTTP requests, database queries, outgoing HTTP calls) to the
    collector, as ``emotional-balance-<service>``; ``None`` when tracing is off."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if endpoint is None:
        return None
    try:
        from app.adapters.observability.otel import Tracing  # noqa: PLC0415 (optional extra)
    except ImportError as exc:
        raise ConfigError(
            ENDPOINT_VARIABLE,
            f"is set but OpenTelemetry is not installed ({exc.name or exc} is missing); "
            "install the otel extra (pip install 'emotional-balance[otel]') or unset it",
        ) from None
    return Tracing.start(endpoint, service)
