"""Guests are people too, through HTTP, the worker and a real SMTP server: a guest fills
the intake form with the manage token; after signing up with the same address and
opening the link then e-mailed to it, the booking and the form are in the account; an
address someone else typed gives its owner nothing without that proof; a guest's export
and erasure go through a link e-mailed to the address."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually, login
from tests.e2e.staff import signed_in

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
GUEST = "guest.person@example.org"
HEALTH = {"consent_type": "health_data", "granted": True, "document_version": "2026-01"}
ANSWERS = {"request": "тревога перед выступлениями", "previous_therapy": False}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox, SITE_URL="https://eb.example.org")


async def open_the_practice(client: AsyncTestClient[Litestar], db: psycopg.Connection[Any]) -> None:
    owner = bearer(signed_in(db, "owner", now=NOW))
    created = await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "status": "published"},
        headers=owner,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    await client.post(
        "/api/v1/admin/schedule-rules",
        json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
              "timezone": "Europe/Moscow"},
        headers=owner,
    )  # fmt: skip


async def book_as_guest(
    client: AsyncTestClient[Litestar], email: str, start: str = "2030-06-04T07:00:00+00:00"
) -> tuple[str, str]:
    """(appointment id, manage token) of a guest's hold."""
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": start, "format": "online",
              "timezone": "Europe/Moscow", "contact": {"name": "Гостья", "email": email},
              "consents": [{"consent_type": "personal_data", "granted": True,
                            "document_version": "2026-01"}]},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    return booked.json()["appointment"]["id"], booked.json()["manage_token"]


async def link_in_mail(inbox: Inbox, address: str, page: str, count: int = 1) -> str:
    """The token of the ``count``-th link to ``page`` e-mailed to ``address``."""
    pattern = re.compile(rf"https://eb\.example\.org{re.escape(page)}#token=([A-Za-z0-9_-]+)")

    def found() -> list[str]:
        tokens = [m.group(1) for t in inbox.texts_to(address) for m in pattern.finditer(t)]
        return tokens if len(tokens) >= count else []

    tokens: list[str] = await eventually(found)
    return tokens[count - 1]


