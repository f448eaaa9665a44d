"""Smoke: the real `python -m app serve` process starts, reports ready and serves its
metrics on the internal port (never on the public one), and stops cleanly on SIGTERM."""

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
    port, internal_port = _free_port(), _free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url, "HTTP_PORT": str(port),
           "API_INTERNAL_PORT": str(internal_port)}  # fmt: skip
    internal = f"http://127.0.0.1:{internal_port}"
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
                response = httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response is not None, "the server never answered"
        assert response.status_code == 200
        assert "x-request-id" in response.headers
        assert "server" not in response.headers
        ready = httpx.get(f"{internal}/health/ready", timeout=5)
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"
        metrics = httpx.get(f"{internal}/metrics", timeout=5)
        assert metrics.status_code == 200
        assert 'path="/health/live"' in metrics.text  # the request above, counted
        assert "balance_db_pool_connections" in metrics.text
        assert "server" not in metrics.headers
        # Neither is reachable through the public port (the one the proxy publishes).
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5).status_code == 404
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "Application shutdown complete." in err
    assert f"http://127.0.0.1:{port}/schema" in out
    assert "database_pool_closed" in err
    assert "internal_listener_stopped" in err
    assert f"{internal}/health/ready" in out


def test_a_taken_internal_port_stops_the_server_with_a_configuration_error(
    database_url: str,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        internal_port = taken.getsockname()[1]
        env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url,
               "HTTP_PORT": str(_free_port()), "API_INTERNAL_PORT": str(internal_port)}  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "app", "serve"], env=env, cwd=PROJECT_ROOT,
            capture_output=True, text=True, timeout=DEADLINE_SECONDS, check=False,
        )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert (
        f"configuration error: API_INTERNAL_PORT: cannot listen on 127.0.0.1:{internal_port}"
        in result.stderr
    )
