"""The moderation queue's statement on real PostgreSQL: crisis and self-harm first, then
by SLA, paged after a position, only the asked status, each item once with its flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiosql
import psycopg

from tests.conftest import PROJECT_ROOT

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
QUERIES = aiosql.from_path(PROJECT_ROOT / "sql", "psycopg")


def _item(conn: psycopg.Connection[Any], label: str, hours: float, *flags: str,
          status: str = "pending") -> str:  # fmt: skip
    row = conn.execute(
        "INSERT INTO ugc_items (kind, text_encrypted, status, sla_due_at) "
        "VALUES ('question', %s, %s, %s) RETURNING id",
        (f"enc:v1:{label}", status, NOW + timedelta(hours=hours)),
    ).fetchone()
    assert row is not None
    for code in flags:
        conn.execute(
            "INSERT INTO ugc_triggers (ugc_item_id, code, source) VALUES (%s, %s, 'auto')",
            (row[0], code),
        )
    return str(row[0])


def _page(conn: psycopg.Connection[Any], limit: int, after: tuple[Any, ...] | None) -> list[Any]:
    urgent, due, item = after or (None, None, None)
    params = {"status": "pending", "after_urgent": urgent, "after_sla_due_at": due,
              "after_id": item, "limit": limit}  # fmt: skip
    return conn.execute(QUERIES.moderation.queue.sql, params).fetchall()


def test_the_queue_puts_crisis_first_then_sla_and_pages_without_gaps_or_repeats(
    postgresql: psycopg.Connection[Any],
) -> None:
    conn = postgresql
    names = {
        _item(conn, "later-crisis", 3, "crisis"): "later-crisis",
        _item(conn, "ordinary-soon", 0.5): "ordinary-soon",
        _item(conn, "self-harm", 1, "self_harm", "pii"): "self-harm",
        _item(conn, "spam", 1.5, "spam"): "spam",
        _item(conn, "ordinary-later", 4): "ordinary-later",
        _item(conn, "ordinary-mid", 2): "ordinary-mid",
        _item(conn, "answered-crisis", 0.1, "crisis", status="answered"): "answered-crisis",
    }
    conn.commit()

    whole = _page(conn, 50, None)
    assert [names[str(r[0])] for r in whole] == [
        "self-harm", "later-crisis", "ordinary-soon", "spam", "ordinary-mid", "ordinary-later",
    ]  # fmt: skip
    flags = {names[str(r[0])]: (list(r[6]), r[7]) for r in whole}
    assert flags["self-harm"] == (["pii", "self_harm"], True)
    assert flags["spam"] == (["spam"], False)
    assert flags["ordinary-soon"] == ([], False)

    for limit in (1, 2, 4):
        seen: list[str] = []
        after: tuple[Any, ...] | None = None
        while True:
            page = _page(conn, limit, after)
            assert len(page) <= limit
            seen += [names[str(r[0])] for r in page]
            if len(page) < limit:
                break
            last = page[-1]
            after = (last[7], last[4], last[0])  # (urgent, sla_due_at, id)
        assert seen == [names[str(r[0])] for r in whole], f"pages of {limit}"
