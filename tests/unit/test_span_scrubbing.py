"""What a span may carry out of the process: no client address, user agent, path or
query string, and exception texts scrubbed as log lines are."""

from __future__ import annotations

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanKind, Status, StatusCode

from app.adapters.observability.otel import scrub_span

DETAIL = "duplicate key value\nDETAIL:  Key (lower(email))=(anna@example.org) already exists."


def test_a_server_span_keeps_its_route_and_loses_who_asked_and_what_for() -> None:
    span = ReadableSpan(
        name="GET /api/v1/content",
        kind=SpanKind.SERVER,
        attributes={
            "http.method": "GET",
            "http.route": "/api/v1/content",
            "http.status_code": 200,
            "http.url": "http://site/api/v1/content?q=anna@example.org",
            "http.target": "/api/v1/content?q=anna@example.org",
            "url.query": "q=x",
            "net.peer.ip": "203.0.113.7",
            "client.address": "203.0.113.7",
            "http.user_agent": "Mozilla/5.0",
        },
    )
    assert dict(scrub_span(span).attributes or {}) == {
        "http.method": "GET", "http.route": "/api/v1/content", "http.status_code": 200,
    }  # fmt: skip


def test_an_outgoing_call_keeps_where_it_went_without_its_query() -> None:
    span = ReadableSpan(
        name="POST",
        kind=SpanKind.CLIENT,
        attributes={"http.url": "https://user:pw@api.example.org:8443/v3/payments?x=1"},
    )
    attributes = scrub_span(span).attributes or {}
    assert attributes["http.url"] == "https://api.example.org:8443/v3/payments"


def test_exception_texts_are_scrubbed() -> None:
    span = ReadableSpan(
        name="INSERT",
        kind=SpanKind.CLIENT,
        attributes={"db.statement": "INSERT INTO users (email) VALUES (%(email)s)"},
        events=[Event("exception", {"exception.type": "UniqueViolation",
                                    "exception.message": DETAIL,
                                    "exception.stacktrace": f"Traceback ...\n{DETAIL}"})],
        status=Status(StatusCode.ERROR, DETAIL),
    )  # fmt: skip
    scrubbed = scrub_span(span)
    event = scrubbed.events[0].attributes or {}
    assert "anna@example.org" not in str(event["exception.message"])
    assert "anna@example.org" not in str(event["exception.stacktrace"])
    assert event["exception.type"] == "UniqueViolation"
    assert "anna@example.org" not in (scrubbed.status.description or "")
    assert (scrubbed.attributes or {})["db.statement"] == span.attributes["db.statement"]  # type: ignore[index]
