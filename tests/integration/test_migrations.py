"""Migrations: the app's migrate, the yoyo CLI and the readiness probe agree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from app.adapters.postgres.migrations import (
    apply_migrations,
    migration_ids,
    migration_status,
    yoyo_url,
)
from app.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"
YOYO = str(Path(sys.executable).parent / "yoyo")

pytestmark = pytest.mark.migrations


def _run(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url}
    return subprocess.run(
        args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def _yoyo_list(database_url: str) -> dict[str, str]:
    """``yoyo list`` as {migration id: status letter}."""
    listed = _run([YOYO, "list", "--database", yoyo_url(database_url)], database_url)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()[2:] if line.strip()]
    return {row[1]: row[0] for row in rows}


def _applied_rows(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [r[0] for r in conn.execute("SELECT migration_id FROM _yoyo_migration ORDER BY 1")]


def test_migrate_applies_everything_then_is_a_no_op(empty_database_url: str) -> None:
    first = apply_migrations(empty_database_url, MIGRATIONS)
    assert first == migration_ids(MIGRATIONS)
    assert apply_migrations(empty_database_url, MIGRATIONS) == ()
    status = migration_status(empty_database_url, MIGRATIONS)
    assert status.pending == ()
    assert status.applied == migration_ids(MIGRATIONS)


def test_yoyo_cli_and_app_migrate_agree(empty_database_url: str) -> None:
    ids = migration_ids(MIGRATIONS)
    assert _yoyo_list(empty_database_url) == dict.fromkeys(ids, "U")

    url = yoyo_url(empty_database_url)
    applied = _run([YOYO, "apply", "--batch", "--database", url], empty_database_url)
    assert applied.returncode == 0, applied.stderr
    # The app sees yoyo's work as complete: nothing left to apply.
    assert migration_status(empty_database_url, MIGRATIONS).pending == ()
    cli = _run([sys.executable, "-m", "app", "migrate"], empty_database_url)
    assert cli.returncode == 0, cli.stderr
    assert "database is up to date" in cli.stdout
    assert _yoyo_list(empty_database_url) == dict.fromkeys(ids, "A")


def test_app_migrate_is_seen_by_yoyo_cli(empty_database_url: str) -> None:
    apply_migrations(empty_database_url, MIGRATIONS)
    assert _yoyo_list(empty_database_url) == dict.fromkeys(migration_ids(MIGRATIONS), "A")
    url = yoyo_url(empty_database_url)
    again = _run([YOYO, "apply", "--batch", "--database", url], empty_database_url)
    assert again.returncode == 0, again.stderr
    assert _applied_rows(empty_database_url) == sorted(migration_ids(MIGRATIONS))


def test_db_status_reports_pending_then_current(empty_database_url: str) -> None:
    before = _run([sys.executable, "-m", "app", "db-status"], empty_database_url)
    assert before.returncode == 1
    assert "0 applied" in before.stdout
    assert _run([sys.executable, "-m", "app", "migrate"], empty_database_url).returncode == 0
    after = _run([sys.executable, "-m", "app", "db-status"], empty_database_url)
    assert after.returncode == 0
    assert f"{len(migration_ids(MIGRATIONS))} applied, 0 pending" in after.stdout


def test_two_concurrent_migrate_runs_apply_each_migration_once(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": empty_database_url}
    # Output goes to files, not pipes: a pipe read only after the other process ends
    # fills up with the migrator's log and blocks it mid-migration while it holds the lock.
    logs = [(tmp_path / f"run{i}.out").open("w+") for i in range(2)]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "migrate"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for log in logs
    ]
    for run in runs:
        run.wait(timeout=180)
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read()[-4000:])
        log.close()
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert _applied_rows(empty_database_url) == sorted(migration_ids(MIGRATIONS))
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM yoyo_lock").fetchone() == (0,)


def test_the_ids_read_without_yoyo_are_yoyos_in_yoyos_order() -> None:
    from yoyo import read_migrations  # noqa: PLC0415 - the app does not load yoyo for this

    assert migration_ids(MIGRATIONS) == tuple(m.id for m in read_migrations(str(MIGRATIONS)))
