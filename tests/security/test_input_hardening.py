"""Security regressions (issue 17, black-box input testing): an e-mail address that names
a second mailbox is refused, a body that is not UTF-8 or is nested without end is a 400
problem (never a 500), a NUL in a query is refused before any work, and a YooKassa
notification about an id that is none of ours is recorded as rejected, answered 200 and
never sent on to the provider's API. Every refusal leaves the database as it was."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest
import respx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import Receive, Scope, Send
from psycopg import sql

from app.bootstrap import Core, build_core, create_app
from app.config import Settings
from app.domain.shared.contact import EMAIL_PATTERN
from tests.conftest import FixedClock, make_settings
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import PERSONAL_DATA, Inbox, wait_for_mail
from tests.telegram_api import TOKEN, RecordingSession

PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}
START = "/api/v1/auth/email/start"
API = "https://api.yookassa.test/v3/"
YOOKASSA_IP = "185.71.76.10"
TELEGRAM_SECRET = "s3cret-webhook-token-0123456789"
TELEGRAM = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}

# Each of these was accepted, and the mail then went (also) to victim@example.org.
SMUGGLING = [
    "x,victim@example.org",
    "z<victim@example.org>",
    "Anna <victim@example.org>",
    "anna@example.org, victim@example.org",
    "anna@example.org;victim@example.org",
    "anna@example.org (victim@example.org)",
    '"victim@example.org"@example.org',
    "victim@[127.0.0.1]",
    "anna@example.org\r\nBcc: victim@example.org",
]


def row_counts(db: psycopg.Connection[Any]) -> dict[str, int]:
    """Rows in every table: a refused request must not change any of them."""
    db.commit()
    tables = [
        row[0]
        for row in db.execute(
            """SELECT table_name FROM information_schema.tables
               WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
                 AND table_name NOT LIKE '%yoyo%' ORDER BY 1"""
        )
    ]
    counts = {}
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        counts[table] = db.execute(query).fetchone()[0]  # type: ignore[index]
    db.commit()
    return counts


def assert_problem(
    response: httpx.Response, status: int, code: str, case: object = None
) -> dict[str, Any]:
    assert response.status_code == status, (case, response.text)
    assert response.headers["content-type"].startswith(PROBLEM), case
    body: dict[str, Any] = response.json()
    assert body["code"] == code, case
    return body


def from_address(app: Litestar, host: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The app as seen from ``host`` (the socket peer YooKassa's allow-list checks)."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (host, 40000)}  # type: ignore[typeddict-item]
        await app(scope, receive, send)

    return asgi


@pytest.fixture
def settings(database_url: str) -> Settings:
    """YooKassa and the Telegram bot configured, so both webhooks are mounted."""
    return make_settings(
        database_url, YOOKASSA_SHOP_ID="shop-1", YOOKASSA_SECRET_KEY="test_secret",
        YOOKASSA_API_URL=API, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        TELEGRAM_BOT_USERNAME="balance_test_bot",
    )  # fmt: skip


@pytest.fixture
def core(settings: Settings) -> Core:
    """The app's machinery (its database is opened by the app's lifespan)."""
    built = build_core(settings, clock=FixedClock())
    assert built.telegram_bot is not None
    built.telegram_bot.session = RecordingSession()
    return built


@pytest.fixture
def app(settings: Settings, core: Core) -> Litestar:
    return create_app(settings, core=core)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client whose requests come from one of YooKassa's addresses."""
    async with AsyncTestClient(app=from_address(app, YOOKASSA_IP)) as test_client:  # type: ignore[arg-type]
        yield test_client


# --- e-mail addresses -------------------------------------------------------------------


async def test_an_address_naming_a_second_mailbox_is_refused(
    client: AsyncTestClient[Any], postgresql: psycopg.Connection[Any]
) -> None:
    before = row_counts(postgresql)
    forms = {
        START: {},
        "/api/v1/leads": {"name": "Анна", "consents": [PERSONAL_DATA], "message": "Здравствуйте"},
    }
    for path, form in forms.items():
        for address in SMUGGLING:
            answer = await client.post(path, json={**form, "email": address})
            problem = assert_problem(answer, 422, "validation_failed", (path, address))
            assert [error["field"] for error in problem["errors"]] == ["email"]
    assert row_counts(postgresql) == before


