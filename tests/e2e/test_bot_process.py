"""The real `python -m app bot` process: long polling against a Bot API stand-in (over
HTTP, through TELEGRAM_API_URL), its probes and metrics on BOT_INTERNAL_PORT, and a
clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.e2e.test_worker import free_port
from tests.telegram_api import TOKEN

DEADLINE_SECONDS = 30


class BotApi(BaseHTTPRequestHandler):
    """Answers getMe, deleteWebhook and getUpdates (empty, after a short wait, like a
    long poll with nothing new)."""

    calls: list[str] = []  # noqa: RUF012 (shared by the handler instances of one server)

    def do_POST(self) -> None:
        method = self.path.rsplit("/", 1)[-1]
        self.calls.append(method)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        result: object = True
        if method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Баланс",
                      "username": "balance_test_bot"}  # fmt: skip
        elif method == "getUpdates":
            time.sleep(0.3)
            result = []
        body = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bot_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_bot_process_serves_probes_and_metrics_and_stops_on_sigterm(
    database_url: str, bot_api: str
) -> None:
    internal_port = free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url,
           "ENCRYPTION_KEYS": "k1:" + "A" * 43, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_BOT_USERNAME": "balance_test_bot", "TELEGRAM_API_URL": bot_api,
           "BOT_INTERNAL_PORT": str(internal_port)}  # fmt: skip
    bot = subprocess.Popen(
        [sys.executable, "-m", "app", "bot"],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{internal_port}"
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        ready = None
        while time.monotonic() < deadline and bot.poll() is None:
            try:
                ready = httpx.get(f"{base}/health/ready", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            if ready.status_code == 200:
                break
            time.sleep(0.2)
        assert ready is not None, "the bot's internal listener never answered"
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "polling": True, "database": "ok"}
        assert httpx.get(f"{base}/health/live", timeout=5).json()["status"] == "ok"
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        assert "balance_bot_polling_up 1.0" in metrics
        assert "balance_database_up 1.0" in metrics
        assert "getUpdates" in BotApi.calls
        bot.send_signal(signal.SIGTERM)
        _, err = bot.communicate(timeout=30)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.communicate()
    assert bot.returncode == 0, err
    assert "internal_listener_stopped" in err
    assert "database_pool_closed" in err
