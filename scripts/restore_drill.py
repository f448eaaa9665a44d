"""Restore drill: prove a backup of the database can be restored and read.

Against a PostgreSQL server (``postgresql://postgres@127.0.0.1:5432/postgres`` by
default) it creates a scratch database, migrates it with ``python -m app migrate``,
writes a known row with an encrypted (P2) value through the application's own code
(a CRM lead with a staff note, under the keyring), dumps it with ``pg_dump -Fc``,
restores the dump into a second scratch database with ``pg_restore``, checks
``python -m app db-status`` there (exit 0, nothing pending), reads the row back through
the application with the keyring, and drops both databases. One check per step; the
last line is ``restore-drill: N passed, N failed`` and the exit status is 1 if any
failed.

    python scripts/restore_drill.py [SERVER_URL] [--pg-bin DIR] [--prefix NAME]

``ENCRYPTION_KEYS`` is used when set (so the drill can prove an operator's keyring);
otherwise a fresh key is generated for the run. ``--pg-bin`` (or ``PG_BIN``) names the
directory of ``pg_dump``/``pg_restore`` when those on PATH are older than the server.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import subprocess
import sys
import tempfile
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from app.adapters.crypto.aesgcm import generate_key  # noqa: E402
from app.adapters.observability.logging import configure_logging  # noqa: E402
from app.application.access import Principal  # noqa: E402
from app.application.crm.service import ManualLead  # noqa: E402
from app.bootstrap import build_core  # noqa: E402
from app.config import Settings, load_settings  # noqa: E402
from app.domain.identity.model import Role  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
LEAD_NAME = "Restore Drill"
LEAD_EMAIL = "restore-drill@example.org"
STEP_TIMEOUT = 300


class DrillFailure(Exception):
    """A step did not give what it must."""


def database_url(server_url: str, dbname: str) -> str:
    """``server_url`` with its database replaced by ``dbname`` (query kept: a socket host)."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + quote(dbname, safe="")))


def settings_for(url: str, keyring: str) -> Settings:
    return load_settings(
        {
            "APP_ENV": "test",
            "DATABASE_URL": url,
            "DATABASE_POOL_MIN": "1",
            "DATABASE_POOL_MAX": "2",
            "ENCRYPTION_KEYS": keyring,
            "LOG_LEVEL": "WARNING",
        }
    )


def run_cli(args: list[str], url: str, keyring: str) -> subprocess.CompletedProcess[str]:
    """``python -m app <args>`` against ``url``, as an operator runs it."""
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": url,
        "ENCRYPTION_KEYS": keyring,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )


def run_tool(command: list[str]) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False
    )
    if result.returncode != 0:
        raise DrillFailure(f"{Path(command[0]).name} exited {result.returncode}: {result.stderr}")


async def write_known_row(url: str, keyring: str, marker: str) -> tuple[uuid.UUID, uuid.UUID]:
    """An owner adds a lead with a note (the note is P2: encrypted under the keyring);
    returns the owner's and the lead's ids."""
    core = build_core(settings_for(url, keyring))
    await core.clients.open()
    try:
        owner = await core.identity.create_owner("restore-drill-owner@example.org")
        staff = Principal(user_id=owner.id, session_id=uuid.uuid4(), roles=frozenset({Role.OWNER}))
        lead = await core.crm.create_manual(
            staff, ManualLead(name=LEAD_NAME, email=LEAD_EMAIL, note=marker)
        )
        return owner.id, lead.id
    finally:
        await core.clients.close()


async def read_known_row(
    url: str, keyring: str, owner_id: uuid.UUID, lead_id: uuid.UUID
) -> tuple[str, list[str]]:
    """The lead's name and its decrypted notes, as the owner reads them."""
    core = build_core(settings_for(url, keyring))
    await core.clients.open()
    try:
        staff = Principal(user_id=owner_id, session_id=uuid.uuid4(), roles=frozenset({Role.OWNER}))
        lead = await core.crm.lead(staff, lead_id)
        return lead.display_name or "", [note.body for note in lead.notes]
    finally:
        await core.clients.close()


