"""The internal listener: served on its own port from start to stop, and a port that is
taken is a configuration error naming the setting."""

from __future__ import annotations

import socket

import httpx
import msgspec
import pytest
from litestar import Litestar

from app.adapters.http.internal import (
    InternalEndpoints,
    InternalListener,
    Probe,
    build_internal_app,
)
from app.config import ConfigError


class Report(msgspec.Struct):
    status: str


async def _live() -> Probe:
    return Probe(ok=True, report=Report("ok"))


async def _not_ready() -> Probe:
    return Probe(ok=False, report=Report("not_ready"))


async def _metrics() -> bytes:
    return b"balance_example 1.0\n"


def _app() -> Litestar:
    return build_internal_app(InternalEndpoints(_live, _not_ready, _metrics))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_listener_answers_between_start_and_stop() -> None:
    port = _free_port()
    listener = InternalListener(_app(), "127.0.0.1", port, variable="API_INTERNAL_PORT")
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            live = await client.get("/health/live")
            ready = await client.get("/health/ready")
            metrics = await client.get("/metrics")
            elsewhere = await client.get("/api/v1/content")
    finally:
        await listener.stop()
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (503, {"status": "not_ready"})
    assert ready.headers["cache-control"] == "no-store"
    assert metrics.text == "balance_example 1.0\n"
    assert metrics.headers["content-type"].startswith("text/plain")
    assert elsewhere.status_code == 404
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/health/live")


async def test_a_taken_port_is_a_configuration_error_naming_the_setting() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        listener = InternalListener(_app(), "127.0.0.1", port, variable="WORKER_INTERNAL_PORT")
        with pytest.raises(ConfigError) as error:
            await listener.start()
    assert error.value.variable == "WORKER_INTERNAL_PORT"
    assert f"cannot listen on 127.0.0.1:{port}" in str(error.value)
