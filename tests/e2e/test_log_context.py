"""What the logs tell an operator about where a line came from: the process that wrote
it, and the HTTP request behind the work the worker does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from app.config import PROJECT_ROOT


def test_every_worker_log_line_names_the_worker(database_url: str) -> None:
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url, "LOG_FORMAT": "json",
           "ENCRYPTION_KEYS": "k1:" + "A" * 43}  # fmt: skip
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
