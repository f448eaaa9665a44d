"""What a guest is told: confirmation after payment and cancellation with the refund,
through the worker and a real SMTP server; reminders go out once."""

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

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
GUEST = "guest@example.org"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


async def test_guest_is_told_of_confirmation_and_cancellation(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any],
    clock: FixedClock, settings: Settings,
) -> None:  # fmt: skip
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "status": "published",
              "cancel_free_hours": 24},
        headers=owner,
    )  # fmt: skip
    await client.post(
        "/api/v1/admin/schedule-rules",
        json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
              "timezone": "Europe/Moscow"},
        headers=owner,
    )  # fmt: skip
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
              "format": "online", "timezone": "Europe/Moscow",
              "contact": {"name": "Гость", "email": GUEST},
              "consents": [{"consent_type": "personal_data", "granted": True,
                            "document_version": "2026-01"},
                           {"consent_type": "communications", "granted": True,
                            "document_version": "2026-01"}]},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    token = booked.json()["manage_token"]
    pay = booked.json()["payment"]["confirmation_url"].split("/api/v1")[1]
    held = await wait_for_mail(inbox, GUEST)  # the hold's message, with the links
    assert "Мы придержали для вас время" in held
    await client.post(f"/api/v1{pay}")
    confirmed = await wait_for_mail(inbox, GUEST, count=2)
    assert (
        "Оплата получена, запись подтверждена: Консультация, 04.06.2030 10:00 "
        "(Europe/Moscow, UTC+3)" in confirmed
    )

    clock.current = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)  # 23 h before: the job is due
    reminder = await wait_for_mail(inbox, GUEST, count=3)
    assert "Напоминаем о консультации" in reminder

    clock.current = NOW  # 25 hours before: a full refund
    appointment_id = booked.json()["appointment"]["id"]
    canceled = await client.post(
        f"/api/v1/appointments/{appointment_id}/cancel", json={},
        headers={"X-Manage-Token": token},
    )  # fmt: skip
    assert canceled.json()["refund"]["amount"] == "3500.00"
    told = await wait_for_mail(inbox, GUEST, count=4)
    assert "отменена" in told
    assert "Мы вернём 3500.00 RUB." in told


async def test_a_freed_slot_is_offered_to_the_first_matching_waitlist_request(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "status": "published"},
        headers=owner,
    )  # fmt: skip
    await client.post(
        "/api/v1/admin/schedule-rules",
        json={"weekday": 2, "start_time": "09:00:00", "end_time": "18:00:00",
              "timezone": "Europe/Moscow"},
        headers=owner,
    )  # fmt: skip
    consent = [{"consent_type": "personal_data", "granted": True, "document_version": "1"}]
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
              "format": "online", "contact": {"name": "Первая", "email": "first@example.org"},
              "consents": consent},
    )  # fmt: skip
    evening = await client.post(
        "/api/v1/waitlist",
        json={"service_slug": "konsultatsiya", "preferences": {"parts_of_day": ["evening"]},
              "contact": {"name": "Вечерняя", "email": "evening@example.org"}, "consents": consent},
    )  # fmt: skip
    assert evening.status_code == 201, evening.text
    morning = await client.post(
        "/api/v1/waitlist",
        json={"service_slug": "konsultatsiya",
              "preferences": {"days": [2], "parts_of_day": ["morning"]},
              "contact": {"name": "Утренняя", "email": "morning@example.org"}, "consents": consent},
    )  # fmt: skip
    assert morning.status_code == 201
    no_consent = await client.post(
        "/api/v1/waitlist",
        json={"service_slug": "konsultatsiya", "contact": {"name": "X", "email": "x@example.org"}},
    )
    assert no_consent.status_code == 403

    await client.post(
        f"/api/v1/appointments/{booked.json()['appointment']['id']}/cancel", json={},
        headers={"X-Manage-Token": booked.json()["manage_token"]},
    )  # fmt: skip
    offer = await wait_for_mail(inbox, "morning@example.org")
    assert "Освободилось время, которое вы ждали: Консультация, 04.06.2030 10:00" in offer
    assert inbox.texts_to("evening@example.org") == []

    rebook = {"service_slug": "konsultatsiya", "start_at": "2030-06-04T07:00:00+00:00",
              "format": "online", "contact": {"name": "Утренняя", "email": "morning@example.org"},
              "consents": consent}  # fmt: skip
    # A guest's booking is a request of its own: the e-mail typed (a claim) does not make
    # it the offered one, so the slot the offer keeps is taken for it ...
    assert (await client.post("/api/v1/appointments", json=rebook)).status_code == 409
    # ... until it carries the token of the offer's link.
    token = offer.split("#token=")[1].split()[0]
    rebooked = await client.post(
        "/api/v1/appointments", json={**rebook, "waitlist_offer_token": token}
    )
    assert rebooked.status_code == 201, rebooked.text
    postgresql.commit()
    assert dict(postgresql.execute(
        """SELECT i.value, w.status FROM waitlist_requests w
           JOIN lead_identities i ON i.id = w.contact_identity_id"""
    ).fetchall()) == {"evening@example.org": "active", "morning@example.org": "fulfilled"}  # fmt: skip
