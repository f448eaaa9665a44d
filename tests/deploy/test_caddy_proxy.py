"""A request through the real proxy: ``caddy run`` with the project's Caddyfile (adapted
only by its environment: plain http on a free port, the upstream on this host) in front
of a real ``python -m app serve``. The proxy answers the public liveness probe, refuses
readiness and metrics, and the address the API counts rate limits against is the client
address Caddy put in X-Forwarded-For, not a value the client sent."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from pytest_postgresql.executors import NoopExecutor

from app.config import PROJECT_ROOT
from tests.conftest import PgServer, cloned_database
from tests.deploy.tools import deploy_tool

CADDYFILE = PROJECT_ROOT / "deploy" / "caddy" / "Caddyfile"
DEADLINE_SECONDS = 60
FORMS_LIMIT = 5  # POST /api/v1/leads and the other forms, a minute per client address


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    out, err = process.communicate(timeout=10)
    pytest.fail(f"{url} never answered 200:\n{out}\n{err}")


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


@pytest.fixture(scope="module")
def proxy_database(pg_server: PgServer, pg_template: NoopExecutor) -> Iterator[str]:
    """One migrated database for the module's one API process."""
    with cloned_database(pg_server, pg_template, f"proxy_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="module")
def proxy(proxy_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The proxy's base URL, Caddy in front of one API process."""
    caddy = deploy_tool("caddy")
    tmp_path = tmp_path_factory.mktemp("caddy")
    api_port, proxy_port = _free_port(), _free_port()
    api = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"],
        env={
            **os.environ,
            "APP_ENV": "test",
            "DATABASE_URL": proxy_database,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(api_port),
            "TRUSTED_PROXIES": "127.0.0.1",
            "RATE_LIMITS_ENABLED": "true",
            "API_INTERNAL_PORT": "0",  # no internal listener: parallel runs share the host
            "LOG_LEVEL": "WARNING",
        },
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proxy_process: subprocess.Popen[str] | None = None
    try:
        _wait_until_up(f"http://127.0.0.1:{api_port}/health/live", api)
        proxy_process = subprocess.Popen(
            [caddy, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env={
                **os.environ,
                "SITE_ADDRESS": f"http://127.0.0.1:{proxy_port}",
                "API_UPSTREAM_NAME": "127.0.0.1",
                "API_UPSTREAM_PORT": str(api_port),
                "CADDY_ADMIN": "off",
                "HOME": str(tmp_path),
                "XDG_DATA_HOME": str(tmp_path / "data"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{proxy_port}"
        _wait_until_up(f"{base}/health/live", proxy_process)
        yield base
    finally:
        if proxy_process is not None:
            _stop(proxy_process)
        _stop(api)


def _client_from(address: str) -> httpx.Client:
    """A client whose connections leave from ``address`` (any 127.x.y.z is this host)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=5)


def test_the_proxy_answers_liveness_from_the_api(proxy: str) -> None:
    response = httpx.get(f"{proxy}/health/live", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "x-request-id" in response.headers  # the API answered, not the proxy
    assert "server" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/metrics/",
        "//metrics",
        "/METRICS",
        "/health/ready",
        "/health//ready",
        "/health/ready?verbose=1",
        "/%6detrics",
        "/health/%72eady",
    ],
)
def test_the_proxy_refuses_readiness_and_metrics(proxy: str, path: str) -> None:
    response = httpx.get(f"{proxy}{path}", timeout=5)
    assert response.status_code == 404
    assert "x-request-id" not in response.headers  # refused before the API
    assert "balance_" not in response.text


def test_rate_limits_count_the_client_address_caddy_forwards(proxy: str) -> None:
    url = f"{proxy}/api/v1/leads"
    with _client_from("127.0.0.2") as first, _client_from("127.0.0.3") as second:
        answers = [first.post(url, json={}).status_code for _ in range(FORMS_LIMIT)]
        assert 429 not in answers, answers
        refused = first.post(url, json={})
        assert refused.status_code == 429
        assert "retry-after" in refused.headers
        # A header the client makes up is replaced by the proxy: no way around the limit.
        spoofed = first.post(url, json={}, headers={"X-Forwarded-For": "198.51.100.7"})
        assert spoofed.status_code == 429
        # Another client behind the same proxy has its own count (without the header,
        # the API would see every request coming from the proxy's one address).
        assert second.post(url, json={}).status_code != 429
