"""The client's own calendar follows the appointment: the confirmation e-mail carries an
.ics invitation, each reschedule sends the same event (same UID) at the new time with a
higher SEQUENCE, and the cancellation removes it (METHOD:CANCEL). Through HTTP, the
worker and a real SMTP server; the file is read back with ``icalendar``."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import Message
from typing import Any

import psycopg
import pytest
from icalendar import Calendar, Event
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually
from tests.e2e.staff import signed_in

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
GUEST = "guest@example.org"
SITE = "http://praktika.example"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox, PUBLIC_BASE_URL=SITE, SITE_URL=SITE)


def invitations(inbox: Inbox, address: str) -> list[tuple[Message, Calendar, Event]]:
    """Every e-mail to ``address`` that carries a calendar, with the calendar read back
    from its ``text/calendar`` part (and the same file attached as an .ics)."""
    found = []
    for message in list(inbox.messages):
        if message["To"] != address:
            continue
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        if not parts:
            continue
        files = [p for p in message.walk() if (p.get_filename() or "").endswith(".ics")]
        assert len(parts) == 1, "one invitation per e-mail"
        assert len(files) == 1, "and the same file attached as an .ics"
        assert files[0].get_payload(decode=True) == parts[0].get_payload(decode=True)
        calendar = Calendar.from_ical(parts[0].get_payload(decode=True))
        assert parts[0].get_param("method") == calendar["METHOD"]
        (event,) = calendar.walk("VEVENT")
        found.append((message, calendar, event))
    return found


async def wait_for_invitations(inbox: Inbox, count: int) -> list[tuple[Message, Calendar, Event]]:
    result: list[tuple[Message, Calendar, Event]] = await eventually(
        lambda: (found := invitations(inbox, GUEST)) and len(found) >= count and found
    )
    return result


def plain_text(message: Message) -> str:
    (text,) = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    return str(text.get_payload(decode=True).decode())


async def test_the_clients_calendar_follows_confirmation_reschedule_and_cancel(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:  # fmt: skip
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    created = await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "status": "published",
              "cancel_free_hours": 24},
        headers=owner,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    for weekday in (2, 3, 4):  # Tuesday to Thursday
        rule = await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        assert rule.status_code == 201, rule.text
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
              "format": "online", "timezone": "Europe/Moscow",
              "contact": {"name": "Гость", "email": GUEST},
              "consents": [{"consent_type": "personal_data", "granted": True,
                            "document_version": "2026-01"}]},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    first_id = booked.json()["appointment"]["id"]
    token = booked.json()["manage_token"]
    assert invitations(inbox, GUEST) == []  # a hold not yet paid is not in anyone's calendar

    pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
    assert (await client.post(f"/api/v1{pay}")).status_code == 204
    [(mail, calendar, event)] = await wait_for_invitations(inbox, 1)
    assert "запись подтверждена" in plain_text(mail)
    assert calendar["METHOD"] == "REQUEST"
    uid = f"{first_id}@praktika.example"
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == datetime(2030, 6, 4, 7, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2030, 6, 4, 8, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Консультация"
    assert str(event["ATTENDEE"]) == f"mailto:{GUEST}"
    assert str(event["ORGANIZER"]) == "mailto:hello@example.org"

    moved = await client.post(
        f"/api/v1/appointments/{first_id}/reschedule",
        json={"start_at": "2030-06-05T08:00:00+00:00"}, headers={"X-Manage-Token": token},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    second_id = moved.json()["id"]
    *_, (mail, calendar, event) = await wait_for_invitations(inbox, 2)
    assert "перенесена" in plain_text(mail)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == uid  # the same event, moved
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == datetime(2030, 6, 5, 8, 0, tzinfo=UTC)

    moved_again = await client.post(
        f"/api/v1/appointments/{second_id}/reschedule",
        json={"start_at": "2030-06-06T09:00:00+00:00"}, headers={"X-Manage-Token": token},
    )  # fmt: skip
    assert moved_again.status_code == 200, moved_again.text
    third_id = moved_again.json()["id"]
    *_, (mail, calendar, event) = await wait_for_invitations(inbox, 3)
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 2
    assert event.decoded("DTSTART") == datetime(2030, 6, 6, 9, 0, tzinfo=UTC)

    canceled = await client.post(
        f"/api/v1/appointments/{third_id}/cancel", json={}, headers={"X-Manage-Token": token}
    )
    assert canceled.status_code == 200, canceled.text
    sent = await wait_for_invitations(inbox, 4)
    mail, calendar, event = sent[-1]
    assert "отменена" in plain_text(mail)
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("DTSTART") == datetime(2030, 6, 6, 9, 0, tzinfo=UTC)

    # One invitation per change: the confirmation that comes with a move sends none.
    assert [(str(c["METHOD"]), e["SEQUENCE"]) for _, c, e in sent] == [
        ("REQUEST", 0), ("REQUEST", 1), ("REQUEST", 2), ("CANCEL", 3),
    ]  # fmt: skip
    assert len(invitations(inbox, GUEST)) == 4
    postgresql.commit()
    # Nothing of the invitation is left in the queue once sent.
    assert postgresql.execute(
        "SELECT count(*) FROM notification_deliveries WHERE payload_encrypted IS NOT NULL"
        " AND status = 'sent'"
    ).fetchone() == (0,)
