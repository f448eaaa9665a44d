"""`make restore-drill`: dump, restore into a scratch database, db-status clean, a known
encrypted row readable with the keyring, both databases dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from app.config import PROJECT_ROOT
from tests.conftest import PgServer

DRILL = PROJECT_ROOT / "scripts" / "restore_drill.py"


def _pg_bin() -> list[str]:
    """The embedded server is newer than the machine's pg_dump: use its own tools."""
    if os.environ.get("TEST_DATABASE_URL"):
        return []
    import pgserver  # noqa: PLC0415 (only for the embedded server)

    return ["--pg-bin", str(Path(pgserver.__file__).parent / "pginstall" / "bin")]


def test_restore_drill_passes_every_step_and_leaves_nothing_behind(pg_server: PgServer) -> None:
    server_url = pg_server.url("postgres")
    prefix = f"eb_drill_test_{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if k != "ENCRYPTION_KEYS"}
    result = subprocess.run(
        [sys.executable, str(DRILL), server_url, "--prefix", prefix, *_pg_bin()],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "restore-drill: 12 passed, 0 failed"
    assert any("db-status" in line and "0 pending" in line for line in lines)
    assert any(line.startswith("ok   read the note back") for line in lines)
    with psycopg.connect(server_url) as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{prefix}%",)
        ).fetchall()
    assert left == []


def test_a_server_it_cannot_reach_fails_the_drill_with_counted_checks() -> None:
    # Nothing listens on port 1: the first step fails, the drill stops there, tries to
    # drop what it may have made, and its summary and exit status say so.
    result = subprocess.run(
        [sys.executable, str(DRILL), "postgresql://postgres@127.0.0.1:1/postgres"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL create the source database" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "restore-drill: 0 passed, 3 failed"
