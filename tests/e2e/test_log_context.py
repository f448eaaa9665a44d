"""What the logs tell an operator about where a line came from: the process that wrote
it, and the HTTP request behind the work the worker does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.observability.logging import configure_logging
from app.application.ports import UnitOfWork
from app.application.request_id import working_for
from app.application.transactions import in_transaction
from app.application.worker import run_round
from app.bootstrap import Core
from app.config import PROJECT_ROOT
from app.domain.shared.events import DomainEvent
from tests.e2e.staff import signed_in

CRISIS_TEXT = "Мне очень плохо, я не хочу жить и не знаю, к кому обратиться"
REQUEST_ID = "req-trace-0001"


def test_every_worker_log_line_names_the_worker(database_url: str) -> None:
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url, "LOG_FORMAT": "json",
           "ENCRYPTION_KEYS": "k1:" + "A" * 43, "WORKER_INTERNAL_PORT": "0"}  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert worker.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("worker_started" in x for x in lines):
            lines.append(worker.stderr.readline())
        assert any("worker_started" in x for x in lines), "the worker did not start"
        worker.send_signal(signal.SIGTERM)
        _, rest = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, rest
    records = [json.loads(line) for line in [*lines, *rest.splitlines()] if line.strip()]
    assert {r["event"] for r in records} >= {"worker_started", "worker_stopped"}
    assert {r["service"] for r in records} == {"worker"}


def _json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


async def test_the_request_id_follows_an_event_through_the_worker(
    client: AsyncTestClient[Litestar],
    core: Core,
    postgresql: psycopg.Connection[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    signed_in(postgresql, "owner", now=datetime(2030, 6, 3, 6, 0, tzinfo=UTC))  # alerted
    asked = await client.post(
        "/api/v1/questions", json={"text": CRISIS_TEXT}, headers={"X-Request-ID": REQUEST_ID}
    )
    assert asked.status_code == 202, asked.text
    assert asked.headers["x-request-id"] == REQUEST_ID
    postgresql.commit()
    stored = postgresql.execute("SELECT event_type, request_id FROM outbox_events").fetchall()
    assert stored == [("moderation.crisis_question_received", REQUEST_ID)]

    capsys.readouterr()
    configure_logging("INFO", "json", service="worker")
    try:
        assert await core.relay.run_once() == 1  # the relay, once
        await run_round(core.relay, core.sender, core.scheduler)  # the alert it queued, sent
    finally:
        configure_logging("INFO", "console")
    lines = _json_lines(capsys.readouterr().err)

    handled = [line for line in lines if line["event"] == "outbox_event_handled"]
    assert len(handled) == 1
    assert handled[0]["request_id"] == REQUEST_ID
    assert handled[0]["event_type"] == "moderation.crisis_question_received"
    assert handled[0]["service"] == "worker"
    sent = [line for line in lines if line["event"] == "notification_sent"]
    assert sent, "the owner's alert was not sent"
    assert {line["request_id"] for line in sent} == {REQUEST_ID}
    postgresql.commit()
    queued = postgresql.execute("SELECT DISTINCT request_id FROM notification_deliveries")
    assert queued.fetchall() == [(REQUEST_ID,)]
    # Job runs in that round carry their own ids, not the request's.
    jobs = [line for line in lines if line["event"] == "job_finished"]
    assert jobs
    assert all(line["request_id"].startswith("job-") for line in jobs)


async def test_a_generated_request_id_is_stored_too(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    asked = await client.post(
        "/api/v1/questions", json={"text": CRISIS_TEXT}, headers={"X-Request-ID": "bad id!"}
    )
    assert asked.status_code == 202, asked.text
    generated = asked.headers["x-request-id"]
    assert generated != "bad id!"
    postgresql.commit()
    stored = postgresql.execute("SELECT request_id FROM outbox_events").fetchall()
    assert stored == [(generated,)]


def test_the_database_refuses_a_request_id_the_http_layer_would_not_make(
    postgresql: psycopg.Connection[Any],
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        postgresql.execute(
            "INSERT INTO outbox_events (event_id, event_type, aggregate_type, aggregate_id,"
            " payload, occurred_at, available_at, request_id) VALUES (gen_random_uuid(),"
            " 'test.event', 'test', '1', '{}', now(), now(), 'a b')"
        )


class Asked(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "test.asked"
    aggregate_type: ClassVar[str] = "test"


class Followed(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "test.followed"
    aggregate_type: ClassVar[str] = "test"


@pytest.mark.parametrize("request_id", ["req-chain-0001", None])
async def test_events_raised_while_handling_an_event_keep_its_request_id(
    core: Core, postgresql: psycopg.Connection[Any], request_id: str | None
) -> None:
    uow = core.unit_of_work(lambda s: s)

    def event(kind: type[DomainEvent]) -> DomainEvent:
        return kind(event_id=uuid.uuid4(), occurred_at=core.clock.now(), aggregate_id="1")

    async def follow(_: Asked) -> None:  # a handler that raises an event of its own
        await in_transaction(uow, lambda w: _publish(w, event(Followed)))

    core.handlers.subscribe(Asked, "test.follow", follow)
    asked = event(Asked)
    with working_for(request_id):  # as the HTTP layer does for a request (or not)
        await in_transaction(uow, lambda w: _publish(w, asked))
    assert await core.relay.run_once() == 1
    postgresql.commit()
    rows = dict(postgresql.execute("SELECT event_type, request_id FROM outbox_events").fetchall())
    assert rows["test.asked"] == request_id
    # The follow-up carries the request's id, or, when the event had none, the event's.
    assert rows["test.followed"] == (request_id or f"event-{asked.event_id.hex}")


async def _publish(w: UnitOfWork[Any], event: DomainEvent) -> None:
    w.publish(event)