async def fill_intake(client: AsyncTestClient[Litestar], appointment_id: str, token: str) -> None:
    url, guest = f"/api/v1/appointments/{appointment_id}/intake-form", {"X-Manage-Token": token}
    refused = await client.put(url, json={"answers": ANSWERS}, headers=guest)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "consent_required"
    saved = await client.put(
        url, json={"answers": ANSWERS, "submit": True, "consent": HEALTH}, headers=guest
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["status"] == "submitted"
    read = await client.get(url, headers=guest)
    assert read.json()["answers"] == ANSWERS
    assert (await client.get(url)).status_code == 404  # no token, no form


async def test_a_guest_fills_the_intake_and_finds_it_in_the_account_after_sign_up(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    await open_the_practice(client, postgresql)
    appointment_id, manage_token = await book_as_guest(client, GUEST)
    await fill_intake(client, appointment_id, manage_token)

    # Signing up proves the address for the account, not the guest's claim on it.
    session, _ = await login(client, inbox, GUEST)
    mine = await client.get("/api/v1/me/appointments", headers=bearer(session))
    assert mine.json()["items"] == []
    # The link e-mailed to the address proves the bookings made with it.
    token = await link_in_mail(inbox, GUEST, "/booking/confirm-email")
    confirmed = await client.post("/api/v1/guest-contacts/confirm", json={"token": token})
    assert confirmed.json() == {"status": "confirmed", "guests_attached": 1}
    again = await client.post("/api/v1/guest-contacts/confirm", json={"token": token})
    assert again.status_code == 404  # single use

    mine = await client.get("/api/v1/me/appointments", headers=bearer(session))
    assert [a["id"] for a in mine.json()["items"]] == [appointment_id]
    form = await client.get(
        f"/api/v1/appointments/{appointment_id}/intake-form", headers=bearer(session)
    )
    assert form.status_code == 200, form.text
    assert form.json()["answers"] == ANSWERS

    postgresql.commit()
    audit = postgresql.execute(
        "SELECT entity_id, details->>'appointments' FROM audit_log_entries"
        " WHERE action = 'guest_records.attached'"
    ).fetchall()
    assert len(audit) == 1
    assert audit[0][1] == "1"
    timeline = postgresql.execute(
        "SELECT event_type FROM lead_timeline_events WHERE lead_id::text = %s ORDER BY occurred_at",
        (audit[0][0],),
    ).fetchall()
    assert [e for (e,) in timeline] == ["booking.held", "lead.converted"]


async def test_signing_up_with_an_address_a_stranger_typed_gets_nothing(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:  # fmt: skip
    """A stranger books with someone else's address and fills the form; the owner of
    the address never confirms that booking, signs up, and sees none of it."""
    await open_the_practice(client, postgresql)
    appointment_id, manage_token = await book_as_guest(client, GUEST)
    await fill_intake(client, appointment_id, manage_token)

    await login(client, inbox, GUEST)
    await link_in_mail(inbox, GUEST, "/booking/confirm-email")  # sent, never opened
    clock.current = NOW + timedelta(minutes=5)  # a second login code may be sent
    session, _ = await login(client, inbox, GUEST)  # the next sign-in changes nothing
    mine = await client.get("/api/v1/me/appointments", headers=bearer(session))
    assert mine.json()["items"] == []
    form = await client.get(
        f"/api/v1/appointments/{appointment_id}/intake-form", headers=bearer(session)
    )
    assert form.status_code == 404
    postgresql.commit()
    assert postgresql.execute(
        "SELECT client_user_id FROM appointments WHERE id = %s", (appointment_id,)
    ).fetchone() == (None,)


async def test_a_guest_exports_then_erases_through_links_sent_to_the_address(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:  # fmt: skip
    await open_the_practice(client, postgresql)
    appointment_id, manage_token = await book_as_guest(client, GUEST)
    await fill_intake(client, appointment_id, manage_token)

    unknown = await client.post(
        "/api/v1/data-requests", json={"email": "nobody@example.org", "kind": "export"}
    )
    known = await client.post("/api/v1/data-requests", json={"email": GUEST, "kind": "export"})
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert known.status_code == 202

    token = await link_in_mail(inbox, GUEST, "/privacy/confirm")
    done = await client.post("/api/v1/data-requests/confirm", json={"token": token})
    assert done.json() == {"kind": "export", "status": "export_sent"}
    download = await link_in_mail(inbox, GUEST, "/privacy/download")
    archive = await client.post("/api/v1/data-requests/download", json={"token": download})
    assert archive.status_code == 200, archive.text
    booking = archive.json()["sections"]["booking"]
    assert [a["id"] for a in booking["appointments"]] == [appointment_id]
    assert booking["intake_forms"][0]["answers"] == ANSWERS
    again = await client.post("/api/v1/data-requests/download", json={"token": download})
    assert again.status_code == 404
    assert inbox.texts_to("nobody@example.org") == []

    await client.post("/api/v1/data-requests", json={"email": GUEST, "kind": "erasure"})
    token = await link_in_mail(inbox, GUEST, "/privacy/confirm", count=2)
    erased = await client.post("/api/v1/data-requests/confirm", json={"token": token})
    assert erased.json() == {"kind": "erasure", "status": "erased"}

    gone = await client.get(
        f"/api/v1/appointments/{appointment_id}", headers={"X-Manage-Token": manage_token}
    )
    assert gone.status_code == 404
    postgresql.commit()
    status = postgresql.execute(
        "SELECT status, contact_identity_id FROM appointments WHERE id = %s", (appointment_id,)
    ).fetchone()
    assert status == ("canceled", None)
    counts = postgresql.execute(
        "SELECT (SELECT count(*) FROM intake_forms), (SELECT count(*) FROM lead_identities),"
        " (SELECT count(*) FROM guest_email_links)"
    ).fetchone()
    assert counts == (0, 0, 0)
    # The address is unknown now: the same answer, and no mail.
    sent = len(inbox.texts_to(GUEST))
    after = await client.post("/api/v1/data-requests", json={"email": GUEST, "kind": "export"})
    assert after.json() == known.json()
    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM guest_email_links").fetchone() == (0,)
    assert len(inbox.texts_to(GUEST)) == sent
