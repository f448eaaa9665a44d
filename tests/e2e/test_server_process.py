"""Smoke: the real `python -m app serve` process starts and reports ready."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from app.config import PROJECT_ROOT

DEADLINE_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_server_answers_ready_and_stops_cleanly(database_url: str) -> None:
    port = _free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url, "HTTP_PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        response = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response is not None, "the server never answered"
        assert response.status_code == 200
        assert response.json()["status"] == "ready"
        assert "x-request-id" in response.headers
        assert "server" not in response.headers
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "Application shutdown complete." in err
    assert f"http://127.0.0.1:{port}/schema" in out
    assert "database_pool_closed" in err
