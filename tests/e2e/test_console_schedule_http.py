"""The schedule page's forms over HTTP: a form the console cannot accept answers on the
form in Russian and writes nothing; a good one goes through the same use cases as the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.e2e.staff import signed_in

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _signed_in(client: AsyncTestClient[Litestar], db: psycopg.Connection[Any]) -> str:
    client.cookies.set("eb_console", signed_in(db, "owner"), path="/console")
    page = await client.get("/console/schedule")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token
    return token.group(1)


def _count(db: psycopg.Connection[Any], table: str) -> int:
    db.commit()
    row = db.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
    assert row is not None
    return int(row[0])


async def test_an_exception_ending_before_it_starts_is_refused_on_the_form(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _signed_in(client, postgresql)
    response = await client.post(
        "/console/schedule/exceptions",
        data={
            "_csrf_token": token,
            "kind": "closed",
            "start_date": "2030-03-10",
            "start_time": "15:00",
            "end_date": "2030-03-10",
            "end_time": "11:00",
            "reason": "отпуск",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert">Конец должен быть позже начала.' in response.text
    assert 'value="отпуск"' in response.text  # the form keeps what was typed
    assert _count(postgresql, "schedule_exceptions") == 0


async def test_working_hours_ending_before_they_start_are_refused_on_the_form(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _signed_in(client, postgresql)
    before = _count(postgresql, "schedule_rules")
    response = await client.post(
        "/console/schedule/rules",
        data={"_csrf_token": token, "weekday": "2", "start_time": "18:00", "end_time": "09:00"},
    )
    assert response.status_code == 422
    assert "Конец рабочего времени должен быть позже начала." in response.text
    assert _count(postgresql, "schedule_rules") == before


async def test_a_whole_day_off_and_working_hours_are_saved_and_listed(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _signed_in(client, postgresql)
    day = datetime.now(UTC).date() + timedelta(days=20)
    added = await client.post(
        "/console/schedule/exceptions",
        data={
            "_csrf_token": token,
            "kind": "closed",
            "start_date": day.isoformat(),
            "reason": "праздник",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"] == "/console/schedule#exceptions"
    rule = await client.post(
        "/console/schedule/rules",
        data={"_csrf_token": token, "weekday": "3", "start_time": "09:00", "end_time": "13:00"},
        follow_redirects=False,
    )
    assert rule.status_code == 303, rule.text
    page = await client.get("/console/schedule")
    assert "праздник" in page.text
    assert "Рабочие часы добавлены." in page.text
    assert "09:00–13:00" in page.text
    assert _count(postgresql, "schedule_exceptions") == 1
    postgresql.commit()
    audited = postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'schedule_exception.create'"
    ).fetchone()
    assert audited is not None
    assert audited[0] == 1


async def test_an_editor_is_refused_the_schedule(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    client.cookies.set("eb_console", signed_in(postgresql, "editor"), path="/console")
    refused = await client.get("/console/schedule")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")


SERVICE = {
    "title": "Парная консультация", "slug": "parnaya", "format": "online",
    "status": "published", "price": "6000", "deposit": "2000", "duration_minutes": "80",
    "buffer_before_minutes": "0", "buffer_after_minutes": "10", "min_notice_minutes": "720",
    "horizon_days": "60", "cancel_free_hours": "24", "cancel_partial_hours": "6",
    "cancel_partial_refund_percent": "50", "reschedule_min_hours": "24",
    "meeting_url": "https://meet.example.org/pair", "address": "",
}  # fmt: skip


async def test_a_new_service_is_added_and_published_and_its_slug_stays_unique(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _signed_in(client, postgresql)
    added = await client.post(
        "/console/schedule/services", data={"_csrf_token": token, **SERVICE},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303, added.text
    public = await client.get("/api/v1/services/parnaya")
    assert public.status_code == 200
    assert (public.json()["price"], public.json()["deposit"]) == ("6000.00", "2000.00")
    again = await client.post(
        "/console/schedule/services", data={"_csrf_token": token, **SERVICE, "title": "Ещё"}
    )
    assert again.status_code == 422
    assert "Услуга с таким адресом в ссылке уже есть." in again.text
    too_much = await client.post(
        "/console/schedule/services",
        data={"_csrf_token": token, **SERVICE, "slug": "drugaya", "deposit": "9000"},
    )
    assert too_much.status_code == 422
    assert "Предоплата не может быть больше цены." in too_much.text
    assert _count(postgresql, "services") == 1
