"""OpenTelemetry tracing: off without OTEL_EXPORTER_OTLP_ENDPOINT (nothing imported), a
clear configuration error when it is set without the packages, and, when on, real
requests to the app reach an OTLP/HTTP collector as spans for the request and its
database queries, with no personal data in them. The collector is a stand-in HTTP
server on 127.0.0.1 that decodes what it receives with opentelemetry-proto."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from app.adapters.observability.tracing import start_tracing
from app.application.worker import run_round
from app.bootstrap import build_core, create_app
from app.config import PROJECT_ROOT, ConfigError
from tests.conftest import make_settings

EMAIL = "anna.trace@example.org"
PHONE = "+79161234567"
PERSONAL = {"consent_type": "personal_data", "granted": True, "document_version": "2026-01"}
REQUEST_ID = "req-traced-0001"


class Collector(ThreadingHTTPServer):
    """Receives OTLP/HTTP trace exports and keeps each request body as sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receiver)
        self.bodies: list[bytes] = []
        self.paths: list[str] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def spans(self) -> list[tuple[dict[str, Any], Span]]:
        """(resource attributes, span) for every span received."""
        found = []
        for body in self.bodies:
            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                resource = _attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    found.extend((resource, span) for span in scope_spans.spans)
        return found


class _Receiver(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.paths.append(self.path)
        self.server.bodies.append(body)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: Any) -> None:
        pass


def _attributes(values: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in values:
        assert isinstance(item, KeyValue)
        kind = item.value.WhichOneof("value")
        found[item.key] = getattr(item.value, kind) if kind else None
    return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_requests_reach_the_collector_as_spans_without_personal_data(
    database_url: str, collector: Collector
) -> None:
    settings = make_settings(database_url, OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint)
    form = {"name": "Анна", "email": EMAIL, "phone": PHONE, "topic": "anxiety",
            "consents": [PERSONAL], "message": "Хочу записаться"}  # fmt: skip
    async with AsyncTestClient(app=create_app(settings)) as client:
        sent = await client.post("/api/v1/leads", json=form, headers={"X-Request-ID": REQUEST_ID})
        assert sent.status_code == 202, sent.text
        searched = await client.get("/api/v1/content", params={"q": EMAIL})
        assert searched.status_code == 200, searched.text
        assert (await client.get("/health/live")).status_code == 200
        missing = await client.get(f"/api/v1/content/article/{EMAIL}")
        assert missing.status_code == 404, missing.text
    # Leaving the client shut the app down, which flushed the batch of spans.

    assert collector.paths
    assert set(collector.paths) == {"/v1/traces"}
    spans = collector.spans()
    assert {resource["service.name"] for resource, _ in spans} == {"emotional-balance-api"}
    by_name = {span.name: span for _, span in spans}
    lead = by_name.get("POST /api/v1/leads")
    assert lead is not None, sorted(by_name)
    assert lead.kind == Span.SPAN_KIND_SERVER
    lead_attributes = _attributes(lead.attributes)
    assert lead_attributes["http.route"] == "/api/v1/leads"
    assert lead_attributes["app.request_id"] == REQUEST_ID
    assert "GET /api/v1/content" in by_name
    assert "GET /api/v1/content/{type_name}/{slug}" in by_name  # the template, not the path
    assert not any("health" in name for name in by_name)  # probes are not traced

    queries = [
        span
        for _, span in spans
        if span.trace_id == lead.trace_id and _attributes(span.attributes).get("db.system")
    ]
    assert queries, "no database span under the request"
    statements = [_attributes(span.attributes).get("db.statement", "") for span in queries]
    inserts = [s for s in statements if "INSERT INTO leads" in s]
    assert inserts, statements
    assert all("%(" in s for s in inserts)  # the parametrised SQL, its values bound apart

    # Nothing of what the person typed, nor where they came from, left the process.
    for body in collector.bodies:
        for value in (EMAIL, PHONE, "anna.trace", "Анна", "testclient"):
            assert value.encode() not in body, value
    # No query string in any attribute (span ids are random bytes: a raw b"q=" search
    # of the body would now and then match one).
    for _, span in spans:
        for attribute in span.attributes:
            assert "q=" not in attribute.value.string_value, attribute.key


def test_without_the_endpoint_nothing_of_opentelemetry_is_loaded(database_url: str) -> None:
    # Litestar itself imports its OpenTelemetry plugin module (and with it the API and the
    # ASGI instrumentation) when they are installed; the SDK, the exporter and the
    # database and HTTP client instrumentation are ours to load, and stay unloaded.
    program = (
        "import sys\n"
        "from app.bootstrap import create_app\n"
        "from tests.conftest import make_settings\n"
        f"create_app(make_settings({database_url!r}))\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk',"
        " 'opentelemetry.exporter', 'opentelemetry.instrumentation.psycopg',"
        " 'opentelemetry.instrumentation.httpx', 'app.adapters.observability.otel')))\n"
        "print(loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OTEL_EXPORTER_OTLP_ENDPOINT"}
    ran = subprocess.run(
        [sys.executable, "-c", program], env=env, cwd=PROJECT_ROOT, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.strip().splitlines()[-1].replace("'", '"')) == []


def test_the_endpoint_without_the_packages_is_a_configuration_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "app.adapters.observability.otel", None)
    settings = make_settings(database_url, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318")
    with pytest.raises(ConfigError) as raised:
        start_tracing(settings, "api")
    assert raised.value.variable == "OTEL_EXPORTER_OTLP_ENDPOINT"
    assert "otel extra" in str(raised.value)


def test_a_bad_endpoint_is_a_configuration_error(database_url: str) -> None:
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        make_settings(database_url, OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318")


async def test_the_worker_traces_as_its_own_service(
    database_url: str, collector: Collector
) -> None:
    settings = make_settings(database_url, OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint)
    tracing = start_tracing(settings, "worker")
    assert tracing is not None
    try:
        core = build_core(settings)  # its pool connects after the instrumentation
        await core.database.open()
        try:
            await run_round(core.relay, core.sender, core.scheduler)
        finally:
            await core.database.close()
        assert tracing.force_flush()
    finally:
        tracing.shutdown()
    spans = collector.spans()
    assert spans
    assert {resource["service.name"] for resource, _ in spans} == {"emotional-balance-worker"}
    assert any(
        "outbox_events" in _attributes(s.attributes).get("db.statement", "") for _, s in spans
    )
