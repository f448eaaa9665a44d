"""The booking funnel's roll-up on real PostgreSQL: the dashboard's counts are the same
before, during and after roll-ups (buckets plus the events received since the mark), in
a zone half an hour off UTC too; an event whose transaction is still open is neither
skipped nor counted twice; retention removes the old quarter hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiosql
import psycopg

from tests.conftest import PROJECT_ROOT

QUERIES = aiosql.from_path(PROJECT_ROOT / "sql", "psycopg")
STEPS = ("booking.started", "booking.slot_selected", "booking.held", "booking.paid")
FROM, TO = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)

# The dashboard's answer computed from the events alone, as before the roll-up.
PLAIN = """
SELECT (occurred_at AT TIME ZONE %(tz)s)::date, coalesce(props ->> 'entry_point', 'web'),
       count(*) FILTER (WHERE event_name = 'booking.started'),
       count(*) FILTER (WHERE event_name = 'booking.slot_selected'),
       count(*) FILTER (WHERE event_name = 'booking.held'),
       count(*) FILTER (WHERE event_name = 'booking.paid')
FROM analytics_events
WHERE event_name = ANY(%(steps)s) AND occurred_at >= %(from)s AND occurred_at < %(to)s
GROUP BY 1, 2 ORDER BY 1, 2
"""


def _events(conn: psycopg.Connection[Any], count: int, received_ago: timedelta) -> None:
    """``count`` funnel events, one every 7 minutes 11 seconds from October 31st, 04:00."""
    conn.execute(
        """INSERT INTO analytics_events (event_name, occurred_at, received_at, props)
           SELECT (%(steps)s::text[])[1 + i %% 4],
                  %(start)s + i * interval '7 minutes 11 seconds',
                  now() - %(ago)s,
                  CASE WHEN i %% 3 = 0 THEN '{}'::jsonb
                       ELSE jsonb_build_object('entry_point',
                                               (ARRAY['telegram', 'article'])[1 + i %% 2])
                  END
           FROM generate_series(1, %(count)s) AS i""",
        {"steps": list(STEPS), "start": FROM - timedelta(hours=20), "ago": received_ago,
         "count": count},
    )  # fmt: skip
    conn.commit()


def _dashboard(conn: psycopg.Connection[Any], tz: str) -> list[tuple[Any, ...]]:
    [(since,)] = conn.execute(QUERIES.analytics.booking_funnel_mark.sql).fetchall()
    params = {"date_from": FROM, "date_to": TO, "tz": tz, "since": since}
    rows = conn.execute(QUERIES.analytics.booking_funnel.sql, params).fetchall()
    conn.commit()
    return [tuple(r) for r in rows]


def _plain(conn: psycopg.Connection[Any], tz: str) -> list[tuple[Any, ...]]:
    rows = conn.execute(PLAIN, {"tz": tz, "steps": list(STEPS), "from": FROM, "to": TO})
    answer = [tuple(r) for r in rows.fetchall()]
    conn.commit()
    return answer


def _roll_up(conn: psycopg.Connection[Any], settle: timedelta) -> tuple[int, datetime | None]:
    row = conn.execute(QUERIES.analytics.roll_up_booking_funnel.sql, {"settle": settle})
    found = row.fetchone()
    conn.commit()
    assert found is not None
    return found[0], found[1]


def test_the_dashboard_counts_the_same_before_during_and_after_roll_ups(
    postgresql: psycopg.Connection[Any],
) -> None:
    conn = postgresql
    _events(conn, 900, received_ago=timedelta(hours=3))
    before = _plain(conn, "Europe/Moscow")
    assert sum(r[2] + r[3] + r[4] + r[5] for r in before) > 600  # the rest: October
    assert _dashboard(conn, "Europe/Moscow") == before  # nothing rolled up yet

    # Two hours ago: the events received since (below) come after the mark, as real
    # ones do (an event's received_at is its transaction's start, never before the mark).
    counted, mark = _roll_up(conn, timedelta(hours=2))
    assert counted == 900
    assert mark is not None
    [(buckets,)] = conn.execute("SELECT count(*) FROM booking_funnel_buckets").fetchall()
    assert 0 < buckets < 900
    for tz in ("Europe/Moscow", "Asia/Kolkata", "America/St_Johns", "UTC"):
        assert _dashboard(conn, tz) == _plain(conn, tz), tz

    # More events arrive: some already old enough to roll up, some just now.
    _events(conn, 300, received_ago=timedelta(minutes=30))
    _events(conn, 200, received_ago=timedelta(0))
    assert _dashboard(conn, "Asia/Kolkata") == _plain(conn, "Asia/Kolkata")
    counted, _ = _roll_up(conn, timedelta(minutes=1))
    assert counted == 300  # the ones received just now wait for the next run
    assert _roll_up(conn, timedelta(minutes=1))[0] == 0  # nothing is counted twice
    assert _dashboard(conn, "Asia/Kolkata") == _plain(conn, "Asia/Kolkata")
    assert _roll_up(conn, timedelta(0))[0] == 200
    assert _dashboard(conn, "Europe/Moscow") == _plain(conn, "Europe/Moscow")


def test_an_event_of_a_transaction_still_open_is_counted_once_after_it_commits(
    postgresql: psycopg.Connection[Any],
) -> None:
    conn = postgresql
    _events(conn, 40, received_ago=timedelta(hours=1))
    with psycopg.connect(conn.info.dsn) as late:
        late.execute("SELECT 1")  # its transaction starts here: received_at = this start
        late.execute(
            "INSERT INTO analytics_events (event_name, occurred_at, props) "
            "VALUES ('booking.held', %s, '{}')",
            (FROM + timedelta(days=3),),
        )
        [(started,)] = late.execute("SELECT now()").fetchall()
        counted, mark = _roll_up(conn, timedelta(0))  # no margin: only the open one holds
        assert counted == 40
        assert mark is not None
        assert mark <= started
        late.commit()
    assert _dashboard(conn, "UTC") == _plain(conn, "UTC")  # seen among the newer events
    assert _roll_up(conn, timedelta(0))[0] == 1
    assert _roll_up(conn, timedelta(0))[0] == 0
    assert _dashboard(conn, "UTC") == _plain(conn, "UTC")


def test_retention_removes_the_quarter_hours_that_ended_before_its_cut(
    postgresql: psycopg.Connection[Any],
) -> None:
    conn = postgresql
    _events(conn, 600, received_ago=timedelta(hours=1))  # October 31st to November 3rd
    _roll_up(conn, timedelta(minutes=1))
    cut = FROM + timedelta(days=1, minutes=7)
    conn.execute(QUERIES.analytics.purge_booking_funnel.sql, {"before": cut})
    conn.commit()
    [(oldest,)] = conn.execute("SELECT min(bucket) FROM booking_funnel_buckets").fetchall()
    assert oldest == FROM + timedelta(days=1)  # the quarter hour the cut falls in stays
