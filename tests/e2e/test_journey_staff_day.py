"""The owner's day: who comes, for what, where, paid or not, intake waiting — read with
an audit entry, paged with a cursor; one appointment's record with its history; staff
book for an existing client (paid offline) and for a new person with a payment link."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, wait_for_mail
from tests.e2e.staff import signed_in

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)  # Monday, 09:00 in Moscow
DAY = {"from": "2030-06-04T00:00:00Z", "to": "2030-06-05T00:00:00Z"}
ADMIN = "/api/v1/admin/appointments"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


async def _practice(client: AsyncTestClient[Litestar], owner: dict[str, str]) -> str:
    created = await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "hybrid",
              "duration_minutes": 60, "price": "3500.00", "status": "published"},
        headers=owner,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    rule = await client.post(
        "/api/v1/admin/schedule-rules",
        json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00"},
        headers=owner,
    )  # fmt: skip
    assert rule.status_code == 201, rule.text
    return str(created.json()["id"])


async def test_owner_sees_the_day_books_for_clients_and_reads_the_record(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    service_id = await _practice(client, owner)
    anna_token = signed_in(postgresql, "client", "anna@example.org", now=NOW)
    postgresql.execute(
        """UPDATE users SET display_name = 'Анна Петрова', phone = '+79990001122'
           WHERE email = 'anna@example.org'"""
    )
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, t, true, '2026-01', 'web' FROM users,
                  unnest(ARRAY['personal_data', 'health_data']) AS t
           WHERE email = 'anna@example.org'"""
    )
    postgresql.commit()
    anna_id = str(postgresql.execute(
        "SELECT id FROM users WHERE email = 'anna@example.org'").fetchone()[0])  # type: ignore[index]  # fmt: skip

    # Anna books online herself, pays, and sends her intake form.
    anna = bearer(anna_token)
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
              "format": "online", "timezone": "Europe/Moscow"},
        headers=anna,
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    own_id = booked.json()["appointment"]["id"]
    pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
    assert (await client.post(f"/api/v1{pay}")).status_code == 204
    await wait_for_mail(inbox, "anna@example.org")  # the confirmation
    submitted = await client.put(
        f"/api/v1/appointments/{own_id}/intake-form",
        json={"answers": {"request": "Сон"}, "submit": True}, headers=anna,
    )  # fmt: skip
    assert submitted.status_code == 200, submitted.text
    postgresql.execute(  # the link staff set on it (the location endpoint's job)
        "UPDATE appointments SET meeting_url = 'https://meet.example.org/abc' WHERE id = %s",
        (own_id,),
    )
    postgresql.commit()

    # The owner books Anna again, in person, paid in cash: confirmed, Anna is told.
    offline = await client.post(
        ADMIN,
        json={"service_id": service_id, "start_at": "2030-06-04T10:00:00+00:00",
              "format": "offline", "payment": "none", "client_user_id": anna_id},
        headers=owner,
    )  # fmt: skip
    assert offline.status_code == 201, offline.text
    assert offline.json()["status"] == "confirmed"
    assert offline.json()["payment_id"] is None
    told = await wait_for_mail(inbox, "anna@example.org", count=2)
    assert "запись подтверждена: Консультация, 04.06.2030 13:00" in told

    # A new person who phoned: a manual lead, a payment link by e-mail.
    taken = await client.post(
        ADMIN,
        json={"service_id": service_id, "start_at": "2030-06-04T10:00:00+00:00",
              "format": "online", "payment": "link",
              "new_client": {"name": "Борис", "email": "boris@example.org"}},
        headers=owner,
    )  # fmt: skip
    assert taken.status_code == 409  # the slot is Anna's now
    linked = await client.post(
        ADMIN,
        json={"service_id": service_id, "start_at": "2030-06-04T12:00:00+00:00",
              "format": "online", "payment": "link",
              "new_client": {"name": "Борис", "email": "boris@example.org",
                             "phone": "+79990003344"}},
        headers=owner,
    )  # fmt: skip
    assert linked.status_code == 201, linked.text
    held = linked.json()
    assert held["status"] == "pending_payment"
    assert held["confirmation_url"]
    mail = await wait_for_mail(inbox, "boris@example.org")
    assert held["confirmation_url"] in mail
    assert "оплатите её до" in mail
    lead = await client.get(f"/api/v1/admin/leads/{held['lead_id']}", headers=owner)
    assert lead.json()["source"] == "manual"

    # The day, as the owner sees it.
    listed = await client.get(ADMIN, params=DAY, headers=owner)
    assert listed.status_code == 200, listed.text
    items = {i["id"]: i for i in listed.json()["items"]}
    assert listed.json()["next_cursor"] is None
    first = items[own_id]
    assert first["client"] == {"user_id": anna_id, "lead_id": None,
                               "display_name": "Анна Петрова", "email": "anna@example.org",
                               "phone": "+79990001122"}  # fmt: skip
    assert first["service_title"] == "Консультация"
    assert first["place"] == {"format": "online", "meeting_url": "https://meet.example.org/abc",
                              "location_text": None}  # fmt: skip
    assert first["payment"]["state"] == "paid"
    assert first["payment"]["amount_paid"] == "3500.00"
    assert first["intake"] == "waiting"
    cash = items[offline.json()["id"]]
    assert (cash["status"], cash["payment"]["state"], cash["intake"]) == (
        "confirmed", "none", "missing")  # fmt: skip
    assert cash["place"]["format"] == "offline"
    boris = items[held["id"]]
    assert boris["client"]["display_name"] == "Борис"
    assert boris["client"]["email"] == "boris@example.org"
    assert boris["client"]["phone"] == "+79990003344"
    assert boris["payment"]["state"] == "pending"
    postgresql.commit()
    audit = postgresql.execute(
        """SELECT details FROM audit_log_entries WHERE action = 'appointment.list'
           ORDER BY id DESC LIMIT 1"""
    ).fetchone()
    assert audit is not None
    assert sorted(audit[0]["appointment_ids"]) == sorted(items)

    # Reading the form marks it read.
    assert (await client.get(f"{ADMIN}/{own_id}/intake-form", headers=owner)).status_code == 200
    again = await client.get(ADMIN, params=DAY, headers=owner)
    assert {i["id"]: i["intake"] for i in again.json()["items"]}[own_id] == "viewed"

    # The record with its history.
    record = await client.get(f"{ADMIN}/{own_id}", headers=owner)
    assert record.status_code == 200, record.text
    history = [(h["kind"], h["what"]) for h in record.json()["history"]]
    assert ("event", "booking.appointment_held") in history
    assert ("event", "booking.appointment_confirmed") in history
    assert ("payment", "succeeded") in history
    assert ("message", "booking.confirmed") in history
    assert ("staff", "intake_form.read") in history
    assert record.json()["appointment"]["payment"]["state"] == "paid"
    assert (await client.get(f"{ADMIN}/{own_id}", headers=anna)).status_code == 403
    postgresql.commit()
    read = postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'appointment.read' "
        "AND entity_id = %s", (own_id,),
    ).fetchone()  # fmt: skip
    assert read == (1,)

    # Canceled by staff with the full refund: the day shows it refunded, the record says so.
    canceled = await client.post(f"{ADMIN}/{own_id}/cancel", headers=owner)
    assert canceled.status_code == 200, canceled.text
    after = {
        i["id"]: i for i in (await client.get(ADMIN, params=DAY, headers=owner)).json()["items"]
    }
    assert after[own_id]["status"] == "canceled"
    assert after[own_id]["payment"]["state"] == "refunded"
    assert after[own_id]["payment"]["amount_refunded"] == "3500.00"
    record = await client.get(f"{ADMIN}/{own_id}", headers=owner)
    history = [(h["kind"], h["what"]) for h in record.json()["history"]]
    assert ("event", "booking.appointment_canceled") in history
    assert ("refund", "succeeded") in history
    assert ("staff", "appointment.cancel") in history
    assert record.json()["cancel_reason"] == "staff"


async def test_paging_with_a_cursor_returns_every_appointment_once(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    service_id = await _practice(client, owner)
    made: set[str] = set()
    for n, hour in enumerate((6, 7, 8, 9, 10, 11, 12)):
        booked = await client.post(
            ADMIN,
            json={"service_id": service_id, "start_at": f"2030-06-04T{hour:02d}:00:00+00:00",
                  "format": "online", "payment": "none",
                  "new_client": {"name": f"Клиент {n}", "phone": f"+7999000000{n}"}},
            headers=owner,
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        made.add(booked.json()["id"])
    seen: list[str] = []
    starts: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {**DAY, "limit": "3", **({"cursor": cursor} if cursor else {})}
        page = await client.get(ADMIN, params=params, headers=owner)
        assert page.status_code == 200, page.text
        seen += [i["id"] for i in page.json()["items"]]
        starts += [i["start_at"] for i in page.json()["items"]]
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(made)
    assert set(seen) == made
    assert starts == sorted(starts)
    bad = await client.get(ADMIN, params={**DAY, "cursor": "!!"}, headers=owner)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_cursor")
