"""The whole event flow with the real worker: a use case raises an event, the relay
hands it to a handler, the handler queues an e-mail, the sender delivers it over SMTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from email.message import Message
from typing import Any, ClassVar

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from app.application.ports import NotificationRequest, UnitOfWork
from app.application.transactions import in_transaction
from app.bootstrap import build_core
from app.config import PROJECT_ROOT
from app.domain.shared.events import DomainEvent
from tests.conftest import internal_client, make_settings


class CodeRequested(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "test.code_requested"
    aggregate_type: ClassVar[str] = "login_code"


class Inbox(MessageHandler):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.messages: list[Message] = []
        self.arrived = asyncio.Event()
        self._loop = loop

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)
        self._loop.call_soon_threadsafe(self.arrived.set)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_event_to_email_through_the_worker(database_url: str) -> None:
    port = free_port()
    inbox = Inbox(asyncio.get_running_loop())
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    settings = make_settings(
        database_url, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=str(port),
        SMTP_TLS="none", EMAIL_FROM="Эмоциональный баланс <hello@example.org>",
    )  # fmt: skip
    core = build_core(settings)
    uow = core.unit_of_work(lambda s: s)

    async def send_code(event: CodeRequested) -> None:  # a context's event handler
        async def work(w: UnitOfWork[Any]) -> None:
            await w.notifications.enqueue(
                NotificationRequest(
                    channel="email",
                    template_code="auth.login_code",
                    recipient_kind="login_code",
                    recipient_id=event.aggregate_id,
                    dedupe_key=f"login_code:{event.aggregate_id}:email",
                    to="anna@example.org",
                    variables={"code": "271828"},
                )
            )

        await in_transaction(uow, work)

    core.handlers.subscribe(CodeRequested, "auth.send_code", send_code)
    await core.database.open()
    stop = asyncio.Event()
    worker = asyncio.ensure_future(core.run_worker(stop))
    try:

        async def request_code(w: UnitOfWork[Any]) -> None:  # a context's use case
            w.publish(CodeRequested(event_id=uuid.uuid4(), occurred_at=core.clock.now(),
                                    aggregate_id=str(uuid.uuid4())))  # fmt: skip

        await in_transaction(uow, request_code)
        await asyncio.wait_for(inbox.arrived.wait(), timeout=20)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
        await core.database.close()
        smtp.stop()
    assert len(inbox.messages) == 1
    assert "271828" in inbox.messages[0].get_payload()[0].get_payload(decode=True).decode()


def test_worker_process_serves_probes_and_metrics_and_stops_cleanly_on_sigterm(
    database_url: str,
) -> None:
    internal_port = free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url,
           "ENCRYPTION_KEYS": "k1:" + "A" * 43, "WORKER_INTERNAL_PORT": str(internal_port)}  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{internal_port}"
    try:
        deadline = time.monotonic() + 30
        started = False
        assert worker.stderr is not None
        while time.monotonic() < deadline and not started:
            line = worker.stderr.readline()
            started = "worker_started" in line
        assert started, "the worker did not start"
        live = httpx.get(f"{base}/health/live", timeout=5)
        assert live.status_code == 200, live.text
        assert live.json()["status"] == "ok"
        # The first round runs every job (none has run in this database yet).
        metrics = ""
        while time.monotonic() < deadline and "balance_worker_rounds_total 0.0" in (
            metrics := httpx.get(f"{base}/metrics", timeout=5).text
        ):
            time.sleep(0.2)
        assert (
            'balance_job_last_success_timestamp_seconds{periodic_job="booking.expire_holds"}'
            in metrics
        )
        assert (
            'balance_job_interval_seconds{periodic_job="outbox.purge_processed"} 3600.0' in metrics
        )
        assert "balance_outbox_backlog_events 0.0" in metrics
        assert "balance_worker_round_failures_total 0.0" in metrics
        assert httpx.get(f"{base}/health/ready", timeout=5).json()["status"] == "ready"
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "worker_stopped" in err


async def test_serve_runs_the_worker_in_process_in_dev(database_url: str, postgresql: Any) -> None:
    from litestar.testing import AsyncTestClient  # noqa: PLC0415

    from app.bootstrap import create_app  # noqa: PLC0415

    settings = make_settings(database_url, WORKER_IN_PROCESS="true")
    queuing = build_core(settings)  # the app below owns its own pool

    async def queue(w: UnitOfWork[Any]) -> None:
        await w.notifications.enqueue(
            NotificationRequest(
                channel="email",
                template_code="auth.login_code",
                recipient_kind="login_code",
                recipient_id="1",
                dedupe_key="dev:1",
                to="dev@example.org",
                variables={"code": "314159"},
            )
        )

    await queuing.database.open()
    try:
        await in_transaction(queuing.unit_of_work(lambda s: s), queue)
    finally:
        await queuing.database.close()
    app = create_app(settings)
    async with AsyncTestClient(app=app) as main, internal_client(app, main) as internal:
        assert (await internal.get("/health/ready")).status_code == 200
        # The worker runs here, so the API's metrics carry its figures too.
        metrics = (await internal.get("/metrics")).text
        assert "balance_outbox_backlog_events" in metrics
        assert "balance_worker_rounds_total" in metrics
        status = None
        for _ in range(100):
            postgresql.commit()
            status = postgresql.execute("SELECT status FROM notification_deliveries").fetchone()
            if status == ("sent",):
                break
            await asyncio.sleep(0.1)
    assert status == ("sent",)