class Drill:
    """The drill's steps in order; each is one check, counted passed or failed."""

    def __init__(self, server_url: str, pg_bin: str | None, prefix: str, scratch: Path) -> None:
        self.server_url = server_url
        self.pg_dump = str(Path(pg_bin) / "pg_dump") if pg_bin else "pg_dump"
        self.pg_restore = str(Path(pg_bin) / "pg_restore") if pg_bin else "pg_restore"
        self.keyring = os.environ.get("ENCRYPTION_KEYS") or f"drill:{generate_key()}"
        self.source_db, self.target_db = f"{prefix}_source", f"{prefix}_restored"
        self.source_url = database_url(server_url, self.source_db)
        self.target_url = database_url(server_url, self.target_db)
        self.dump = scratch / "source.dump"
        self.marker = f"restore drill note {uuid.uuid4()}"
        self.owner_id = self.lead_id = uuid.UUID(int=0)
        self.passed = self.failed = 0

    def check(self, name: str, step: Callable[[], str]) -> bool:
        try:
            detail = step()
        except Exception as exc:
            self.failed += 1
            print(f"FAIL {name}: {exc}")
            if not isinstance(exc, DrillFailure):
                traceback.print_exc(limit=3)
            return False
        self.passed += 1
        print(f"ok   {name} ({detail})")
        return True

    def run(self) -> None:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("create the source database", lambda: self._create(self.source_db)),
            ("migrate it (python -m app migrate)", self.migrate),
            ("write a lead with an encrypted note through the application", self.write),
            ("the note is encrypted at rest", self.encrypted_at_rest),
            ("pg_dump --format=custom", self.dump_source),
            ("create the scratch database", lambda: self._create(self.target_db)),
            ("pg_restore into it", self.restore),
            ("db-status on the restored database: exit 0, nothing pending", self.db_status),
            ("read the note back through the application with the keyring", self.read_back),
            ("without the keyring the note stays unreadable", self.other_key_cannot_read),
        ]
        try:
            for name, step in steps:
                if not self.check(name, step):
                    break
        finally:
            for dbname in (self.target_db, self.source_db):
                self.check(f"drop {dbname}", functools.partial(self._drop, dbname))

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(statement)

    def _create(self, dbname: str) -> str:
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        return dbname

    def _drop(self, dbname: str) -> str:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self._admin(statement.format(sql.Identifier(dbname)))
        return "gone"

    def migrate(self) -> str:
        result = run_cli(["migrate"], self.source_url, self.keyring)
        if result.returncode != 0:
            raise DrillFailure(f"migrate exited {result.returncode}: {result.stderr}")
        return result.stdout.splitlines()[0]

    def write(self) -> str:
        self.owner_id, self.lead_id = asyncio.run(
            write_known_row(self.source_url, self.keyring, self.marker)
        )
        return f"lead {self.lead_id}"

    def encrypted_at_rest(self) -> str:
        with psycopg.connect(self.source_url) as conn:
            row = conn.execute(
                "SELECT body_encrypted FROM lead_notes WHERE lead_id = %s", (self.lead_id,)
            ).fetchone()
        if row is None:
            raise DrillFailure("the note was not written")
        stored = row[0]
        text = stored if isinstance(stored, str) else bytes(stored).decode("utf-8", "replace")
        if self.marker in text:
            raise DrillFailure("the note is stored in plaintext")
        return "the column holds ciphertext"

    def dump_source(self) -> str:
        run_tool(
            [self.pg_dump, "--format=custom", "--no-owner", "--file", str(self.dump),
             self.source_url]
        )  # fmt: skip
        return f"{self.dump.stat().st_size} bytes"

    def restore(self) -> str:
        run_tool(
            [self.pg_restore, "--no-owner", "--exit-on-error", "--dbname", self.target_url,
             str(self.dump)]
        )  # fmt: skip
        return self.target_db

    def db_status(self) -> str:
        result = run_cli(["db-status"], self.target_url, self.keyring)
        if result.returncode != 0:
            raise DrillFailure(f"db-status exited {result.returncode}: {result.stdout}")
        return result.stdout.strip().splitlines()[-1]

    def read_back(self) -> str:
        name, notes = asyncio.run(
            read_known_row(self.target_url, self.keyring, self.owner_id, self.lead_id)
        )
        if name != LEAD_NAME or notes != [self.marker]:
            raise DrillFailure(f"read {name!r} with notes {notes!r}")
        return "the note decrypts with the keyring"

    def other_key_cannot_read(self) -> str:
        other = f"other:{generate_key()}"
        try:
            asyncio.run(read_known_row(self.target_url, other, self.owner_id, self.lead_id))
        except DrillFailure:
            raise
        except Exception as exc:
            return f"refused: {type(exc).__name__}"
        raise DrillFailure("the note was readable with another key")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "server_url",
        nargs="?",
        default=os.environ.get("RESTORE_DRILL_DATABASE_URL", DEFAULT_SERVER),
        help=f"a PostgreSQL server URL whose role may create databases (default {DEFAULT_SERVER})",
    )
    parser.add_argument("--pg-bin", default=os.environ.get("PG_BIN"), help="pg_dump's directory")
    parser.add_argument("--prefix", default=f"eb_drill_{os.getpid()}", help="scratch db names")
    args = parser.parse_args(argv)
    configure_logging("WARNING", "console")
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as scratch:
        drill = Drill(args.server_url, args.pg_bin, args.prefix, Path(scratch))
        drill.run()
    print(f"restore-drill: {drill.passed} passed, {drill.failed} failed")
    return 1 if drill.failed else 0


if __name__ == "__main__":
    sys.exit(main())
