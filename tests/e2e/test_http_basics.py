"""What any caller sees: health probes, request ids, problem details for every error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import get_args

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient

from app.adapters.http.app import STAFF_ONLY, build_http_app
from app.adapters.http.strict_input import strict_input
from app.adapters.http.webhooks import YooKassaEvent
from app.adapters.observability.logging import configure_logging
from app.adapters.postgres.database import Database
from app.adapters.postgres.migrations import migration_ids
from app.application.payments.notifications import KNOWN_EVENTS
from app.bootstrap import create_app
from app.config import PROJECT_ROOT
from tests.conftest import internal_client, make_settings

PROBLEM = "application/problem+json"


async def test_live(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_database_is_migrated(internal: AsyncTestClient[Litestar]) -> None:
    response = await internal.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready", "database": "ok", "migrations": "current",
        "outbox_lag_seconds": 0.0, "payments": "sandbox", "email": "console",
    }  # fmt: skip


async def test_not_ready_while_migrations_are_pending(empty_database_url: str) -> None:
    app = create_app(make_settings(empty_database_url))
    async with AsyncTestClient(app=app) as main, internal_client(app, main) as internal:
        response = await internal.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["database"] == "ok"
    assert body["migrations"] == f"{len(migration_ids(PROJECT_ROOT / 'migrations'))} pending"
    assert "pending" in body["reason"]


async def test_not_ready_when_database_is_unreachable() -> None:
    app = create_app(make_settings("postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=1"))
    async with AsyncTestClient(app=app) as main, internal_client(app, main) as internal:
        response = await internal.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_unknown_route_is_a_404_problem_with_request_id(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert body["type"] == "urn:emotional-balance:problem:not_found"
    assert body["title"] == "Not Found"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_wrong_method_is_a_405_problem_with_allow(client: AsyncTestClient[Litestar]) -> None:
    response = await client.delete("/health/live")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


async def test_caller_request_id_is_kept_when_plain(client: AsyncTestClient[Litestar]) -> None:
    kept = await client.get("/health/live", headers={"X-Request-ID": "abc-12345678"})
    assert kept.headers["x-request-id"] == "abc-12345678"
    replaced = await client.get("/health/live", headers={"X-Request-ID": "<script>x</script>"})
    assert replaced.headers["x-request-id"] != "<script>x</script>"
    assert len(replaced.headers["x-request-id"]) == 32


async def test_crash_is_a_500_problem_without_trace_and_is_logged(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        secret = "client@example.org"
        raise RuntimeError(f"exploded near {secret}")

    configure_logging("INFO", "json")
    settings = make_settings(database_url)
    app = build_http_app(
        settings,
        database=Database.create(database_url, min_size=1, max_size=2, sql_dir=settings.sql_dir),
        route_handlers=[boom],
    )
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "internal_error"
    assert "Traceback" not in response.text
    assert "exploded" not in response.text
    request_id = response.headers["x-request-id"]
    assert body["request_id"] == request_id

    logs = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    crash = next(line for line in logs if line["event"] == "unhandled_error")
    assert crash["request_id"] == request_id
    assert crash["error_type"] == "RuntimeError"
    assert "RuntimeError" in crash["exception"]
    assert "client@example.org" not in json.dumps(logs)
    access = next(line for line in logs if line["event"] == "request_finished")
    assert access["status"] == 500
    assert access["request_id"] == request_id


async def test_openapi_document_is_served(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Emotional Balance API"
    assert "/health/live" in document["paths"]
    # Readiness and metrics are on the internal listener, not the public API.
    assert "/health/ready" not in document["paths"]
    assert "/metrics" not in document["paths"]


async def test_every_operation_documents_its_problem_answers(
    client: AsyncTestClient[Litestar],
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["components"]["schemas"]["Problem"]["required"] == [
        "type", "title", "status", "code"]  # fmt: skip
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 100
    for path, method, operation in operations:
        for status in ("401", "404", "422", "429", "500", "503"):
            content = operation["responses"][status]["content"]
            assert "application/problem+json" in content, (path, method, status)


async def test_openapi_can_be_switched_off(database_url: str) -> None:
    app = create_app(make_settings(database_url, OPENAPI_ENABLED="false"))
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/schema/openapi.json")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


class Greeting(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    times: int
    at: datetime | None = None


@post("/echo", sync_to_thread=False)
def echo(data: JSONBody[Greeting]) -> Greeting:
    return data


@pytest.fixture
async def echo_client(database_url: str) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = make_settings(database_url)
    app = build_http_app(
        settings,
        database=Database.create(database_url, min_size=1, max_size=2, sql_dir=settings.sql_dir),
        route_handlers=[echo],
    )
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_invalid_body_is_a_422_problem_with_field_paths(
    echo_client: AsyncTestClient[Litestar],
) -> None:
    response = await echo_client.post("/echo", json={"name": "Анна", "times": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == [
        {"field": "times", "message": "Expected `int`, got `str`", "source": "body"}
    ]
    assert "Анна" not in response.text


async def test_unknown_field_is_rejected(echo_client: AsyncTestClient[Litestar]) -> None:
    response = await echo_client.post("/echo", json={"name": "a", "times": 1, "is_admin": True})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert [error["field"] for error in response.json()["errors"]] == ["is_admin"]


async def test_malformed_json_is_a_400_problem(echo_client: AsyncTestClient[Litestar]) -> None:
    response = await echo_client.post(
        "/echo", content=b'{"name": "a",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "malformed_request"


async def test_too_large_body_is_a_413_problem(echo_client: AsyncTestClient[Litestar]) -> None:
    huge = b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'", "times": 1}'
    response = await echo_client.post(
        "/echo", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_valid_body_round_trips(echo_client: AsyncTestClient[Litestar]) -> None:
    response = await echo_client.post("/echo", json={"name": "a", "times": 2})
    assert response.status_code == 201
    assert response.json() == {"name": "a", "times": 2, "at": None}


async def test_options_lists_every_method_of_a_path(client: AsyncTestClient[Litestar]) -> None:
    for path, methods in (
        ("/api/v1/admin/services", "GET, OPTIONS, POST"),
        ("/api/v1/me/diary", "GET, OPTIONS, POST"),
        ("/api/v1/admin/content/6f1c0c55-2f0e-4c1b-9a57-2b9d7f0a1e11", "DELETE, GET, OPTIONS, PATCH"),
    ):  # fmt: skip
        answer = await client.options(path)
        assert answer.status_code == 204, path
        assert answer.headers["allow"] == methods, path


@pytest.mark.parametrize(
    "body",
    [
        {"name": "a", "times": "2"},
        {"name": "a", "times": 1, "at": 0},
        {"name": "a", "times": 1.0},
        {"name": 5, "times": 1},
    ],
    ids=["digits-for-int", "number-for-date-time", "float-for-int", "number-for-string"],
)
async def test_a_body_is_decoded_strictly_as_documented(
    echo_client: AsyncTestClient[Litestar], body: dict[str, object]
) -> None:
    # Query strings are converted leniently ("5" → 5); a JSON body must match its
    # schema as written, so a number is never taken for a date-time.
    response = await echo_client.post("/echo", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"][0]["source"] == "body"


async def test_a_closed_struct_is_documented_without_additional_properties(
    echo_client: AsyncTestClient[Litestar],
) -> None:
    document = (await echo_client.get("/schema/openapi.json")).json()
    greeting = document["components"]["schemas"]["Greeting"]
    assert greeting["additionalProperties"] is False
    assert greeting["required"] == ["name", "times"]


def test_the_webhook_documents_the_events_the_service_handles() -> None:
    assert set(get_args(YooKassaEvent)) == KNOWN_EVENTS


async def test_a_nul_character_in_a_body_is_refused_before_any_work(
    echo_client: AsyncTestClient[Litestar],
) -> None:
    nul = await echo_client.post(
        "/echo", content=b'{"name": "a\\u0000b", "times": 1}',
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert nul.status_code == 422
    assert nul.json()["errors"][0]["message"] == "text must not contain NUL characters"
    # An escaped backslash before "u0000" is ordinary text.
    text = await echo_client.post(
        "/echo", content=b'{"name": "a\\\\u0000b", "times": 1}',
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert text.status_code == 201
    assert text.json()["name"] == "a\\u0000b"


async def test_a_value_the_database_refuses_is_a_422_not_a_500(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/api/v1/content", params={"tag": "a\x00b"})
    assert response.status_code in (200, 422)
    response = await client.get("/api/v1/content", params={"q": "a\x00b"})
    assert response.status_code in (200, 422)
    assert response.headers["content-type"].startswith(
        "application/json" if response.status_code == 200 else PROBLEM
    )


async def test_a_date_in_a_query_must_be_written_as_one(
    client: AsyncTestClient[Litestar],
) -> None:
    # Lenient conversion would read "0.5" as a Unix timestamp.
    for value in ("0.5", "1700000000"):
        response = await client.get(
            "/api/v1/services/individualnaya-konsultatsiya/slots",
            params={"from": value, "to": "2030-01-02T00:00:00Z"},
        )
        assert response.status_code == 422, value
        assert response.json()["errors"][0] == {
            "field": "from", "message": "must be an ISO 8601 date or date-time",
            "source": "query"}  # fmt: skip


async def test_times_of_day_are_documented_as_such(client: AsyncTestClient[Litestar]) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    start = document["components"]["schemas"]["RuleOut"]["properties"]["start_time"]
    assert "format" not in start
    assert start["pattern"].startswith("^([01][0-9]|2[0-3])")


def test_no_route_replaces_the_strict_input_hook(app: Litestar) -> None:
    # A before_request hook set closer to a handler would silently replace the router's.
    api = [
        route_handler
        for route in app.routes
        for route_handler in getattr(route, "route_handlers", ())
        if route.path.startswith("/api/") or route.path.startswith("/webhooks/")
    ]
    assert len(api) > 100
    for handler in api:
        assert handler.resolve_before_request() is strict_input, handler


def test_every_staff_path_is_guarded_and_public_reads_carry_no_guard(app: Litestar) -> None:
    staff_unguarded: list[str] = []
    public_guarded: list[str] = []
    for route in app.routes:
        handlers = getattr(route, "route_handlers", None) or [route.route_handler]  # type: ignore[attr-defined]
        for handler in handlers:
            guarded = STAFF_ONLY in handler.resolve_guards()
            if f"{route.path.rstrip('/')}/".startswith("/api/v1/admin/") and not guarded:
                staff_unguarded.append(route.path)
            if route.path.startswith(("/api/v1/content", "/api/v1/services")) and guarded:
                public_guarded.append(route.path)
    assert staff_unguarded == [], "staff paths outside the role guard"
    # Litestar copies the handler for each guard on each request: the public reads skip it.
    assert public_guarded == []