async def test_a_login_code_reaches_only_the_mailbox_that_asked(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    async with AsyncTestClient(app=create_app(mailing_settings(database_url, inbox))) as client:
        for address in ("x,victim@example.org", "z<victim@example.org>"):
            refused = await client.post(START, json={"email": address})
            assert_problem(refused, 422, "validation_failed", address)
        postgresql.commit()
        assert postgresql.execute("SELECT count(*) FROM notification_deliveries").fetchone() == (0,)
        asked = await client.post(START, json={"email": "anna@example.org"})
        assert asked.status_code == 202
        await wait_for_mail(inbox, "anna@example.org")
    # The SMTP envelope as the server saw it: one recipient, the one that asked.
    assert [message["X-RcptTo"] for message in inbox.messages] == ["anna@example.org"]


async def test_the_documented_email_pattern_is_the_one_enforced(
    client: AsyncTestClient[Any],
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    email = document["components"]["schemas"]["EmailStartIn"]["properties"]["email"]
    assert email["pattern"] == EMAIL_PATTERN
    assert email["maxLength"] == 254


# --- malformed bodies -------------------------------------------------------------------

BAD_UTF8 = b'{"email": "\xff"}'
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_INSIDE = b'{"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

# Public routes: typed bodies, and the two webhooks (the Telegram one reads its body
# itself, as free-form JSON).
ENDPOINTS = [
    ("POST", START, {}),
    ("POST", "/api/v1/leads", {}),
    ("POST", "/api/v1/events", {}),
    ("POST", "/webhooks/yookassa", {}),
    ("POST", "/webhooks/telegram", TELEGRAM),
]


async def test_a_body_that_is_not_utf8_is_a_400_problem(
    client: AsyncTestClient[Any], postgresql: psycopg.Connection[Any]
) -> None:
    before = row_counts(postgresql)
    for method, path, headers in ENDPOINTS:
        for content_type in ("application/json", "text/plain"):
            answer = await client.request(
                method, path, content=BAD_UTF8, headers={**headers, "content-type": content_type}
            )
            problem = assert_problem(answer, 400, "malformed_request", (path, content_type))
            assert problem["detail"] == "The body is not valid UTF-8."
    assert row_counts(postgresql) == before


async def test_a_body_nested_without_end_is_a_400_problem(
    client: AsyncTestClient[Any], postgresql: psycopg.Connection[Any]
) -> None:
    before = row_counts(postgresql)
    for method, path, headers in ENDPOINTS:
        for body in (DEEP, DEEP_INSIDE):
            answer = await client.request(method, path, content=body, headers={**headers, **JSON})
            problem = assert_problem(answer, 400, "malformed_request", (path, body[:12]))
            assert "nested more than 64 levels deep" in problem["detail"]
    assert row_counts(postgresql) == before


async def test_the_depth_limit_is_64_levels_and_text_does_not_count(
    client: AsyncTestClient[Any],
) -> None:
    def event(name: bytes) -> bytes:
        return b'{"anonymous_id": "' + uuid.uuid4().hex.encode() + b'", "name": ' + name + b"}"

    async def post(body: bytes) -> httpx.Response:
        return await client.post("/api/v1/events", content=body, headers=JSON)

    # 64 levels are decoded (and refused: a name is not an array); 65 never reach a decoder.
    assert_problem(await post(event(b"[" * 63 + b"]" * 63)), 422, "validation_failed")
    assert_problem(await post(event(b"[" * 64 + b"]" * 64)), 400, "malformed_request")
    # Brackets inside a string, also after escaped quotes and backslashes, are text.
    text = b'"\\\\\\"' + b"[{" * 200 + b'"'
    assert_problem(await post(event(text)), 422, "validation_failed")


def routes_with_a_body(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) of every route that reads a body, its path parameters filled in."""
    values = {"uuid": str(uuid.uuid4()), "int": "1", "str": "x", "path": "x",
              "date": "2030-01-01", "datetime": "2030-01-01T00:00:00Z"}  # fmt: skip
    routes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            reads_body = "data" in handler.parsed_fn_signature.parameters
            if not reads_body and route.path != "/webhooks/telegram":
                continue
            path = re.sub(r"\{\w+:(\w+)\}", lambda m: values[m.group(1)], route.path)
            routes += [(method, path) for method in handler.http_methods]
    return sorted(routes)


async def test_every_route_with_a_body_answers_malformed_input_with_a_4xx(
    app: Litestar, client: AsyncTestClient[Any], postgresql: psycopg.Connection[Any]
) -> None:
    # Anonymous: a route may refuse the caller before it reads the body (401/403); none
    # may fail (5xx) or accept.
    before = row_counts(postgresql)
    routes = routes_with_a_body(app)
    assert len(routes) > 40
    for method, path in routes:
        for body in (BAD_UTF8, DEEP_INSIDE, b'{"a": "\\u0000"}'):
            answer = await client.request(method, path, content=body, headers={**TELEGRAM, **JSON})
            assert 400 <= answer.status_code < 500, (method, path, body[:12], answer.text)
            # The web console answers people, with pages (here: the CSRF refusal).
            expected = "text/html" if path.startswith("/console/") else PROBLEM
            assert answer.headers["content-type"].startswith(expected), (method, path)
    assert row_counts(postgresql) == before


# --- NUL in the query -------------------------------------------------------------------


async def test_a_nul_in_any_query_parameter_is_refused_before_any_work(
    client: AsyncTestClient[Any], postgresql: psycopg.Connection[Any]
) -> None:
    before = row_counts(postgresql)
    for query in ("q=%00", "q=a%00b", "tag=%00", "unknown=%00", "a%00b=1", "q=ok&topic=x%00"):
        answer = await client.get(f"/api/v1/content?{query}")
        problem = assert_problem(answer, 422, "validation_failed", query)
        # Refused by the input check, not by PostgreSQL ("A value ... cannot be stored").
        assert problem["detail"] == "The request has invalid or unknown fields."
        assert problem["errors"] == [
            {"field": "$", "message": "the path and query must not contain NUL characters",
             "source": "query"}
        ]  # fmt: skip
    assert row_counts(postgresql) == before
    # Ordinary text still goes through.
    assert (await client.get("/api/v1/content", params={"q": "тревога"})).status_code == 200


# --- YooKassa notifications about ids that are not ours ---------------------------------


def notification(event: str, object_id: str) -> dict[str, Any]:
    return {"type": "notification", "event": event,
            "object": {"id": object_id, "status": event.split(".")[1]}}  # fmt: skip


async def test_a_notification_about_an_id_that_is_not_ours_is_rejected_once(
    client: AsyncTestClient[Any], core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    cases = [
        ("payment.succeeded", "22d6d597-000f-5000-9000-145f6df21d6f"),
        ("payment.canceled", "../refunds/X"),
        ("payment.succeeded", "X/cancel"),
        ("payment.waiting_for_capture", "X?amount=1"),
        ("refund.succeeded", "2a8b6c1e-0015-5000-8000-1e2f3a4b5c6d"),
        ("refund.succeeded", "../payments/X"),
    ]
    with respx.mock(assert_all_called=False) as api:
        provider = api.route().mock(return_value=httpx.Response(200, json={"status": "succeeded"}))
        for event, object_id in cases:
            for expected in ("rejected", "duplicate"):  # YooKassa retries until it gets a 200
                answer = await client.post(
                    "/webhooks/yookassa", json=notification(event, object_id)
                )
                assert (answer.status_code, answer.json()) == (200, {"status": expected}), object_id
        while await core.relay.run_once():
            pass
    assert provider.call_count == 0
    postgresql.commit()
    recorded = postgresql.execute(
        "SELECT event, object_id, outcome, processed_at IS NOT NULL FROM provider_webhook_events"
    ).fetchall()
    assert sorted(recorded) == sorted(
        (event, object_id, "rejected_unknown_object", True) for event, object_id in cases
    )
    assert postgresql.execute("SELECT count(*) FROM outbox_events").fetchone() == (0,)
