"""Booking end to end: a guest books, pays, reschedules and cancels with the policy's
refund; holds expire; 100 people racing for one slot get one booking; IDOR; intake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import Core, build_core, create_app
from app.config import Settings
from tests.conftest import FixedClock, make_settings
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in

# A Monday at 06:00 UTC (09:00 in Moscow): the practice opens in three hours.
NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
PERSONAL = {"consent_type": "personal_data", "granted": True, "document_version": "2026-01"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, DATABASE_POOL_MAX="20")


@pytest.fixture
def core(settings: Settings, clock: FixedClock) -> Core:
    return build_core(settings, clock=clock)


@pytest.fixture
async def client(settings: Settings, core: Core) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings, core=core)
    async with AsyncTestClient(app=app, timeout=60) as test_client:
        yield test_client


@pytest.fixture
async def service(client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]) -> str:
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    created = await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "buffer_after_minutes": 10,
              "cancel_free_hours": 24, "cancel_partial_hours": 6,
              "cancel_partial_refund_percent": 50, "reschedule_min_hours": 12,
              "status": "published"},
        headers=owner,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    for weekday in range(1, 8):
        rule = await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": weekday, "start_time": "09:00:00", "end_time": "18:00:00",
                  "timezone": "Europe/Moscow"},
            headers=owner,
        )  # fmt: skip
        assert rule.status_code == 201, rule.text
    return "konsultatsiya"


def guest(n: int = 1) -> dict[str, Any]:
    return {"contact": {"name": f"Гость {n}", "email": f"guest{n}@example.org"},
            "consents": [PERSONAL]}  # fmt: skip


async def hold(client: AsyncTestClient[Litestar], start: datetime, **extra: Any) -> Any:
    body = {"service_slug": "konsultatsiya", "start_at": start.isoformat(), "format": "online",
            **guest(), **extra}  # fmt: skip
    return await client.post("/api/v1/appointments", json=body)


async def test_guest_books_pays_reschedules_and_cancels_with_the_policy_refund(
    client: AsyncTestClient[Litestar], service: str, clock: FixedClock,
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    slots = await client.get(
        f"/api/v1/services/{service}/slots",
        params={"from": "2030-06-04T00:00:00+00:00", "to": "2030-06-05T00:00:00+00:00",
                "tz": "Asia/Yekaterinburg"},
    )  # fmt: skip
    assert slots.status_code == 200
    local = slots.json()["slots"]
    assert local[0] == "2030-06-04T11:00:00+05:00"  # 09:00 Moscow shown in Yekaterinburg time
    start = datetime.fromisoformat(local[0])

    first = await client.post(
        "/api/v1/appointments",
        json={
            "service_slug": service,
            "start_at": start.isoformat(),
            "format": "online",
            **guest(),
        },
        headers={"Idempotency-Key": "booking-attempt-0001"},
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["appointment"]["status"] == "pending_payment"
    assert body["appointment"]["hold_expires_at"] is not None
    token = body["manage_token"]
    retried = await client.post(
        "/api/v1/appointments",
        json={
            "service_slug": service,
            "start_at": start.isoformat(),
            "format": "online",
            **guest(),
        },
        headers={"Idempotency-Key": "booking-attempt-0001"},
    )
    assert retried.status_code == 201
    assert retried.json()["appointment"]["id"] == body["appointment"]["id"]
    assert retried.json()["manage_token"] == token

    appointment_id = body["appointment"]["id"]
    assert (await client.get(f"/api/v1/appointments/{appointment_id}")).status_code == 404
    pay = body["payment"]["confirmation_url"].split("/api/v1")[1]
    assert (await client.post(f"/api/v1{pay}")).status_code == 204
    mine = await client.get(
        f"/api/v1/appointments/{appointment_id}", headers={"X-Manage-Token": token}
    )
    assert mine.json()["status"] == "confirmed"

    moved = await client.post(
        f"/api/v1/appointments/{appointment_id}/reschedule",
        json={"start_at": (start + timedelta(days=1, hours=2)).isoformat()},
        headers={"X-Manage-Token": token},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "confirmed"  # the payment followed the booking
    new_id = moved.json()["id"]
    old = await client.get(
        f"/api/v1/appointments/{appointment_id}", headers={"X-Manage-Token": token}
    )
    assert old.status_code == 404  # the guest's link now manages the new appointment
    postgresql.commit()
    assert postgresql.execute(
        "SELECT status FROM appointments WHERE id = %(i)s", {"i": appointment_id}
    ).fetchone() == ("rescheduled",)

    clock.current = start + timedelta(days=1, hours=2) - timedelta(hours=10)  # 10 h before
    canceled = await client.post(
        f"/api/v1/appointments/{new_id}/cancel", json={}, headers={"X-Manage-Token": token}
    )
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["refund"] == {"amount": "1750.00", "currency": "RUB"}
    assert canceled.json()["appointment"]["status"] == "canceled"
    again = await client.post(
        f"/api/v1/appointments/{new_id}/cancel", json={}, headers={"X-Manage-Token": token}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"

    postgresql.commit()
    events = [r[0] for r in postgresql.execute("SELECT event_type FROM outbox_events ORDER BY id")]
    assert events == [
        "booking.appointment_held", "booking.appointment_confirmed",
        "booking.appointment_rescheduled", "booking.appointment_held",
        "booking.appointment_confirmed", "booking.appointment_canceled",
    ]  # fmt: skip
    assert postgresql.execute("SELECT amount::text, status FROM refunds").fetchall() == [
        ("1750.00", "succeeded")
    ]
    lead = postgresql.execute("SELECT count(*) FROM leads").fetchone()
    assert lead == (1,)  # the retried booking did not create a second lead


async def test_an_expired_hold_frees_the_slot(
    client: AsyncTestClient[Litestar], service: str, clock: FixedClock, settings: Settings
) -> None:
    start = datetime(2030, 6, 4, 7, 0, tzinfo=UTC)
    assert (await hold(client, start)).status_code == 201
    taken = await hold(client, start, **guest(2))
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_unavailable"

    clock.advance(minutes=16)
    other = build_core(settings, clock=clock)  # the worker, as another process would be
    await other.database.open()
    try:
        assert await other.booking.jobs.expire_holds(clock.now()) == 1
    finally:
        await other.database.close()
    assert (await hold(client, start, **guest(2))).status_code == 201


async def test_a_hundred_people_race_for_one_slot(
    client: AsyncTestClient[Litestar], service: str, postgresql: psycopg.Connection[Any]
) -> None:
    start = datetime(2030, 6, 5, 8, 0, tzinfo=UTC)
    answers = await asyncio.gather(*(hold(client, start, **guest(n)) for n in range(100)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 99
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"slot_unavailable"}
    # Overlapping but different starts: only one of them can be live.
    racers = [start + timedelta(hours=2, minutes=m) for m in (0, 30, 0, 30, 0, 30)]
    more = await asyncio.gather(*(hold(client, s, **guest(200 + n)) for n, s in enumerate(racers)))
    assert sorted(a.status_code for a in more).count(201) == 1
    postgresql.commit()
    overlapping = postgresql.execute(
        """SELECT count(*) FROM appointments a JOIN appointments b ON a.id < b.id
           AND a.blocked_period && b.blocked_period
           WHERE a.status IN ('pending_payment', 'confirmed')
             AND b.status IN ('pending_payment', 'confirmed')"""
    ).fetchone()
    assert overlapping == (0,)


async def test_clients_reach_only_their_own_appointments_and_intake_forms(
    client: AsyncTestClient[Litestar], service: str, postgresql: psycopg.Connection[Any]
) -> None:
    anna = bearer(signed_in(postgresql, "client", "anna@example.org", now=NOW))
    boris = bearer(signed_in(postgresql, "client", "boris@example.org", now=NOW))
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, t, true, '2026-01', 'web' FROM users,
                  unnest(ARRAY['personal_data', 'health_data']) AS t
           WHERE email IN ('anna@example.org', 'boris@example.org')"""
    )
    postgresql.commit()
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": service, "start_at": "2030-06-06T07:00:00+00:00", "format": "online"},
        headers=anna,
    )
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["appointment"]["id"]
    assert booked.json()["manage_token"] is None

    form = {"answers": {"request": "Тревога перед сном", "medications": "нет"}, "submit": False}
    saved = await client.put(
        f"/api/v1/appointments/{appointment_id}/intake-form", json=form, headers=anna
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["status"] == "draft"
    submitted = await client.put(
        f"/api/v1/appointments/{appointment_id}/intake-form",
        json={**form, "submit": True},
        headers=anna,
    )
    assert submitted.json()["status"] == "submitted"
    assert (
        await client.put(
            f"/api/v1/appointments/{appointment_id}/intake-form", json=form, headers=anna
        )
    ).status_code == 409

    for path in ("", "/intake-form"):
        assert (
            await client.get(f"/api/v1/appointments/{appointment_id}{path}", headers=boris)
        ).status_code == 404
    postgresql.commit()
    stored = postgresql.execute("SELECT payload_encrypted FROM intake_forms").fetchone()[0]  # type: ignore[index]
    assert stored.startswith("enc:v1:")
    assert "Тревога" not in stored

    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    read = await client.get(
        f"/api/v1/admin/appointments/{appointment_id}/intake-form", headers=owner
    )
    assert read.json()["answers"]["request"] == "Тревога перед сном"
    assert (
        await client.get(
            f"/api/v1/admin/appointments/{appointment_id}/intake-form", headers=assistant
        )
    ).status_code == 403
    postgresql.commit()
    assert postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'intake_form.read'"
    ).fetchone() == (1,)
    mine = (await client.get("/api/v1/me/appointments", headers=anna)).json()["items"]
    assert [a["id"] for a in mine] == [appointment_id]
    assert (await client.get("/api/v1/me/appointments", headers=boris)).json()["items"] == []


