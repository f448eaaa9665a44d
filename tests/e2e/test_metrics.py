"""/metrics: requests by route template (no ids or personal data in labels), the pool,
the outbox and deliveries, refreshed at each scrape."""

from __future__ import annotations

from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient


async def test_metrics_report_routes_by_template_and_the_queues(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await client.get("/api/v1/content/article/kak-spravitsya-s-trevogoi")  # 404, by template
    await client.get("/health/live")
    postgresql.execute(
        """INSERT INTO notification_deliveries (channel, template_code, recipient_kind,
               recipient_id, dedupe_key, status, last_error)
           VALUES ('email', 'booking.confirmed', 'user', gen_random_uuid()::text, 'k1', 'failed',
                   'smtp_refused')"""
    )
    postgresql.commit()
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert 'path="/api/v1/content/{type_name}/{slug}"' in text, text[-3000:]
    assert "kak-spravitsya" not in text  # never the raw path
    assert 'balance_db_pool{state="pool_size"}' in text
    assert 'balance_outbox_events{state="backlog"} 0.0' in text
    assert 'balance_notification_deliveries{channel="email",status="failed"} 1.0' in text
    assert "balance_calendar_up -1.0" in text
    assert "balance_metrics_database_up 1.0" in text
    assert "/metrics" not in (await client.get("/schema/openapi.json")).text
