"""OpenTelemetry for one process: a tracer provider exporting over OTLP/HTTP, psycopg
and httpx instrumented, and Litestar's own OpenTelemetry plugin for the API.

Imported only when tracing is on (see ``tracing.py``). Spans leave the process through
a scrubbing step: no client address, user agent, query string or request path (the
route template names the request instead; paths may carry tokens), and exception texts
scrubbed like log lines. Database spans carry the parametrised SQL, never its values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from litestar.enums import ScopeType
from litestar.middleware.base import DefineMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.types import ASGIApp, Receive, Scope, Send
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status

from app.adapters.observability.logging import scrub_text
from app.application.request_id import current_request_id

# Attributes that would identify the person at the other end or carry what they typed.
_DROPPED = frozenset(
    {
        "client.address", "client.port", "http.client_ip", "net.peer.ip", "net.peer.port",
        "net.sock.peer.addr", "net.sock.peer.port", "network.peer.address",
        "network.peer.port", "http.user_agent", "user_agent.original", "http.target",
        "url.path", "url.query",
    }
)  # fmt: skip
_URLS = frozenset({"http.url", "url.full"})
REQUEST_ID_ATTRIBUTE = "app.request_id"


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _scrubbed_attributes(attributes: Mapping[str, Any], kind: SpanKind) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in _DROPPED:
            continue
        if key in _URLS:
            # A server span is named by its route; an outgoing call keeps where it went.
            if kind == SpanKind.SERVER or not isinstance(value, str):
                continue
            kept[key] = _without_query(value)
        else:
            kept[key] = scrub_text(value) if key.startswith("exception.") else value
    return kept


def scrub_span(span: ReadableSpan) -> ReadableSpan:
    """The span as it may leave the process."""
    status = span.status
    if status.description:
        status = Status(status.status_code, scrub_text(status.description))
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_scrubbed_attributes(span.attributes or {}, span.kind),
        events=[
            Event(
                event.name,
                _scrubbed_attributes(event.attributes or {}, SpanKind.INTERNAL),
                event.timestamp,
            )
            for event in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class ScrubbingExporter(SpanExporter):
    """Hands spans to ``inner`` after ``scrub_span``."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([scrub_span(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._inner.force_flush(timeout_millis)


def _span_details(scope: Scope) -> tuple[str, dict[str, Any]]:
    # Before routing only the method is safe to name the span by: the path may carry a
    # token. ``RouteSpanName`` names it by the route template once routing is done.
    return str(scope.get("method") or scope["type"]), {}


def _tag_request(span: trace.Span, _: Any) -> None:
    request_id = current_request_id()
    if request_id is not None:
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)


class RouteSpanName:
    """Route middleware: names the request's span ``METHOD /path/{template}``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        template = scope.get("path_template")
        if scope["type"] == ScopeType.HTTP and isinstance(template, str):
            span = trace.get_current_span()
            span.update_name(f"{scope.get('method')} {template}")
            span.set_attribute("http.route", template)
        await self.app(scope, receive, send)


class Tracing:
    """This process's tracer provider and instrumentation; ``shutdown`` flushes what is
    buffered and removes the instrumentation."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider

    @classmethod
    def start(cls, endpoint: str, service: str, *, exporter: SpanExporter | None = None) -> Tracing:
        """Export to ``endpoint`` (the collector's base URL; spans go to ``/v1/traces``)
        or to ``exporter``, as the service ``emotional-balance-<service>``."""
        provider = TracerProvider(
            resource=Resource.create({SERVICE_NAME: f"emotional-balance-{service}"})
        )
        sink = exporter or OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(ScrubbingExporter(sink)))
        PsycopgInstrumentor().instrument(tracer_provider=provider)
        HTTPXClientInstrumentor().instrument(tracer_provider=provider)
        return cls(provider)

    def litestar_plugin(self) -> OpenTelemetryPlugin:
        return OpenTelemetryPlugin(
            OpenTelemetryConfig(
                tracer_provider=self.provider,
                scope_span_details_extractor=_span_details,
                server_request_hook_handler=_tag_request,
                exclude_spans=["receive", "send"],
                # Probes and scrapes every few seconds would drown the requests.
                exclude=["^/health/", "^/metrics$"],
            )
        )

    def route_span_names(self) -> DefineMiddleware:
        return DefineMiddleware(RouteSpanName)

    def force_flush(self) -> bool:
        return self.provider.force_flush()

    def shutdown(self) -> None:
        PsycopgInstrumentor().uninstrument()
        HTTPXClientInstrumentor().uninstrument()
        self.provider.shutdown()
