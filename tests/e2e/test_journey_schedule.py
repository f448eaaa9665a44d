"""The schedule the owner can see and change: weekly hours and holidays listed, edited
(with versions) and deleted; the practice's time zone setting moves the working hours,
DST included."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import FixedClock
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in
from tests.e2e.test_telegram_notifications import Practice, practice  # noqa: F401 (fixture)

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)  # a Monday
SUMMER_TUESDAY = {"from": "2030-06-04T00:00:00Z", "to": "2030-06-05T00:00:00Z", "tz": "UTC"}
WINTER_TUESDAY = {"from": "2030-11-05T00:00:00Z", "to": "2030-11-06T00:00:00Z", "tz": "UTC"}
SLOTS = "/api/v1/services/konsultatsiya/slots"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


async def _slots(client: AsyncTestClient[Litestar], params: dict[str, str]) -> list[str]:
    found = await client.get(SLOTS, params=params)
    assert found.status_code == 200, found.text
    return list(found.json()["slots"])


async def test_the_practice_zone_governs_working_hours_and_rules_are_edited(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    created = await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "status": "published",
              "horizon_days": 365},
        headers=owner,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    rule = await client.post(
        "/api/v1/admin/schedule-rules",
        json={"weekday": 2, "start_time": "10:00:00", "end_time": "12:00:00"},
        headers=owner,
    )  # fmt: skip
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]

    # Seeded zone: Moscow. 10:00 there is 07:00 UTC; shown in the practice's zone by default.
    assert await _slots(client, SUMMER_TUESDAY) == ["2030-06-04T07:00:00+00:00",
                                                    "2030-06-04T07:30:00+00:00",
                                                    "2030-06-04T08:00:00+00:00"]  # fmt: skip
    default = await client.get(SLOTS, params={k: v for k, v in SUMMER_TUESDAY.items() if k != "tz"})
    assert default.json()["tz"] == "Europe/Moscow"
    assert default.json()["slots"][0] == "2030-06-04T10:00:00+03:00"

    # She moves to Berlin: the same 10:00–12:00 now means Berlin time, DST-correct.
    moved = await client.put(
        "/api/v1/admin/settings/practitioner.timezone", json={"value": "Europe/Berlin"},
        headers=owner,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert (await _slots(client, SUMMER_TUESDAY))[0] == "2030-06-04T08:00:00+00:00"  # CEST
    assert (await _slots(client, WINTER_TUESDAY))[0] == "2030-11-05T09:00:00+00:00"  # CET
    local = await client.get(SLOTS, params={k: v for k, v in SUMMER_TUESDAY.items() if k != "tz"})
    assert local.json()["slots"][0] == "2030-06-04T10:00:00+02:00"
    rules = (await client.get("/api/v1/admin/schedule-rules", headers=owner)).json()["items"]
    assert [(r["id"], r["timezone"], r["version"]) for r in rules] == [
        (rule_id, "Europe/Berlin", 1)
    ]

    # The afternoon instead of the morning.
    changed = await client.put(
        f"/api/v1/admin/schedule-rules/{rule_id}",
        json={"weekday": 2, "start_time": "14:00:00", "end_time": "16:00:00"},
        headers={**owner, "If-Match": "1"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    assert (await _slots(client, SUMMER_TUESDAY))[0] == "2030-06-04T12:00:00+00:00"
    stale = await client.put(
        f"/api/v1/admin/schedule-rules/{rule_id}",
        json={"weekday": 2, "start_time": "09:00:00", "end_time": "11:00:00"},
        headers={**owner, "If-Match": "1"},
    )  # fmt: skip
    assert stale.status_code == 412  # Precondition Failed: someone changed it first
    unknown = await client.put(
        "/api/v1/admin/schedule-rules/00000000-0000-4000-8000-000000000000",
        json={"weekday": 2, "start_time": "09:00:00", "end_time": "11:00:00"}, headers=owner,
    )  # fmt: skip
    assert unknown.status_code == 404
    removed = await client.delete(f"/api/v1/admin/schedule-rules/{rule_id}", headers=owner)
    assert removed.status_code == 204
    assert await _slots(client, SUMMER_TUESDAY) == []


async def test_a_holiday_is_listed_edited_and_deleted(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    client_token = bearer(signed_in(postgresql, "client", now=NOW))
    await client.post(
        "/api/v1/admin/services",
        json={"slug": "konsultatsiya", "title": "Консультация", "format": "online",
              "duration_minutes": 60, "price": "3500.00", "status": "published"},
        headers=owner,
    )  # fmt: skip
    for weekday in (2, 3):
        await client.post(
            "/api/v1/admin/schedule-rules",
            json={"weekday": weekday, "start_time": "10:00:00", "end_time": "12:00:00"},
            headers=owner,
        )  # fmt: skip
    wednesday = {"from": "2030-06-05T00:00:00Z", "to": "2030-06-06T00:00:00Z", "tz": "UTC"}
    assert await _slots(client, SUMMER_TUESDAY)
    holiday = await client.post(
        "/api/v1/admin/schedule-exceptions",
        json={"start_at": "2030-06-03T21:00:00Z", "end_at": "2030-06-04T21:00:00Z",
              "kind": "closed", "reason": "Праздник"},
        headers=owner,
    )  # fmt: skip
    assert holiday.status_code == 201, holiday.text
    holiday_id = holiday.json()["id"]
    assert await _slots(client, SUMMER_TUESDAY) == []

    june = {"from": "2030-06-01T00:00:00Z", "to": "2030-07-01T00:00:00Z"}
    listed = await client.get("/api/v1/admin/schedule-exceptions", params=june, headers=assistant)
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == [
        {"id": holiday_id, "start_at": "2030-06-03T21:00:00Z", "end_at": "2030-06-04T21:00:00Z",
         "kind": "closed", "reason": "Праздник", "version": 1}
    ]  # fmt: skip
    july = {"from": "2030-07-01T00:00:00Z", "to": "2030-08-01T00:00:00Z"}
    assert (await client.get("/api/v1/admin/schedule-exceptions", params=july,
                             headers=owner)).json()["items"] == []  # fmt: skip
    forbidden = await client.get(
        "/api/v1/admin/schedule-exceptions", params=june, headers=client_token
    )
    assert forbidden.status_code == 403

    # The holiday was entered on the wrong day: moved to Wednesday.
    fixed = await client.put(
        f"/api/v1/admin/schedule-exceptions/{holiday_id}",
        json={"start_at": "2030-06-04T21:00:00Z", "end_at": "2030-06-05T21:00:00Z",
              "kind": "closed", "reason": "Праздник"},
        headers={**owner, "If-Match": "1"},
    )  # fmt: skip
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["version"] == 2
    assert await _slots(client, SUMMER_TUESDAY)
    assert await _slots(client, wednesday) == []
    stale = await client.put(
        f"/api/v1/admin/schedule-exceptions/{holiday_id}",
        json={"start_at": "2030-06-03T21:00:00Z", "end_at": "2030-06-04T21:00:00Z",
              "kind": "closed"},
        headers={**owner, "If-Match": "1"},
    )  # fmt: skip
    assert stale.status_code == 412  # Precondition Failed: someone changed it first
    listed = await client.get("/api/v1/admin/schedule-exceptions", params=june, headers=owner)
    assert [(e["start_at"], e["version"]) for e in listed.json()["items"]] == [
        ("2030-06-04T21:00:00Z", 2)
    ]

    gone = await client.delete(f"/api/v1/admin/schedule-exceptions/{holiday_id}", headers=owner)
    assert gone.status_code == 204
    assert (await client.get("/api/v1/admin/schedule-exceptions", params=june,
                             headers=owner)).json()["items"] == []  # fmt: skip
    assert await _slots(client, wednesday)
    postgresql.commit()
    actions = [r[0] for r in postgresql.execute(
        "SELECT action FROM audit_log_entries WHERE entity_type = 'schedule_exception' "
        "ORDER BY id")]  # fmt: skip
    assert actions == ["schedule_exception.create", "schedule_exception.update",
                       "schedule_exception.delete"]  # fmt: skip


async def test_the_bot_shows_times_in_the_practice_zone(practice: Practice) -> None:  # noqa: F811
    """The bot reads the setting too: after a move to Yekaterinburg, the same rule
    (09:00–18:00 wall-clock) is offered at 09:00 Yekaterinburg time, and said so."""
    moved = await practice.client.put(
        "/api/v1/admin/settings/practitioner.timezone", json={"value": "Asia/Yekaterinburg"},
        headers=practice.owner,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    await practice.offer(2)
    await practice.command("/book")
    [(_, service_data)] = practice.last_buttons()
    await practice.press(service_data)
    assert practice.texts()[-1] == (
        "Ближайшее свободное время (часовой пояс Asia/Yekaterinburg, UTC+05:00):"
    )
    labels = [label for label, _ in practice.last_buttons()]
    assert labels[:2] == ["04.06 09:00", "04.06 09:30"]
    [(_, first)] = [b for b in practice.last_buttons() if b[0] == "04.06 09:00"]
    assert first.endswith(f":{int(datetime(2030, 6, 4, 4, 0, tzinfo=UTC).timestamp())}")
    await practice.press(first)
    assert practice.texts()[-1].startswith(
        "Время придержано: Консультация, 04.06.2030 09:00 (Asia/Yekaterinburg, UTC+5)."
    )
