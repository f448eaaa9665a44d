"""A waitlist that can be seen: a client lists and leaves her requests; a freed slot is
offered by e-mail and Telegram with the link that takes it, kept for the client offered
it against another client while the offer stands, and taken by her; once the offer
lapses the slot is anybody's again. The real worker, SMTP server and recorded Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually, wait_for_mail
from tests.e2e.staff import signed_in
from tests.telegram_api import TOKEN, RecordingSession

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)  # a Monday
SLOT = "2030-06-05T07:00:00+00:00"  # Wednesday 10:00 in Moscow
SLOTS = "/api/v1/services/konsultatsiya/slots?from=2030-06-05T00:00:00Z&to=2030-06-06T00:00:00Z"
CHAT = 616161


@dataclass
class Practice:
    client: AsyncTestClient[Litestar]
    api: RecordingSession
    clock: FixedClock
    settings: Settings
    anna: dict[str, str]
    boris: dict[str, str]

    async def hold(self, who: dict[str, str], **extra: Any) -> Any:
        return await self.client.post(
            "/api/v1/appointments",
            json={"service_slug": "konsultatsiya", "start_at": SLOT, "format": "online",
                  "timezone": "Europe/Moscow", **extra},
            headers=who,
        )  # fmt: skip

    async def free_slot_offered(self, inbox: Inbox, to: str = "anna@example.org") -> str:
        """Boris books and pays the slot, Anna waits for it, Boris cancels: the worker
        offers it to the first in line (Anna unless told). Returns the offer e-mail."""
        booked = await self.hold(self.boris)
        assert booked.status_code == 201, booked.text
        pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
        await self.client.post(f"/api/v1{pay}")
        joined = await self.client.post(
            "/api/v1/waitlist", json={"service_slug": "konsultatsiya"}, headers=self.anna
        )
        assert joined.status_code == 201, joined.text
        canceled = await self.client.post(
            f"/api/v1/appointments/{booked.json()['appointment']['id']}/cancel", json={},
            headers=self.boris,
        )  # fmt: skip
        assert canceled.status_code == 200, canceled.text
        return await wait_for_mail(inbox, to)

    async def slots(self, who: dict[str, str] | None) -> list[str]:
        answer = await self.client.get(SLOTS, headers=who or {})
        assert answer.status_code == 200, answer.text
        return list(answer.json()["slots"])

    def telegram_texts(self) -> list[str]:
        return [r.text for r in self.api.requests if type(r).__name__ == "SendMessage"]  # type: ignore[attr-defined]


def client_with_telegram(
    db: psycopg.Connection[Any], email: str, chat: int | None
) -> dict[str, str]:
    headers = bearer(signed_in(db, "client", email, now=NOW))
    consents = ("personal_data", "telegram") if chat else ("personal_data",)
    for consent in consents:
        db.execute(
            """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
               SELECT id, %s, true, '2026-01', 'web' FROM users WHERE email = %s""",
            (consent, email),
        )
    if chat:
        db.execute(
            """INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id)
               SELECT %s, %s, id FROM users WHERE email = %s""",
            (chat, chat, email),
        )
    db.commit()
    return headers


@pytest.fixture
async def practice(
    database_url: str, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> AsyncIterator[Practice]:
    settings = mailing_settings(database_url, inbox, TELEGRAM_BOT_TOKEN=TOKEN,
                                TELEGRAM_WEBHOOK_SECRET="s3cret-webhook-token-0123456789")  # fmt: skip
    clock = FixedClock(NOW)
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    api = RecordingSession()
    core.telegram_bot.session = api
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = client_with_telegram(postgresql, "anna@example.org", CHAT)
    boris = client_with_telegram(postgresql, "boris@example.org", None)
    async with AsyncTestClient(app=create_app(settings, core=core)) as client:
        created = await client.post(
            "/api/v1/admin/services",
            json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
                  "duration_minutes": 60, "price": "3500.00", "status": "published"},
            headers=owner,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": 3, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        yield Practice(client, api, clock, settings, anna, boris)


async def test_a_client_lists_and_leaves_her_waitlist_requests(
    practice: Practice, postgresql: psycopg.Connection[Any]
) -> None:
    client, anna = practice.client, practice.anna
    joined = await client.post(
        "/api/v1/waitlist",
        json={"service_slug": "konsultatsiya", "preferences": {"parts_of_day": ["morning"]}},
        headers=anna,
    )
    request_id = joined.json()["id"]
    [mine] = (await client.get("/api/v1/me/waitlist", headers=anna)).json()["items"]
    assert (mine["id"], mine["service_slug"], mine["status"], mine["preferences"]) == (
        request_id, "konsultatsiya", "active", {"parts_of_day": ["morning"]})  # fmt: skip
    assert (await client.get("/api/v1/me/waitlist", headers=practice.boris)).json() == {
        "items": []}  # fmt: skip
    assert (await client.get("/api/v1/me/waitlist")).status_code == 401

    not_his = await client.delete(f"/api/v1/me/waitlist/{request_id}", headers=practice.boris)
    assert (not_his.status_code, not_his.json()["code"]) == (404, "not_found")
    left = await client.delete(f"/api/v1/me/waitlist/{request_id}", headers=anna)
    assert left.status_code == 204
    [mine] = (await client.get("/api/v1/me/waitlist", headers=anna)).json()["items"]
    assert mine["status"] == "canceled"
    again = await client.delete(f"/api/v1/me/waitlist/{request_id}", headers=anna)
    assert again.status_code == 404


async def test_the_offer_keeps_the_slot_for_the_client_offered_it(
    practice: Practice, inbox: Inbox
) -> None:
    mail = await practice.free_slot_offered(inbox)
    assert "Освободилось время, которое вы ждали: Консультация, 05.06.2030 10:00" in mail
    link = practice.settings.site_links.waitlist_offer("")
    assert link in mail
    token = mail.split(link)[1].split()[0]
    telegram = await eventually(
        lambda: [t for t in practice.telegram_texts() if t.startswith("Освободилось время")]
    )
    assert telegram == [
        "Освободилось время: Консультация, 05.06.2030 10:00 (Europe/Moscow, UTC+3). Записаться: "
        + practice.settings.site_links.waitlist_offer(token)
    ]
    offer = await practice.client.post("/api/v1/waitlist/offer", json={"token": token})
    assert offer.json()["start_at"] == "2030-06-05T07:00:00Z"
    garbage = await practice.client.post("/api/v1/waitlist/offer", json={"token": "nope"})
    assert garbage.status_code == 404
    [mine] = (await practice.client.get("/api/v1/me/waitlist", headers=practice.anna)).json()[
        "items"
    ]
    assert mine["status"] == "offered"
    assert mine["offer_expires_at"].startswith("2030-06-04T06:00:00")  # a day after the offer

    # Held for Anna: Boris (and anybody else) neither sees nor takes it.
    assert "2030-06-05T10:00:00+03:00" not in await practice.slots(practice.boris)
    assert "2030-06-05T10:00:00+03:00" not in await practice.slots(None)
    assert "2030-06-05T10:00:00+03:00" in await practice.slots(practice.anna)
    taken = await practice.hold(practice.boris)
    assert (taken.status_code, taken.json()["code"]) == (409, "slot_unavailable")

    held = await practice.hold(practice.anna)
    assert held.status_code == 201, held.text
    [mine] = (await practice.client.get("/api/v1/me/waitlist", headers=practice.anna)).json()[
        "items"
    ]
    assert mine["status"] == "fulfilled"


async def test_once_the_offer_lapses_the_slot_is_free_again(
    practice: Practice, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    await practice.free_slot_offered(inbox)
    assert (await practice.hold(practice.boris)).status_code == 409
    practice.clock.current = NOW + timedelta(hours=24, minutes=1)
    assert "2030-06-05T10:00:00+03:00" in await practice.slots(practice.boris)
    [mine] = (await practice.client.get("/api/v1/me/waitlist", headers=practice.anna)).json()[
        "items"
    ]
    assert mine["status"] == "expired"

    def stored() -> list[tuple[str]]:  # the worker's job records it too
        postgresql.commit()
        return postgresql.execute("SELECT status FROM waitlist_requests").fetchall()

    assert await eventually(lambda: stored() == [("expired",)])
    held = await practice.hold(practice.boris)
    assert held.status_code == 201, held.text


async def test_a_declined_offer_goes_to_the_next_in_line(
    practice: Practice, inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    carla = client_with_telegram(postgresql, "carla@example.org", None)
    await practice.client.post(
        "/api/v1/waitlist", json={"service_slug": "konsultatsiya"}, headers=carla
    )  # she joins first, but asks for evenings only
    await practice.client.post(
        "/api/v1/waitlist",
        json={"service_slug": "konsultatsiya", "preferences": {"parts_of_day": ["evening"]}},
        headers=practice.boris,
    )
    await practice.free_slot_offered(inbox, "carla@example.org")  # first in line: Carla
    assert inbox.texts_to("anna@example.org") == []
    [carlas] = (await practice.client.get("/api/v1/me/waitlist", headers=carla)).json()["items"]
    declined = await practice.client.delete(f"/api/v1/me/waitlist/{carlas['id']}", headers=carla)
    assert declined.status_code == 204
    mail = await wait_for_mail(inbox, "anna@example.org")  # next in line (Boris wants evenings)
    assert "Освободилось время" in mail
    assert "2030-06-05T10:00:00+03:00" not in await practice.slots(carla)
    assert "2030-06-05T10:00:00+03:00" in await practice.slots(practice.anna)
