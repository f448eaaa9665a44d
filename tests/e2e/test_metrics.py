"""/metrics on the internal listeners: the API reports its requests by route template
(no ids or personal data in labels) and its pool; the worker reports the database-wide
queues, each job's last success and its own counters. The public API serves neither
/metrics nor /health/ready."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.application.worker import run_round
from app.bootstrap import Core
from tests.conftest import worker_internal_client


def samples(text: str) -> dict[str, float]:
    """``name{labels}`` -> value for every sample line of an exposition."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            found[series] = float(value)
    return found


async def test_the_public_api_serves_no_metrics_and_no_readiness(
    client: AsyncTestClient[Litestar],
) -> None:
    assert (await client.get("/metrics")).status_code == 404
    assert (await client.get("/health/ready")).status_code == 404
    assert (await client.get("/health/live")).status_code == 200


async def test_api_metrics_are_per_process_requests_by_template_and_the_pool(
    client: AsyncTestClient[Litestar], internal: AsyncTestClient[Litestar],
    postgresql: psycopg.Connection[Any],
) -> None:  # fmt: skip
    await client.get("/api/v1/content/article/kak-spravitsya-s-trevogoi")  # 404, by template
    postgresql.execute(
        """INSERT INTO notification_deliveries (channel, template_code, recipient_kind,
               recipient_id, dedupe_key, status, last_error)
           VALUES ('email', 'booking.confirmed', 'user', gen_random_uuid()::text, 'k1', 'failed',
                   'smtp_refused')"""
    )
    postgresql.commit()
    answer = await internal.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert 'path="/api/v1/content/{type_name}/{slug}"' in text, text[-3000:]
    assert "kak-spravitsya" not in text  # never the raw path
    values = samples(text)
    assert values["balance_db_pool_max_connections"] == 4
    assert values["balance_database_up"] == 1
    # Google Calendar is not configured: said so, with no "up" series to misread.
    assert values["balance_calendar_enabled"] == 0
    assert "balance_calendar_up" not in text
    # Database-wide figures are the worker's: API replicas do not each repeat them.
    assert "balance_notification_deliveries" not in text
    assert "balance_outbox" not in text
    assert "balance_job_last_success" not in text


async def test_each_request_is_counted_and_timed_once_by_method_template_and_status(
    client: AsyncTestClient[Litestar], internal: AsyncTestClient[Litestar]
) -> None:
    labels = 'app_name="balance",method="GET",path="/api/v1/content/{type_name}/{slug}"'
    missing = f'{{{labels},status_code="404"}}'
    running = f'{{{labels},status_code="200"}}'

    async def scrape() -> dict[str, float]:
        return samples((await internal.get("/metrics")).text)

    before = await scrape()
    for slug in ("net-takoi", "i-takoi-net"):
        assert (await client.get(f"/api/v1/content/article/{slug}")).status_code == 404
    after = await scrape()

    def grew(series: str) -> float:
        return after.get(series, 0) - before.get(series, 0)

    assert grew(f"balance_requests_total{missing}") == 2
    assert grew(f"balance_request_duration_seconds_count{missing}") == 2
    assert grew(f"balance_request_duration_seconds_sum{missing}") > 0
    assert after[f"balance_requests_in_progress{running}"] == 0  # answered, none open
    assert grew(f"balance_requests_error_total{missing}") == 0  # a 404 is no error


async def test_worker_metrics_report_the_queues_jobs_and_its_rounds(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    postgresql.execute(
        """INSERT INTO notification_deliveries (channel, template_code, recipient_kind,
               recipient_id, dedupe_key, status, last_error)
           VALUES ('email', 'booking.confirmed', 'user', gen_random_uuid()::text, 'k1', 'failed',
                   'smtp_refused')"""
    )
    postgresql.commit()
    await run_round(core.relay, core.sender, core.scheduler)
    core.worker_telemetry.round_finished(failed=False)
    async with worker_internal_client(core) as internal:
        text = (await internal.get("/metrics")).text
        ready = await internal.get("/health/ready")
        live = await internal.get("/health/live")
    values = samples(text)
    assert values['balance_notification_deliveries{channel="email",status="failed"}'] == 1
    assert values["balance_outbox_backlog_events"] == 0
    assert values["balance_outbox_parked_events"] == 0
    assert values["balance_outbox_lag_seconds"] == 0
    assert values["balance_queue_figures_up"] == 1
    assert values['balance_job_interval_seconds{periodic_job="booking.expire_holds"}'] == 60
    assert (
        values['balance_job_last_success_timestamp_seconds{periodic_job="booking.expire_holds"}']
        > 0
    )
    assert values["balance_worker_rounds_total"] == 1
    assert values["balance_worker_round_failures_total"] == 0
    assert values['balance_outbox_events_handled_total{outcome="parked"}'] == 0
    # No gauge pretends to be a counter, no value means "off".
    gauges = re.findall(r"^# TYPE (\S+) gauge$", text, re.MULTILINE)
    assert not [name for name in gauges if name.endswith("_total")]
    assert all(value >= 0 for value in values.values())
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    assert live.status_code == 200
    assert live.json()["status"] == "ok"


async def test_a_stuck_worker_is_not_live_and_a_failing_one_not_ready(core: Core) -> None:
    telemetry = core.worker_telemetry
    async with worker_internal_client(core) as internal:
        # Before any round: alive (it just started) but not ready.
        assert (await internal.get("/health/live")).status_code == 200
        not_yet = await internal.get("/health/ready")
        assert not_yet.status_code == 503
        assert not_yet.json()["reason"] == "no round has finished without an error yet"
        telemetry.round_finished(failed=True)
        assert (await internal.get("/health/ready")).status_code == 503
        assert (
            samples((await internal.get("/metrics")).text)["balance_worker_round_failures_total"]
            == 1
        )
        # A round that has not ended for longer than the limit: stuck.
        telemetry.last_round_at = telemetry.started_at - 10_000
        stuck = await internal.get("/health/live")
    assert stuck.status_code == 503
    assert stuck.json()["status"] == "stuck"
