"""Where to go, and links that lead somewhere (issue 19, items 1 and 3), walked through
the HTTP API, the worker, a real SMTP server and the recorded Telegram Bot API:

- an online session booked with Google Meet links on carries the Meet link Google made
  in the confirmation e-mail and Telegram message and in ``GET /appointments/{id}``;
- an in-person session carries the service's address; staff change it and the client
  is told (e-mail and Telegram);
- a guest is e-mailed right after the hold with the payment link and a manage link
  whose token opens the appointment; a lost link is re-sent (same answer for a known
  and an unknown address, mail only to the known one, the old token stops working);
- YooKassa sends the client back to the appointment's page (a guest's manage page);
- no message in these journeys links to the bare site root.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import respx
from googleapiclient.http import HttpMockSequence
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.google_calendar.gateway import event_id_for
from app.bootstrap import build_core, create_app
from tests.conftest import FixedClock, make_settings
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually, wait_for_mail
from tests.e2e.staff import signed_in
from tests.e2e.test_telegram_notifications import SECRET, grant, link_anna
from tests.telegram_api import TOKEN, RecordingSession

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
SITE = "https://balance.example.org"
API_BASE = "http://127.0.0.1:8000"
CALENDAR = "practice@example.org"
MEET = "https://meet.google.com/abc-defg-hij"
ANNA = "anna@example.org"
GUEST = "guest@example.org"
ADDRESS = "Москва, ул. Примерная, 1, кабинет 5"
URL = re.compile(r"https?://[^\s)>\"']+")


class GoogleStandIn(HttpMockSequence):  # type: ignore[misc]
    """Google Calendar as its own client's HTTP mock sees it: free/busy is empty, an
    inserted event comes back with the Meet link Google made for it."""

    def __init__(self) -> None:
        super().__init__([])
        self.inserted: list[dict[str, Any]] = []

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None,
                redirections: int = 1, connection_type: Any = None) -> Any:  # fmt: skip
        path = uri.split("?", maxsplit=1)[0]
        answer: dict[str, Any] = {}
        if path.endswith("/freeBusy"):
            answer = {"calendars": {CALENDAR: {"busy": []}}}
        elif method == "POST" and path.endswith("/events"):
            sent = json.loads(body)
            self.inserted.append(sent)
            answer = {"id": sent["id"], "hangoutLink": MEET,
                      "conferenceData": {"createRequest": {"status": {"statusCode": "success"}}}}  # fmt: skip
        self._iterable = [({"status": "200"}, json.dumps(answer))]
        return super().request(uri, method, body, headers, redirections, connection_type)


@dataclass
class Practice:
    client: AsyncTestClient[Litestar]
    api: RecordingSession
    clock: FixedClock
    owner: dict[str, str]
    anna: dict[str, str]
    inbox: Inbox
    google: GoogleStandIn

    async def offer(self, **service: Any) -> dict[str, Any]:
        """A published one-hour service, open 09:00–18:00 Moscow time every day."""
        body = {"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                "duration_minutes": 60, "price": "3500.00", "status": "published",
                "cancel_free_hours": 24, **service}  # fmt: skip
        created = await self.client.post("/api/v1/admin/services", json=body, headers=self.owner)
        assert created.status_code == 201, created.text
        for weekday in range(1, 8):
            await self.client.post(
                "/api/v1/admin/schedule-rules",
                json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
                      "timezone": "Europe/Moscow"},
                headers=self.owner,
            )  # fmt: skip
        return dict(created.json())

    async def book(
        self, fmt: str = "online", headers: dict[str, str] | None = None,
        contact: dict[str, str] | None = None, timezone: str = "Europe/Moscow",
    ) -> dict[str, Any]:  # fmt: skip
        body: dict[str, Any] = {"service_slug": "konsultatsiya",
                                "start_at": "2030-06-04T07:00:00+00:00", "format": fmt,
                                "timezone": timezone}  # fmt: skip
        if contact is not None:
            body["contact"] = contact
            body["consents"] = [{"consent_type": "personal_data", "granted": True,
                                 "document_version": "1"}]  # fmt: skip
        booked = await self.client.post("/api/v1/appointments", json=body, headers=headers)
        assert booked.status_code == 201, booked.text
        return dict(booked.json())

    async def pay(self, booked: dict[str, Any]) -> None:
        pay = booked["payment"]["confirmation_url"].split("/api/v1")[1]
        assert (await self.client.post(f"/api/v1{pay}")).status_code in (200, 204)

    def texts(self) -> list[str]:
        return [r.text for r in self.api.requests if type(r).__name__ == "SendMessage"]  # type: ignore[attr-defined]

    async def telegram_text(self, fragment: str) -> str:
        async def check() -> str | None:
            return next((t for t in self.texts() if fragment in t), None)

        for _ in range(200):
            found = await check()
            if found:
                return found
            await self.client.get("/health/live")
        raise AssertionError(f"no Telegram message with {fragment!r}: {self.texts()}")

    def everything_sent(self) -> list[str]:
        mails = [
            part.get_payload(decode=True).decode()
            for message in list(self.inbox.messages)
            for part in message.walk()
            if part.get_content_type() == "text/plain"
        ]
        return mails + self.texts()


def assert_no_bare_root(texts: list[str]) -> None:
    """No link in any message is the site's (or the API's) bare root."""
    links = [url.rstrip(".,;") for text in texts for url in URL.findall(text)]
    assert links, "the messages carried no links at all"
    roots = {SITE, f"{SITE}/", API_BASE, f"{API_BASE}/"}
    assert not [url for url in links if url in roots], links


def credentials_file(tmp_path: Path) -> Path:
    path = tmp_path / "google.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "c", "client_secret": "s",
                                "refresh_token": "r"}))  # fmt: skip
    return path


@pytest.fixture
async def practice(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any], tmp_path: Path
) -> AsyncIterator[Practice]:
    settings = mailing_settings(
        database_url, inbox, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET,
        SITE_URL=SITE, GOOGLE_CALENDAR_ID=CALENDAR,
        GOOGLE_CREDENTIALS_FILE=str(credentials_file(tmp_path)), GOOGLE_MEET_LINKS="true",
    )  # fmt: skip
    clock = FixedClock(NOW)
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    assert core.clients.calendar is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    google = GoogleStandIn()
    core.clients.calendar._http_factory = lambda: google
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = link_anna(postgresql)
    grant(postgresql, "telegram")
    grant(postgresql, "communications")  # reminders by e-mail
    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        yield Practice(client, api, clock, owner, anna, inbox, google)


async def test_the_meet_link_reaches_the_confirmation_e_mail_telegram_and_the_api(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    await practice.offer(format="online")
    booked = await practice.book(headers=practice.anna, timezone="Asia/Yekaterinburg")
    appointment_id = booked["appointment"]["id"]
    assert booked["appointment"]["meeting_url"] is None  # not before it is paid
    await practice.pay(booked)

    confirmed = await wait_for_mail(practice.inbox, ANNA)
    # When: the client's own zone, named; where: the link Google made for this event.
    assert "запись подтверждена: Консультация, 04.06.2030 12:00 (Asia/Yekaterinburg, UTC+5)" in (
        confirmed
    )
    assert f"Онлайн, ссылка на встречу: {MEET}" in confirmed
    assert f"{SITE}/cabinet/appointments/{appointment_id}" in confirmed
    told = await practice.telegram_text("Запись подтверждена")
    assert MEET in told
    assert "(Asia/Yekaterinburg, UTC+5)" in told

    shown = await practice.client.get(f"/api/v1/appointments/{appointment_id}",
                                      headers=practice.anna)  # fmt: skip
    assert shown.status_code == 200
    assert (shown.json()["format"], shown.json()["meeting_url"]) == ("online", MEET)
    postgresql.commit()
    assert postgresql.execute(
        "SELECT external_calendar_event_id, meeting_url FROM appointments WHERE id = %s",
        (appointment_id,),
    ).fetchone() == (event_id_for(__import__("uuid").UUID(appointment_id)), MEET)
    assert practice.google.inserted[0]["conferenceData"]["createRequest"][
        "conferenceSolutionKey"
    ] == {"type": "hangoutsMeet"}
    # One confirmation with the link, no second "where" message.
    postgresql.commit()
    assert postgresql.execute(
        "SELECT template_code, channel FROM notification_deliveries"
        " WHERE template_code LIKE 'booking.%%' ORDER BY template_code, channel"
    ).fetchall() == [("booking.confirmed", "email"), ("booking.confirmed", "telegram")]

    practice.clock.current = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)  # 23 h before
    reminder = await wait_for_mail(practice.inbox, ANNA, count=2)
    assert "Напоминаем о консультации" in reminder
    assert MEET in reminder
    assert "04.06.2030 12:00 (Asia/Yekaterinburg, UTC+5)" in reminder
    assert_no_bare_root(practice.everything_sent())


async def test_the_address_of_an_in_person_session_and_a_change_staff_make(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    created = await practice.offer(format="offline", address=ADDRESS)
    assert created["address"] == ADDRESS
    booked = await practice.book("offline", headers=practice.anna)
    appointment_id = booked["appointment"]["id"]
    await practice.pay(booked)

    confirmed = await wait_for_mail(practice.inbox, ANNA)
    assert f"Очно, адрес: {ADDRESS}" in confirmed
    assert ADDRESS in await practice.telegram_text("Запись подтверждена")
    path = f"/api/v1/appointments/{appointment_id}"
    shown = (await practice.client.get(path, headers=practice.anna)).json()
    assert (shown["format"], shown["location_text"]) == ("offline", ADDRESS)

    where = f"/api/v1/admin/appointments/{appointment_id}/location"
    moved = "Москва, ул. Примерная, 1, кабинет 7"
    refused = await practice.client.put(where, json={"location_text": moved},
                                        headers=practice.anna)  # fmt: skip
    assert refused.status_code == 403
    stale = await practice.client.put(
        where, json={"location_text": moved}, headers={**practice.owner, "If-Match": "1"}
    )
    assert stale.status_code == 412  # If-Match names an older version
    changed = await practice.client.put(
        where, json={"location_text": moved},
        headers={**practice.owner, "If-Match": str(shown["version"])},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["location_text"] == moved

    told = await wait_for_mail(practice.inbox, ANNA, count=2)
    assert "изменилось место встречи" in told
    assert moved in told
    assert f"{SITE}/cabinet/appointments/{appointment_id}" in told
    assert moved in await practice.telegram_text("Изменилось место встречи")
    shown = (await practice.client.get(path, headers=practice.anna)).json()
    assert shown["location_text"] == moved
    postgresql.commit()
    assert postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'appointment.place_changed'"
        " AND entity_id = %s", (appointment_id,),
    ).fetchone() == (1,)  # fmt: skip
    assert_no_bare_root(practice.everything_sent())


def manage_token_in(text: str) -> str:
    match = re.search(re.escape(SITE) + r"/booking/manage#token=([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


async def test_a_guest_gets_the_hold_e_mail_and_a_fresh_link_on_request(
    practice: Practice,
) -> None:
    room = "https://video.example.org/room/42"
    refused = await practice.client.post(
        "/api/v1/admin/services", headers=practice.owner,
        json={"slug": "other", "title": "Другая", "format": "online", "duration_minutes": 60,
              "price": "1.00", "meeting_url": "http://video.example.org/room/42"},
    )  # fmt: skip
    assert refused.status_code == 422  # a meeting link is https
    await practice.offer(format="online", meeting_url=room)
    booked = await practice.book(contact={"name": "Гость", "email": GUEST})
    appointment_id = booked["appointment"]["id"]

    held = await wait_for_mail(practice.inbox, GUEST)
    assert "Мы придержали для вас время" in held
    assert booked["payment"]["confirmation_url"] in held  # the payment link
    token = manage_token_in(held)
    assert token == booked["manage_token"]
    opened = await practice.client.get("/api/v1/appointments/managed",
                                       headers={"X-Manage-Token": token})  # fmt: skip
    assert opened.status_code == 200
    assert opened.json()["id"] == appointment_id
    by_id = await practice.client.get(f"/api/v1/appointments/{appointment_id}",
                                      headers={"X-Manage-Token": token})  # fmt: skip
    assert by_id.status_code == 200

    await practice.pay(booked)
    confirmed = await wait_for_mail(practice.inbox, GUEST, count=2)
    assert f"Онлайн, ссылка на встречу: {MEET}" in confirmed  # Meet wins over the room
    assert f"{SITE}/cabinet/appointments/{appointment_id}" in confirmed

    unknown = await practice.client.post("/api/v1/appointments/manage-link",
                                         json={"email": "nobody@example.org"})  # fmt: skip
    known = await practice.client.post("/api/v1/appointments/manage-link",
                                       json={"email": "Guest@Example.org"})  # fmt: skip
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    fresh = await wait_for_mail(practice.inbox, GUEST, count=3)
    assert "Вы запросили ссылку на запись Консультация" in fresh
    new_token = manage_token_in(fresh)
    assert new_token != token
    assert practice.inbox.texts_to("nobody@example.org") == []
    old = await practice.client.get("/api/v1/appointments/managed",
                                    headers={"X-Manage-Token": token})  # fmt: skip
    assert old.status_code == 404
    new = await practice.client.get("/api/v1/appointments/managed",
                                    headers={"X-Manage-Token": new_token})  # fmt: skip
    assert new.status_code == 200
    assert new.json()["meeting_url"] == MEET
    assert_no_bare_root(practice.everything_sent())


YOOKASSA = "https://api.yookassa.test/v3/"
CREATED = {"id": "yk-77", "status": "pending", "amount": {"value": "3500.00", "currency": "RUB"},
           "confirmation": {"type": "redirect",
                            "confirmation_url": "https://yoomoney.test/checkout/yk-77"}}  # fmt: skip


@respx.mock
async def test_yookassa_sends_the_client_back_to_the_appointments_page(
    database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    settings = make_settings(
        database_url, PAYMENTS_PROVIDER="yookassa", YOOKASSA_SHOP_ID="shop-1",
        YOOKASSA_SECRET_KEY="test_secret", YOOKASSA_API_URL=YOOKASSA, SITE_URL=SITE,
    )  # fmt: skip
    answers = [httpx.Response(200, json={**CREATED, "id": f"yk-{n}"}) for n in (77, 78)]
    route = respx.post(f"{YOOKASSA}payments").mock(side_effect=answers)
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = link_anna(postgresql)
    app = create_app(settings, core=build_core(settings, clock=FixedClock(NOW)))
    async with AsyncTestClient(app=app) as client:
        practice = Practice(client, RecordingSession(), FixedClock(NOW), owner, anna,
                            Inbox(0), GoogleStandIn())  # fmt: skip
        await practice.offer()
        mine = await practice.book(headers=anna)
        sent = json.loads(route.calls.last.request.content)
        back = sent["confirmation"]["return_url"]
        assert back == f"{SITE}/cabinet/appointments/{mine['appointment']['id']}"

        await client.post(f"/api/v1/appointments/{mine['appointment']['id']}/cancel",
                          json={}, headers=anna)  # fmt: skip
        guest = await practice.book(contact={"name": "Гость", "email": GUEST})
        sent = json.loads(route.calls.last.request.content)
        assert sent["confirmation"]["return_url"] == (
            f"{SITE}/booking/manage#token={guest['manage_token']}"
        )
    assert await eventually(lambda: route.call_count == 2)
