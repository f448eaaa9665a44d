"""Identity at its edges: Telegram login over HTTP, per-address rate limits, the
create-owner command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from app.adapters.telegram.login_widget import sign
from app.bootstrap import create_app
from app.config import PROJECT_ROOT
from tests.conftest import make_settings
from tests.e2e.identity_helpers import PERSONAL_DATA, bearer

BOT_TOKEN = "123456789:AAH" + "z" * 32


def widget_payload(**override: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 777000111, "first_name": "Анна", "username": "anna_tg",
        "auth_date": int(time.time()),
    }  # fmt: skip
    data.update(override)
    data["hash"] = sign(data, BOT_TOKEN)
    return data


async def test_telegram_login_creates_and_reuses_the_account(database_url: str) -> None:
    app = create_app(make_settings(database_url, TELEGRAM_BOT_TOKEN=BOT_TOKEN))
    async with AsyncTestClient(app=app) as client:
        signed_in = widget_payload()
        first = await client.post(
            "/api/v1/auth/telegram", json={**signed_in, "consents": [PERSONAL_DATA]}
        )
        assert first.status_code == 200, first.text
        user = first.json()["user"]
        assert (user["telegram_linked"], user["display_name"], user["email"]) == (
            True,
            "Анна",
            None,
        )
        # A new payload from the widget (the same one again would be a replay); its date
        # differs from the first one's even when a second has passed since.
        again = await client.post(
            "/api/v1/auth/telegram", json=widget_payload(auth_date=signed_in["auth_date"] - 1)
        )
        assert again.json()["user"]["id"] == user["id"]
        me = await client.get("/api/v1/me", headers=bearer(again.json()["token"]))
        assert me.status_code == 200

        forged = widget_payload()
        forged["id"] = 777000112
        rejected = await client.post("/api/v1/auth/telegram", json=forged)
        assert rejected.status_code == 401
        stale = await client.post(
            "/api/v1/auth/telegram", json=widget_payload(auth_date=int(time.time()) - 7200)
        )
        assert stale.status_code == 401


async def test_telegram_login_is_absent_without_a_bot(database_url: str) -> None:
    async with AsyncTestClient(app=create_app(make_settings(database_url))) as client:
        response = await client.post("/api/v1/auth/telegram", json=widget_payload())
    assert response.status_code == 404


async def test_auth_requests_are_limited_per_client_address(database_url: str) -> None:
    app = create_app(make_settings(database_url, RATE_LIMITS_ENABLED="true"))
    async with AsyncTestClient(app=app) as client:
        statuses = [
            (
                await client.post("/api/v1/auth/email/start", json={"email": f"u{n}@example.org"})
            ).status_code
            for n in range(11)
        ]
        assert statuses[:10] == [202] * 10
        assert statuses[10] == 429
        limited = await client.post("/api/v1/auth/email/start", json={"email": "x@example.org"})
        assert limited.json()["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) > 0
        assert (await client.get("/health/live")).status_code == 200  # other routes unaffected


def test_create_owner_command(database_url: str, postgresql: psycopg.Connection[Any]) -> None:
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url,
           "ENCRYPTION_KEYS": "k1:" + "A" * 43}  # fmt: skip
    for _ in range(2):  # idempotent
        result = subprocess.run(
            [sys.executable, "-m", "app", "create-owner", "--email", "Owner@Example.org"],
            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "owner ready" in result.stdout
    postgresql.commit()
    assert postgresql.execute(
        """SELECT u.email, array_agg(r.role_code) FROM users u JOIN user_roles r ON r.user_id = u.id
           GROUP BY u.email"""
    ).fetchall() == [("Owner@Example.org", ["owner"])]
    bad = subprocess.run(
        [sys.executable, "-m", "app", "create-owner", "--email", "not-an-email"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "not a valid e-mail address" in bad.stderr


@pytest.mark.parametrize(
    ("path", "body", "per_minute"),
    [
        ("/api/v1/questions", {"text": "x"}, 5),
        ("/api/v1/leads", {}, 5),
        ("/api/v1/appointments", {}, 20),
        ("/api/v1/events", {"name": "nope", "anonymous_id": "visitor-123456"}, 120),
    ],
)
async def test_submissions_are_limited_per_group_and_client_address(
    database_url: str, path: str, body: dict[str, Any], per_minute: int
) -> None:
    app = create_app(make_settings(database_url, RATE_LIMITS_ENABLED="true"))
    async with AsyncTestClient(app=app) as client:
        statuses = [(await client.post(path, json=body)).status_code for _ in range(per_minute)]
        assert 429 not in statuses  # bad input is refused on its own merits
        limited = await client.post(path, json=body)
        assert limited.status_code == 429
        assert limited.json()["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) > 0
        # Another group keeps its own count.
        other = "/api/v1/events" if path != "/api/v1/events" else "/api/v1/questions"
        assert (await client.post(other, json={})).status_code != 429


async def test_every_answer_carries_the_security_headers(database_url: str) -> None:
    app = create_app(make_settings(database_url, PUBLIC_BASE_URL="https://balance.example.org"))
    async with AsyncTestClient(app=app) as client:
        for answer in (await client.get("/health/live"), await client.get("/nope")):
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["x-frame-options"] == "DENY"
            assert answer.headers["referrer-policy"] == "no-referrer"
            assert answer.headers["content-security-policy"].startswith("default-src 'none'")
            assert answer.headers["strict-transport-security"].startswith("max-age=")
        docs = await client.get("/schema/openapi.json")
        assert "content-security-policy" not in docs.headers
