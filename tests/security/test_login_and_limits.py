"""Security regressions (issue 17): login codes cannot be guessed slowly, a Telegram
login payload works once, abusable requests are limited per client address, staff
endpoints refuse before they validate, and no text a guest typed is e-mailed."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from email.header import decode_header, make_header
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.telegram.login_widget import sign
from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, make_settings
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import (
    PERSONAL_DATA,
    Inbox,
    bearer,
    last_code,
    wait_for_mail,
)
from tests.e2e.staff import signed_in

START = "/api/v1/auth/email/start"
VERIFY = "/api/v1/auth/email/verify"
BOT_TOKEN = "123456789:AAH" + "z" * 32


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


def subjects_to(inbox: Inbox, address: str) -> list[str]:
    return [
        str(make_header(decode_header(message["Subject"])))
        for message in list(inbox.messages)
        if message["To"] == address
    ]


def seen(answer: Any) -> tuple[int, dict[str, Any], str | None]:
    """What a caller sees of an answer, without its request id."""
    body = {k: v for k, v in answer.json().items() if k != "request_id"}
    return answer.status_code, body, answer.headers.get("retry-after")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- login codes ------------------------------------------------------------------------


async def test_the_code_is_in_the_body_of_the_mail_not_its_subject(
    client: AsyncTestClient[Litestar], inbox: Inbox
) -> None:
    await client.post(START, json={"email": "preview@example.org"})
    code = await last_code(inbox, "preview@example.org")
    [subject] = subjects_to(inbox, "preview@example.org")
    assert code not in subject
    assert subject == "Код для входа в «Эмоциональный баланс»"


async def test_each_further_code_waits_longer(
    client: AsyncTestClient[Litestar], clock: FixedClock
) -> None:
    body = {"email": "often@example.org"}
    assert (await client.post(START, json=body)).status_code == 202
    too_soon = await client.post(START, json=body)
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "rate_limited"
    assert 0 < int(too_soon.headers["retry-after"]) <= 30
    clock.advance(seconds=30)
    assert (await client.post(START, json=body)).status_code == 202
    clock.advance(seconds=30)  # the third code needs a minute after the second
    third_too_soon = await client.post(START, json=body)
    assert third_too_soon.status_code == 429
    assert 0 < int(third_too_soon.headers["retry-after"]) <= 30
    clock.advance(seconds=30)
    assert (await client.post(START, json=body)).status_code == 202
    # Another address is not slowed down by this one.
    assert (await client.post(START, json={"email": "other@example.org"})).status_code == 202


async def guess_wrong_twenty_times(
    client: AsyncTestClient[Litestar], inbox: Inbox, clock: FixedClock, address: str
) -> list[int]:
    """Four codes, five wrong guesses each, paced as the limits allow; the statuses."""
    statuses = []
    for n in range(4):
        clock.advance(minutes=16)  # past the backoff and the 3-per-15-minutes window
        started = await client.post(START, json={"email": address})
        assert started.status_code == 202, started.text
        code = await last_code(inbox, address, count=n + 1)
        for _ in range(5):
            answer = await client.post(
                VERIFY, json={"email": address, "code": wrong(code), "consents": [PERSONAL_DATA]}
            )
            statuses.append(answer.status_code)
    return statuses


async def test_twenty_wrong_codes_in_a_day_lock_the_address_for_a_day(
    client: AsyncTestClient[Litestar], inbox: Inbox, clock: FixedClock
) -> None:
    address = "target@example.org"
    assert await guess_wrong_twenty_times(client, inbox, clock, address) == [401] * 20

    # Locked: no code is sent, and not even the right code of a fresh login works.
    codes_sent = len(subjects_to(inbox, address))
    refused = await client.post(START, json={"email": address})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) > 23 * 3600
    verify = await client.post(VERIFY, json={"email": address, "code": "000000"})
    assert verify.status_code == 429

    # The address is told once, without any code, that sign-in was locked.
    notice = await wait_for_mail(inbox, address, count=5)
    assert "неверный код" in notice
    assert "заблокирован на сутки" in notice
    assert subjects_to(inbox, address)[-1] == "Вход в «Эмоциональный баланс» временно заблокирован"
    clock.advance(hours=1)
    await client.post(VERIFY, json={"email": address, "code": "000000"})
    assert len(subjects_to(inbox, address)) == codes_sent + 1

    # A day later the address works again, and a right code logs in.
    clock.advance(hours=24)
    assert (await client.post(START, json={"email": address})).status_code == 202
    code = await last_code(inbox, address, count=6)
    accepted = await client.post(
        VERIFY, json={"email": address, "code": code, "consents": [PERSONAL_DATA]}
    )
    assert accepted.status_code == 200, accepted.text


async def test_the_lock_answers_alike_for_known_and_unknown_addresses(
    client: AsyncTestClient[Litestar], inbox: Inbox, clock: FixedClock,
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    signed_in(postgresql, "client", email="known@example.org")
    answers = {}
    for address in ("known@example.org", "unknown@example.org"):
        assert await guess_wrong_twenty_times(client, inbox, clock, address) == [401] * 20
        start = await client.post(START, json={"email": address})
        verify = await client.post(VERIFY, json={"email": address, "code": "000000"})
        answers[address] = [seen(start), seen(verify)]
    assert answers["known@example.org"] == answers["unknown@example.org"]
    for address in answers:
        await wait_for_mail(inbox, address, count=5)  # both are told


async def test_a_locked_address_gets_the_answer_of_any_rate_limit(
    client: AsyncTestClient[Litestar], inbox: Inbox, clock: FixedClock
) -> None:
    await guess_wrong_twenty_times(client, inbox, clock, "locked@example.org")
    locked = await client.post(START, json={"email": "locked@example.org"})
    await client.post(START, json={"email": "busy@example.org"})
    too_soon = await client.post(START, json={"email": "busy@example.org"})
    assert locked.status_code == too_soon.status_code == 429
    assert seen(locked)[1] == seen(too_soon)[1]


# --- Telegram Login Widget ------------------------------------------------------------


def widget_payload(**override: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": 777000222, "first_name": "Анна", "auth_date": int(time.time())}
    data.update(override)
    data["hash"] = sign(data, BOT_TOKEN)
    return data


async def test_a_telegram_login_payload_is_accepted_once(database_url: str) -> None:
    app = create_app(make_settings(database_url, TELEGRAM_BOT_TOKEN=BOT_TOKEN))
    async with AsyncTestClient(app=app) as client:
        payload = widget_payload()
        refused_first = await client.post("/api/v1/auth/telegram", json=payload)
        assert refused_first.json()["code"] == "consent_required"  # not used up by that
        first = await client.post(
            "/api/v1/auth/telegram", json={**payload, "consents": [PERSONAL_DATA]}
        )
        assert first.status_code == 200, first.text
        replayed = await client.post("/api/v1/auth/telegram", json=payload)
        assert replayed.status_code == 401
        assert replayed.json()["code"] == "authentication_failed"
        assert "token" not in replayed.json()


async def test_a_telegram_login_payload_older_than_ten_minutes_is_refused(
    database_url: str,
) -> None:
    app = create_app(make_settings(database_url, TELEGRAM_BOT_TOKEN=BOT_TOKEN))
    async with AsyncTestClient(app=app) as client:
        stale = widget_payload(auth_date=int(time.time()) - 11 * 60)
        answer = await client.post(
            "/api/v1/auth/telegram", json={**stale, "consents": [PERSONAL_DATA]}
        )
        assert answer.status_code == 401
        fresh = widget_payload(auth_date=int(time.time()) - 9 * 60)
        answer = await client.post(
            "/api/v1/auth/telegram", json={**fresh, "consents": [PERSONAL_DATA]}
        )
        assert answer.status_code == 200, answer.text


# --- per-client rate limits -------------------------------------------------------------


SOME_ID = uuid.UUID(int=1)


@pytest.mark.parametrize(
    ("method", "path", "body", "limit"),
    [
        ("POST", "/api/v1/deep-links", {"purpose": "plan"}, 10),
        ("POST", f"/api/v1/me/telegram-link/{'a' * 16}/confirm", None, 10),
        ("POST", "/api/v1/me/data-exports", None, 5),
        ("POST", "/api/v1/interactives/some-check/runs", {"anonymous_id": "visitor-1"}, 30),
        ("PATCH", "/api/v1/me", {"phone": "+79990000000"}, 10),
        ("POST", f"/api/v1/appointments/{SOME_ID}/cancel", {}, 10),
    ],
)
async def test_abusable_requests_are_limited_per_client_address(
    database_url: str, method: str, path: str, body: dict[str, Any] | None, limit: int
) -> None:
    settings = make_settings(database_url, RATE_LIMITS_ENABLED="true", TELEGRAM_BOT_TOKEN=BOT_TOKEN)
    async with AsyncTestClient(app=create_app(settings)) as client:
        statuses = [
            (await client.request(method, path, json=body)).status_code for _ in range(limit)
        ]
        assert 429 not in statuses  # refused on their own merits until the limit
        limited = await client.request(method, path, json=body)
        assert limited.status_code == 429
        assert limited.json()["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) > 0
        # Booking keeps its own count: a hold is still answered on its merits.
        assert (await client.post("/api/v1/appointments", json={})).status_code != 429


async def test_a_signed_in_client_cannot_probe_phones_without_limit(
    database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    token = signed_in(postgresql, "client")
    settings = make_settings(database_url, RATE_LIMITS_ENABLED="true")
    async with AsyncTestClient(app=create_app(settings)) as client:
        statuses = [
            (
                await client.patch(
                    "/api/v1/me", json={"phone": f"+7999000000{n}"}, headers=bearer(token)
                )
            ).status_code
            for n in range(11)
        ]
    assert 429 not in statuses[:10]
    assert statuses[10] == 429


# --- staff endpoints check the role before the body -------------------------------------


INVALID_TEMPLATE = {"code": "auth.login_code", "channel": "email", "subject": "x",
                    "body": "{nope}"}  # fmt: skip


async def test_a_client_sending_an_invalid_template_gets_403_not_the_catalogue(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    for role in ("client", "editor", "assistant"):
        caller = bearer(signed_in(postgresql, role))
        for path in ("/api/v1/admin/message-templates", "/api/v1/admin/message-templates/preview"):
            answer = await client.post(path, json=INVALID_TEMPLATE, headers=caller)
            assert answer.status_code == 403, (role, path, answer.text)
            assert answer.json()["code"] == "forbidden"
            assert "{code}" not in answer.text
            malformed = await client.post(path, json={"code": 1}, headers=caller)
            assert malformed.status_code == 403
    anonymous = await client.post("/api/v1/admin/message-templates", json=INVALID_TEMPLATE)
    assert anonymous.status_code == 401
    # The owner still gets the explanation.
    owner = bearer(signed_in(postgresql, "owner"))
    explained = await client.post(
        "/api/v1/admin/message-templates", json=INVALID_TEMPLATE, headers=owner
    )
    assert explained.status_code == 422
    assert "{code}" in explained.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/admin/services"),
        ("POST", "/api/v1/admin/content"),
        ("POST", "/api/v1/admin/interactives"),
        ("PATCH", f"/api/v1/admin/leads/{SOME_ID}"),
        ("POST", "/api/v1/admin/users"),
        ("PUT", "/api/v1/admin/settings/moderation.sla_hours"),
    ],
)
async def test_every_staff_write_refuses_a_client_before_reading_the_body(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any], method: str,
    path: str,
) -> None:  # fmt: skip
    caller = bearer(signed_in(postgresql, "client"))
    answer = await client.request(method, path, json={"unexpected": ["x"]}, headers=caller)
    assert answer.status_code == 403, answer.text
    assert "errors" not in answer.json()
    assert (await client.request(method, path, json={"unexpected": 1})).status_code == 401


# --- no text a guest typed is e-mailed ------------------------------------------------


NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
SPAM = "Выиграйте приз на evil.example"


async def test_a_guest_hold_and_cancel_e_mails_nothing_the_guest_wrote(
    inbox: Inbox, postgresql: psycopg.Connection[Any], database_url: str
) -> None:
    settings = mailing_settings(database_url, inbox)
    clock = FixedClock(NOW)
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as client:
        owner = bearer(signed_in(postgresql, "owner", now=NOW))
        service = await client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published",
                  "cancel_free_hours": 24},
            headers=owner,
        )  # fmt: skip
        assert service.status_code == 201, service.text
        await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        victim = "someone@example.org"
        booked = await client.post(
            "/api/v1/appointments",
            json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
                  "format": "online", "contact": {"name": SPAM, "email": victim},
                  "consents": [PERSONAL_DATA]},
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        canceled = await client.post(
            f"/api/v1/appointments/{booked.json()['appointment']['id']}/cancel",
            json={"reason": "other"},
            headers={"X-Manage-Token": booked.json()["manage_token"]},
        )
        assert canceled.status_code == 200, canceled.text
        told = await wait_for_mail(inbox, victim)
        assert "отменена" in told
    mails = inbox.texts_to(victim) + subjects_to(inbox, victim)
    assert all(SPAM not in text and "evil.example" not in text for text in mails)
    assert told.startswith("Здравствуйте!")