async def test_intake_form_needs_the_health_consent(
    client: AsyncTestClient[Litestar], service: str, postgresql: psycopg.Connection[Any]
) -> None:
    carl = bearer(signed_in(postgresql, "client", "carl@example.org", now=NOW))
    postgresql.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           SELECT id, 'personal_data', true, '2026-01', 'web' FROM users WHERE email = 'carl@example.org'"""
    )
    postgresql.commit()
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": service, "start_at": "2030-06-06T09:00:00+00:00", "format": "online"},
        headers=carl,
    )
    refused = await client.put(
        f"/api/v1/appointments/{booked.json()['appointment']['id']}/intake-form",
        json={"answers": {"x": 1}}, headers=carl,
    )  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["code"] == "consent_required"


async def test_bad_booking_input(client: AsyncTestClient[Litestar], service: str) -> None:
    naive = await hold(client, datetime(2030, 6, 4, 7, 0, tzinfo=UTC).replace(tzinfo=None))
    assert naive.status_code == 422
    no_consent = await client.post(
        "/api/v1/appointments",
        json={"service_slug": service, "start_at": "2030-06-04T07:00:00+00:00", "format": "online",
              "contact": {"name": "Гость", "email": "g@example.org"}},
    )  # fmt: skip
    assert no_consent.status_code == 403
    closed_hours = await hold(client, datetime(2030, 6, 4, 20, 0, tzinfo=UTC))
    assert closed_hours.status_code == 409
    too_long = await client.get(
        f"/api/v1/services/{service}/slots",
        params={"from": "2030-06-01T00:00:00+00:00", "to": "2030-07-15T00:00:00+00:00"},
    )
    assert too_long.status_code == 422
    unknown = await client.get("/api/v1/services/net-takoy/slots",
                               params={"from": "2030-06-01T00:00:00Z", "to": "2030-06-02T00:00:00Z"})  # fmt: skip
    assert unknown.status_code == 404


async def test_staff_run_the_day(
    client: AsyncTestClient[Litestar], service: str, clock: FixedClock,
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    editor = bearer(signed_in(postgresql, "editor", now=NOW))
    first = (await hold(client, datetime(2030, 6, 4, 7, 0, tzinfo=UTC))).json()["appointment"]["id"]
    second = (await hold(client, datetime(2030, 6, 4, 9, 0, tzinfo=UTC), **guest(2))).json()[
        "appointment"
    ]["id"]
    admin = "/api/v1/admin/appointments"
    assert (await client.post(f"{admin}/{first}/confirm", headers=editor)).status_code == 403
    confirmed = await client.post(f"{admin}/{first}/confirm", headers=assistant)
    assert confirmed.json()["status"] == "confirmed"
    moved = await client.post(
        f"{admin}/{second}/reschedule",
        json={"start_at": "2030-06-04T12:00:00+00:00"},
        headers=assistant,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["start_at"] == "2030-06-04T12:00:00Z"
    early = await client.post(f"{admin}/{first}/complete", headers=assistant)
    assert early.status_code == 409  # not started yet
    clock.current = datetime(2030, 6, 4, 8, 5, tzinfo=UTC)
    assistant = bearer(signed_in(postgresql, "assistant", now=clock.current))  # a new shift
    done = await client.post(f"{admin}/{first}/complete", headers=assistant)
    assert done.json()["status"] == "completed"
    listed = await client.get(
        admin,
        params={"from": "2030-06-04T00:00:00Z", "to": "2030-06-05T00:00:00Z"},
        headers=assistant,
    )
    assert sorted(a["status"] for a in listed.json()["items"]) == [
        "completed",
        "pending_payment",
        "rescheduled",
    ]
    assert (await client.post(f"{admin}/{first}/explode", headers=assistant)).status_code == 422
    postgresql.commit()
    actions = [r[0] for r in postgresql.execute("SELECT action FROM audit_log_entries ORDER BY id")]
    assert actions[-4:] == [
        "appointment.confirm", "appointment.reschedule", "appointment.complete",
        "appointment.list",  # the list shows the clients' contacts: the read is audited
    ]  # fmt: skip


async def test_free_slots_are_remembered_briefly_and_forgotten_on_a_booking_write(
    client: AsyncTestClient[Litestar], service: str, postgresql: psycopg.Connection[Any]
) -> None:
    # SLOTS_CACHE_SECONDS (2 by default): a change made elsewhere (here: straight in the
    # database) shows within that time; a hold through this process shows at once, and
    # a hold of a time taken elsewhere is still refused by the database.
    window = {"from": "2030-06-04T06:00:00+00:00", "to": "2030-06-04T09:00:00+00:00"}
    url = f"/api/v1/services/{service}/slots"
    first = (await client.get(url, params=window)).json()["slots"]
    assert first[0] == "2030-06-04T09:00:00+03:00"
    assert "2030-06-04T10:00:00+03:00" in first
    postgresql.execute(
        "INSERT INTO schedule_exceptions (id, period, kind, reason, created_at)"
        " VALUES (gen_random_uuid(), tstzrange('2030-06-04 06:00+00', '2030-06-04 07:00+00'),"
        " 'closed', NULL, now())"
    )
    postgresql.commit()
    assert (await client.get(url, params=window)).json()["slots"] == first
    refused = await hold(client, datetime(2030, 6, 4, 6, tzinfo=UTC))
    assert refused.status_code == 409, refused.text
    held = await hold(client, datetime(2030, 6, 4, 7, tzinfo=UTC))
    assert held.status_code == 201, held.text
    now_free = (await client.get(url, params=window)).json()["slots"]
    assert "2030-06-04T09:00:00+03:00" not in now_free
    assert "2030-06-04T10:00:00+03:00" not in now_free


async def test_a_crowd_racing_for_one_start_gets_one_hold_and_409s_until_it_is_freed(
    client: AsyncTestClient[Litestar], service: str, postgresql: psycopg.Connection[Any]
) -> None:
    # One request at a time asks the database about a contended start; once it is taken
    # the others are refused from memory; the winner's retry under its key gets its hold
    # back; a cancellation through this process frees the start for the next guest.
    start = datetime(2030, 6, 4, 8, tzinfo=UTC)
    answers = await asyncio.gather(*(hold(client, start, **guest(n)) for n in range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 11, statuses
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"slot_unavailable"}
    won = next(a for a in answers if a.status_code == 201).json()
    postgresql.commit()
    live = postgresql.execute(
        "SELECT count(*) FROM appointments WHERE start_at = %s"
        " AND status IN ('pending_payment', 'confirmed')",
        (start,),
    ).fetchone()
    assert live == (1,)

    key = {"Idempotency-Key": "crowd-winner-retry"}
    body = {"service_slug": "konsultatsiya", "start_at": start.isoformat(),
            "format": "online", **guest(99)}  # fmt: skip
    first = await client.post(
        "/api/v1/appointments", json=body | {"start_at": "2030-06-04T11:00:00+00:00"}, headers=key
    )
    assert first.status_code == 201, first.text
    loser = await hold(client, datetime(2030, 6, 4, 11, tzinfo=UTC), **guest(98))
    assert loser.status_code == 409
    retried = await client.post(
        "/api/v1/appointments", json=body | {"start_at": "2030-06-04T11:00:00+00:00"}, headers=key
    )
    assert retried.status_code == 201, retried.text
    assert retried.json()["appointment"]["id"] == first.json()["appointment"]["id"]

    canceled = await client.post(
        f"/api/v1/appointments/{won['appointment']['id']}/cancel", json={},
        headers={"X-Manage-Token": won["manage_token"]},
    )  # fmt: skip
    assert canceled.status_code == 200, canceled.text
    again = await hold(client, start, **guest(50))
    assert again.status_code == 201, again.text


async def test_a_start_freed_elsewhere_is_refused_until_that_process_announces_it(
    client: AsyncTestClient[Litestar], service: str, core: Core,
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    # A cancellation behind this process's back (straight in the database) is not heard:
    # the start stays refused from memory for at most SLOTS_CACHE_SECONDS. Another
    # process's write announces the slot lists, and this one forgets its refusals too.
    start = datetime(2030, 6, 4, 9, tzinfo=UTC)
    won = await hold(client, start, **guest(1))
    assert won.status_code == 201, won.text
    postgresql.execute(
        "UPDATE appointments SET status = 'canceled', canceled_at = now() WHERE id = %s",
        (won.json()["appointment"]["id"],),
    )
    postgresql.commit()
    assert (await hold(client, start, **guest(2))).status_code == 409
    assert core.memories.forget("slots")  # what the listener does on an announcement
    again = await hold(client, start, **guest(3))
    assert again.status_code == 201, again.text
