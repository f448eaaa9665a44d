"""CRM completeness, through HTTP: staff add a lead they met by phone and find it; a
guest's booking is held, paid and canceled and the lead's timeline shows each step;
converting the lead puts the booking in the client's cabinet; a blocked client is
unblocked and signs in again; an assistant looks a person up by e-mail and by phone,
and the audit log records the lookup (without the contact)."""

from __future__ import annotations

import asyncio
import json
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
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, last_code, login
from tests.e2e.staff import signed_in

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
START_AT = "2030-06-05T07:00:00+00:00"  # two days ahead: inside the free cancellation window
PERSONAL = {"consent_type": "personal_data", "granted": True, "document_version": "1"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


@pytest.fixture
async def client(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status,
                                 cancel_free_hours)
           VALUES ('konsultatsiya', 'Консультация', 'online', 60, 3500, 'published', 24)"""
    )
    postgresql.execute(
        """INSERT INTO schedule_rules (weekday, start_time, end_time, timezone)
           SELECT d, '09:00', '18:00', 'Europe/Moscow' FROM generate_series(1, 7) d"""
    )
    postgresql.commit()
    app = create_app(settings, core=build_core(settings, clock=clock))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def audit(db: psycopg.Connection[Any], action: str) -> list[tuple[Any, ...]]:
    db.commit()
    return db.execute(
        """SELECT entity_type, entity_id, details FROM audit_log_entries
           WHERE action = %(a)s ORDER BY id""",
        {"a": action},
    ).fetchall()


async def test_staff_add_a_lead_they_met_by_phone_and_find_it(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    made = await client.post(
        "/api/v1/admin/leads",
        json={"name": "Ольга Звонкова", "phone": "8 (916) 123-45-67",
              "note": "Позвонила, просила перезвонить вечером", "source": "manual"},
        headers=assistant,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    lead = made.json()
    assert lead["source"] == "manual"
    assert lead["status"] == "new"
    assert [(i["kind"], i["value"]) for i in lead["identities"]] == [("phone", "8 (916) 123-45-67")]
    assert [e["event_type"] for e in lead["timeline"]] == ["lead.created"]
    assert [n["body"] for n in lead["notes"]] == ["Позвонила, просила перезвонить вечером"]

    found = await client.get("/api/v1/admin/leads", params={"q": "Звонкова"}, headers=assistant)
    assert [row["id"] for row in found.json()["items"]] == [lead["id"]]
    by_phone = await client.get("/api/v1/admin/leads", params={"q": "+79161234567"},
                                headers=assistant)  # fmt: skip
    assert [row["id"] for row in by_phone.json()["items"]] == [lead["id"]]
    assert [(t, i) for t, i, _ in audit(postgresql, "lead.create")] == [("lead", lead["id"])]

    # Only staff, and a person needs some way to be reached.
    client_token = bearer(signed_in(postgresql, "client", now=NOW))
    refused = await client.post("/api/v1/admin/leads", json={"name": "X", "email": "x@example.org"},
                                headers=client_token)  # fmt: skip
    assert refused.status_code == 403
    empty = await client.post("/api/v1/admin/leads", json={"name": "Без контакта"},
                              headers=assistant)  # fmt: skip
    assert empty.status_code == 422
    assert empty.json()["code"] == "validation_failed"


async def test_a_bookings_life_is_on_the_lead_timeline_and_converting_hands_it_to_the_client(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    held = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": START_AT, "format": "online",
              "contact": {"name": "Гостья", "email": "guest.booker@example.org"},
              "consents": [PERSONAL]},
    )  # fmt: skip
    assert held.status_code == 201, held.text
    booking = held.json()
    appointment_id = booking["appointment"]["id"]
    pay = booking["payment"]["confirmation_url"].split("/api/v1")[1]
    assert (await client.post(f"/api/v1{pay}")).status_code == 204
    postgresql.commit()
    lead_id = str(postgresql.execute("SELECT lead_id FROM appointments").fetchone()[0])  # type: ignore[index]

    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    lead_url = f"/api/v1/admin/leads/{lead_id}"

    async def steps() -> list[tuple[str, str | None]]:
        timeline = (await client.get(lead_url, headers=assistant)).json()["timeline"]
        return [(e["event_type"], e["props"].get("appointment")) for e in timeline]

    async def wait_for(step: str) -> list[tuple[str, str | None]]:
        found: list[tuple[str, str | None]] = []
        for _ in range(200):
            found = await steps()
            if any(name == step for name, _ in found):
                return found
            await asyncio.sleep(0.05)  # the in-process worker relays the event
        raise AssertionError(f"{step} never reached the timeline: {found}")

    assert await wait_for("booking.paid") == [
        ("booking.held", None),
        ("booking.paid", appointment_id),
    ]

    # The person signs up with another address; staff know it is her and convert the lead.
    token, user = await login(client, inbox, "olga.client@example.org")
    mine = await client.get("/api/v1/me/appointments", headers=bearer(token))
    assert mine.json()["items"] == []
    converted = await client.post(
        f"{lead_url}/convert", json={"user_id": user["id"]}, headers=assistant
    )
    assert converted.status_code == 200, converted.text
    assert converted.json()["status"] == "converted"
    assert converted.json()["converted_user_id"] == user["id"]
    mine = (await client.get("/api/v1/me/appointments", headers=bearer(token))).json()["items"]
    assert [(a["id"], a["status"]) for a in mine] == [(appointment_id, "confirmed")]
    # A missing account is refused and changes nothing.
    missing = await client.post(f"{lead_url}/convert", json={"user_id": lead_id}, headers=assistant)
    assert missing.status_code == 404

    # The client cancels from the cabinet: the lead's timeline still follows the booking.
    canceled = await client.post(
        f"/api/v1/appointments/{appointment_id}/cancel", json={}, headers=bearer(token)
    )
    assert canceled.status_code == 200, canceled.text
    assert await wait_for("booking.canceled") == [
        ("booking.held", None),
        ("booking.paid", appointment_id),
        ("lead.converted", None),
        ("booking.canceled", appointment_id),
    ]
    # Only P0 in the timeline: nothing of the contact or the reason.
    timeline = json.dumps((await client.get(lead_url, headers=assistant)).json()["timeline"])
    assert "guest.booker" not in timeline
    assert "olga.client" not in timeline


async def test_an_unblocked_client_signs_in_again(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:  # fmt: skip
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    token, user = await login(client, inbox, "blocked.client@example.org")
    users = f"/api/v1/admin/users/{user['id']}"
    assert (await client.post(f"{users}/unblock", headers=owner)).status_code == 409
    assert (await client.post(f"{users}/block", headers=owner)).status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401

    clock.advance(seconds=30)  # the pause before an address's next code
    await client.post("/api/v1/auth/email/start", json={"email": "blocked.client@example.org"})
    refused = await client.post(
        "/api/v1/auth/email/verify",
        json={"email": "blocked.client@example.org",
              "code": await last_code(inbox, "blocked.client@example.org", 2)},
    )  # fmt: skip
    assert refused.json()["code"] == "account_blocked"

    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    assert (await client.post(f"{users}/unblock", headers=assistant)).status_code == 403
    assert (await client.post(f"{users}/unblock", headers=owner)).status_code == 204
    clock.advance(minutes=5)  # (the pause before a third code grows)
    again, _ = await login(client, inbox, "blocked.client@example.org")
    assert (await client.get("/api/v1/me", headers=bearer(again))).status_code == 200
    assert [i for _, i, _ in audit(postgresql, "user.unblock")] == [user["id"]]


async def test_an_assistant_looks_a_person_up_by_email_and_by_phone(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    _, user = await login(client, inbox, "Maria.Client@example.org")
    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    made = await client.post(
        "/api/v1/admin/leads",
        json={"name": "Мария", "email": "maria.client@example.org", "phone": "+7 916 555-00-11"},
        headers=assistant,
    )  # fmt: skip
    lead_id = made.json()["id"]
    await client.post(
        "/api/v1/admin/leads",
        json={"name": "Другой человек", "email": "maria.clientka@example.org"},
        headers=assistant,
    )  # fmt: skip

    lookup = "/api/v1/admin/clients/lookup"
    by_email = await client.post(lookup, json={"email": "MARIA.CLIENT@example.org"},
                                 headers=assistant)  # fmt: skip
    assert by_email.status_code == 200, by_email.text
    assert [(m["kind"], m["id"], m["verified"]) for m in by_email.json()["items"]] == [
        ("user", user["id"], True),
        ("lead", lead_id, False),
    ]
    by_phone = await client.post(lookup, json={"phone": "89165550011"}, headers=assistant)
    assert [(m["kind"], m["id"], m["display_name"]) for m in by_phone.json()["items"]] == [
        ("lead", lead_id, "Мария")
    ]
    nobody = await client.post(lookup, json={"email": "maria@example.org"}, headers=assistant)
    assert nobody.json()["items"] == []  # exact matches only
    both = await client.post(lookup, json={"email": "a@example.org", "phone": "+79160000000"},
                             headers=assistant)  # fmt: skip
    assert both.status_code == 422
    client_token = bearer(signed_in(postgresql, "client", now=NOW))
    assert (await client.post(lookup, json={"email": "maria.client@example.org"},
                              headers=client_token)).status_code == 403  # fmt: skip

    # Audited: who looked, by what, how many matched; never the contact itself.
    entries = audit(postgresql, "client.lookup")
    assert [(t, i, d) for t, i, d in entries] == [
        ("client", None, {"by": "email", "users": 1, "leads": 1}),
        ("client", None, {"by": "phone", "users": 0, "leads": 1}),
        ("client", None, {"by": "email", "users": 0, "leads": 0}),
    ]
    assert "maria" not in json.dumps([d for _, _, d in entries])
