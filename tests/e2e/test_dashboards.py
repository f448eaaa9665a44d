"""The owner's dashboards on a constructed data set with known answers, and the analytics
intake that feeds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiosql
import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from psycopg.types.json import Jsonb

from app.bootstrap import build_core
from app.config import Settings
from tests.conftest import PROJECT_ROOT, FixedClock
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in
from tests.integration import rows

NOW = datetime(2030, 6, 10, 9, 0, tzinfo=UTC)
DAY1 = datetime(2030, 6, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 3 June
LATE = datetime(2030, 6, 3, 22, 30, tzinfo=UTC)  # 01:30 on 4 June in Moscow
PERIOD = {"from": "2030-06-03", "to": "2030-06-04"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def event(db: psycopg.Connection[Any], name: str, at: datetime, entry: str = "web") -> None:
    db.execute(
        "INSERT INTO analytics_events (event_name, occurred_at, props) VALUES (%s, %s, %s)",
        (name, at, Jsonb({"entry_point": entry})),
    )


async def dashboard(client: AsyncTestClient[Litestar], owner: dict[str, str], name: str) -> Any:
    answer = await client.get(f"/api/v1/admin/dashboards/{name}", params=PERIOD, headers=owner)
    assert answer.status_code == 200, answer.text
    return answer.json()


def funnel_rows(answer: Any) -> list[tuple[Any, ...]]:
    return [
        (r["day"], r["entry_point"], r["started"], r["slot_selected"], r["held"], r["paid"])
        for r in answer["items"]
    ]


async def test_the_dashboards_count_what_happened(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    # Funnel: on 3 June (Moscow) three web starts, two slots, two holds, one payment and
    # a Telegram start and hold; on 4 June one web start (at 01:30 local, still 3 June
    # in UTC); one start outside the period.
    for name, count in (("booking.started", 3), ("booking.slot_selected", 2),
                        ("booking.held", 2), ("booking.paid", 1)):  # fmt: skip
        for _ in range(count):
            event(postgresql, name, DAY1)
    event(postgresql, "booking.started", DAY1, "telegram")
    event(postgresql, "booking.held", DAY1, "telegram")
    event(postgresql, "booking.started", LATE)
    event(postgresql, "booking.started", DAY1 - timedelta(days=5))
    # Interactives: four runs of one (three completed), two of another (none completed).
    for slug, runs, completed in (("anxiety-check", 4, 3), ("sleep-check", 2, 0)):
        definition, version = rows.interactive(postgresql, slug)
        for n in range(runs):
            done = n < completed
            postgresql.execute(
                """INSERT INTO interactive_runs (definition_id, version_id, anonymous_id,
                       started_at, status, completed_at, result_level)
                   VALUES (%s, %s, 'visitor-123456', %s, %s, %s, %s)""",
                (definition, version, DAY1, "completed" if done else "in_progress",
                 DAY1 + timedelta(minutes=3) if done else None, "low" if done else None),
            )  # fmt: skip
    # Moderation: first actions after 1 h, 2 h and 10 h with a 4 h SLA; one never handled.
    moderator = rows.user(postgresql)
    for first_action in (timedelta(hours=1), timedelta(hours=2), timedelta(hours=10), None):
        item = rows.one(
            postgresql,
            """INSERT INTO ugc_items (kind, text_encrypted, sla_due_at, created_at)
               VALUES ('question', 'enc:v1:x', %(due)s, %(at)s) RETURNING id""",
            {"due": DAY1 + timedelta(hours=4), "at": DAY1},
        )
        if first_action is not None:
            postgresql.execute(
                """INSERT INTO moderation_actions (ugc_item_id, actor_id, action, created_at)
                   VALUES (%s, %s, 'approve', %s)""",
                (item, moderator, DAY1 + first_action),
            )
    # No-shows: three completed and one no-show for one service in the period.
    service = rows.service(postgresql, "konsultatsiya")
    for n, status in enumerate(("completed", "completed", "completed", "no_show", "canceled")):
        rows.appointment(postgresql, service, DAY1 + timedelta(hours=2 * n), status=status)
    postgresql.commit()

    funnel = await dashboard(client, owner, "booking-funnel")
    assert funnel["timezone"] == "Europe/Moscow"
    assert funnel_rows(funnel) == [
        ("2030-06-03", "telegram", 1, 0, 1, 0),
        ("2030-06-03", "web", 3, 2, 2, 1),
        ("2030-06-04", "web", 1, 0, 0, 0),
    ]
    # The same after the roll-up job has counted them into quarter hours, and an event
    # received after it is added from the events themselves.
    queries = aiosql.from_path(PROJECT_ROOT / "sql", "psycopg")
    postgresql.execute(queries.analytics.roll_up_booking_funnel.sql, {"settle": timedelta(0)})
    event(postgresql, "booking.paid", DAY1, "telegram")
    postgresql.commit()
    [(buckets,)] = postgresql.execute("SELECT count(*) FROM booking_funnel_buckets").fetchall()
    assert buckets == 4  # web and telegram at DAY1, web at LATE and five days before
    rolled = await dashboard(client, owner, "booking-funnel")
    assert funnel_rows(rolled) == [
        ("2030-06-03", "telegram", 1, 0, 1, 1),
        ("2030-06-03", "web", 3, 2, 2, 1),
        ("2030-06-04", "web", 1, 0, 0, 0),
    ]
    interactives = await dashboard(client, owner, "interactives")
    assert [(r["slug"], r["started"], r["completed"], r["completion_rate"])
            for r in interactives["items"]] == [("anxiety-check", 4, 3, 0.75),
                                                ("sleep-check", 2, 0, 0.0)]  # fmt: skip
    sla = await dashboard(client, owner, "moderation-sla")
    assert (sla["items_total"], sla["items_handled"], sla["breaches"]) == (4, 3, 2)
    assert sla["median_seconds"] == 7200
    assert sla["p90_seconds"] == pytest.approx(30240)
    no_shows = await dashboard(client, owner, "no-show-rate")
    assert [(r["slug"], r["completed"], r["no_show"], r["no_show_rate"])
            for r in no_shows["items"]] == [("konsultatsiya", 3, 1, 0.25)]  # fmt: skip

    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    assert (await client.get("/api/v1/admin/dashboards/interactives",
                             headers=assistant)).status_code == 403  # fmt: skip
    backwards = await client.get("/api/v1/admin/dashboards/interactives",
                                 params={"from": "2030-06-05", "to": "2030-06-01"},
                                 headers=owner)  # fmt: skip
    assert backwards.status_code == 422
    assert (await client.get("/api/v1/admin/dashboards/revenue", headers=owner)).status_code in (
        400, 404, 422)  # fmt: skip


async def test_the_intake_takes_the_tracking_plan_and_refuses_personal_data(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    ok = await client.post(
        "/api/v1/events",
        json={"name": "booking.started", "anonymous_id": "visitor-123456",
              "deep_link_code": "AbCdEf123456", "props": {"entry_point": "telegram",
                                                         "service": "konsultatsiya"}},
    )  # fmt: skip
    assert ok.status_code == 202, ok.text
    for body in (
        {"name": "user.spied", "anonymous_id": "visitor-123456"},
        {"name": "page.viewed", "anonymous_id": "visitor-123456",
         "props": {"email": "a@b.ru"}},
        {"name": "page.viewed", "anonymous_id": "visitor-123456",
         "props": {"ref": "позвоните +7 999 123 45 67"}},
        {"name": "page.viewed", "anonymous_id": "visitor-123456", "props": {"nested": {"a": 1}}},
        {"name": "page.viewed", "anonymous_id": "x"},
    ):  # fmt: skip
        answer = await client.post("/api/v1/events", json=body)
        assert answer.status_code == 422, body
    postgresql.commit()
    assert postgresql.execute(
        "SELECT event_name, anonymous_id, deep_link_code, props FROM analytics_events"
    ).fetchall() == [("booking.started", "visitor-123456", "AbCdEf123456",
                      {"entry_point": "telegram", "service": "konsultatsiya"})]  # fmt: skip


async def test_retention_purges_old_events_and_handled_notifications(
    settings: Settings, clock: FixedClock, postgresql: psycopg.Connection[Any]
) -> None:
    for days_ago in (400, 10):
        event(postgresql, "page.viewed", NOW - timedelta(days=days_ago))
    for days_ago, processed in ((100, True), (100, False), (10, True)):
        postgresql.execute(
            """INSERT INTO provider_webhook_events (provider, event, object_id, received_at,
                                                    processed_at)
               VALUES ('yookassa', 'payment.succeeded', gen_random_uuid()::text, %s, %s)""",
            (NOW - timedelta(days=days_ago), NOW if processed else None),
        )
    postgresql.commit()
    core = build_core(settings, clock=clock)
    await core.database.open()
    try:
        await core.analytics.purge(NOW)
    finally:
        await core.database.close()
    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM analytics_events").fetchone() == (1,)
    assert postgresql.execute("SELECT count(*) FROM provider_webhook_events").fetchone() == (2,)
