"""Lists that never stop short: every admin list, walked one row at a time with its
``next_cursor``, returns each row exactly once in the list's order and then no cursor;
a cursor that was edited or is garbage answers 400, never 500."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
PERSONAL = {"consent_type": "personal_data", "granted": True, "document_version": "1"}
CRISIS_TEXT = "Мне очень плохо, я не хочу жить и не знаю, к кому обратиться"
LISTS = {
    "payments": "/api/v1/admin/payments",
    "leads": "/api/v1/admin/leads",
    "audit log": "/api/v1/admin/audit-log",
    "moderation queue": "/api/v1/admin/moderation/queue",
    "media": "/api/v1/admin/media",
}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def client(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status)
           VALUES ('konsultatsiya', 'Консультация', 'online', 60, 3500, 'published')"""
    )
    postgresql.execute(
        """INSERT INTO schedule_rules (weekday, start_time, end_time, timezone)
           SELECT d, '09:00', '18:00', 'Europe/Moscow' FROM generate_series(1, 7) d"""
    )
    postgresql.commit()
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def walk(
    client: AsyncTestClient[Litestar], url: str, headers: dict[str, str],
    params: dict[str, str] | None = None,
) -> list[str]:  # fmt: skip
    """Every id of the list, one page of one row at a time."""
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        page = await client.get(
            url, params={**(params or {}), "limit": "1", **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )  # fmt: skip
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 1
        ids += [str(item["id"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError(f"{url} never ended")


async def fill_every_list(
    client: AsyncTestClient[Litestar], clock: FixedClock, owner: dict[str, str]
) -> None:
    """Three of everything, some sharing a sort key's value where the list allows it."""
    for day, hour in ((5, 7), (5, 9), (6, 7)):
        held = await client.post(
            "/api/v1/appointments",
            json={"service_slug": "konsultatsiya", "start_at": f"2030-06-0{day}T0{hour}:00:00+00:00",
                  "format": "online", "contact": {"name": "Гость", "email": f"g{day}{hour}@example.org"},
                  "consents": [PERSONAL]},
        )  # fmt: skip
        assert held.status_code == 201, held.text
        clock.advance(minutes=1)
    for name in ("Анна", "Борис"):
        made = await client.post("/api/v1/admin/leads", json={"name": name, "phone": "+79160000000"},
                                 headers=owner)  # fmt: skip
        assert made.status_code == 201, made.text
    for text in ("Как справиться с тревогой перед экзаменом?", CRISIS_TEXT,
                 "Что делать, если не получается уснуть?", CRISIS_TEXT):  # fmt: skip
        asked = await client.post("/api/v1/questions", json={"text": text})
        assert asked.status_code == 202, asked.text
    for n in range(3):
        media = await client.post(
            "/api/v1/admin/media",
            json={"kind": "image", "storage_key": f"covers/{n}.jpg",
                  "url": f"https://cdn.example.org/{n}.jpg", "mime_type": "image/jpeg",
                  "size_bytes": 1024, "alt_text": "Рассвет"},
            headers=owner,
        )  # fmt: skip
        assert media.status_code == 201, media.text


async def test_every_admin_list_walked_one_row_at_a_time_returns_each_row_once(
    client: AsyncTestClient[Litestar], clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    await fill_every_list(client, clock, owner)
    postgresql.commit()
    expected = {
        "payments": 3, "leads": 5, "moderation queue": 4, "media": 3,
        "audit log": postgresql.execute("SELECT count(*) FROM audit_log_entries").fetchone()[0],  # type: ignore[index]
    }  # fmt: skip
    assert expected["audit log"] >= 5  # two leads and three media records, at least

    for name, url in LISTS.items():
        whole = await client.get(url, params={"limit": "100"}, headers=owner)
        assert whole.status_code == 200, whole.text
        assert whole.json()["next_cursor"] is None
        in_order = [str(item["id"]) for item in whole.json()["items"]]
        assert len(in_order) == expected[name], name
        walked = await walk(client, url, owner)
        assert walked == in_order, name  # each row once, in the list's own order

    # The queue's order crosses from urgent to the rest between pages.
    queue = (await client.get(LISTS["moderation queue"], headers=owner)).json()["items"]
    assert [item["urgent"] for item in queue] == [True, True, False, False]
    # A date range on payments, walked the same way.
    postgresql.commit()
    first_two = [
        str(r[0]) for r in postgresql.execute(
            "SELECT id FROM payments ORDER BY created_at DESC, id DESC").fetchall()
    ][1:]  # fmt: skip
    since = postgresql.execute("SELECT min(created_at) FROM payments").fetchone()[0]  # type: ignore[index]
    until = postgresql.execute("SELECT max(created_at) FROM payments").fetchone()[0]  # type: ignore[index]
    ranged = await walk(client, LISTS["payments"], owner,
                        {"from": since.isoformat(), "to": until.isoformat()})  # fmt: skip
    assert ranged == first_two  # [from, to): the newest, created at `to`, is left out
    reversed_range = await client.get(
        LISTS["payments"], params={"from": until.isoformat(), "to": since.isoformat()},
        headers=owner,
    )  # fmt: skip
    assert reversed_range.status_code == 422


async def test_a_garbage_or_edited_cursor_is_a_400_problem(
    client: AsyncTestClient[Litestar], clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    await fill_every_list(client, clock, owner)
    for name, url in LISTS.items():
        cursor = (await client.get(url, params={"limit": "1"}, headers=owner)).json()["next_cursor"]
        assert cursor, name
        raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        raw[-2] ^= 1  # one bit of the position changed
        edited = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
        for bad in ("garbage!", "x" * 40, cursor[:-3], edited, "%00", "😀"):
            answer = await client.get(url, params={"cursor": bad}, headers=owner)
            assert answer.status_code == 400, (name, bad, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["code"] in {"invalid_cursor", "malformed_request"}, answer.text
        # Another list's cursor names another kind of position: refused as well.
        media_cursor = (
            await client.get(LISTS["media"], params={"limit": "1"}, headers=owner)
        ).json()["next_cursor"]
        if name in {"audit log", "moderation queue"}:
            answer = await client.get(url, params={"cursor": media_cursor}, headers=owner)
            assert answer.status_code == 400, (name, answer.text)
