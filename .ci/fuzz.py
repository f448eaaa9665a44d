"""Schemathesis against the app's own OpenAPI document, on the real server process.

A scratch database gets the migrations and the demo data (so slugs, services and quizzes
exist), then `python -m app serve` runs with rate limits off and the offline adapters
(console e-mail, sandbox payments). Schemathesis fuzzes every operation as an anonymous
visitor and with an owner's bearer session, so that the staff and cabinet operations get
past authentication (logging out and erasing one's own account in a pass of their own,
with a fresh session). Every check runs (server errors, schema conformance
of responses, undocumented status codes and content types, positive and negative data);
any failure fails the run.

Usage: python .ci/fuzz.py <postgresql://... URL of a server to create a scratch db on>
       [--max-examples N]
FUZZ_SEED changes the seed; FUZZ_KEEP_DATABASE=1 keeps the scratch database (eb_ci_fuzz)
afterwards, to look at what the run left behind.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from scratch import create_database, drop_database, free_port

DB_NAME = "eb_ci_fuzz"
ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60


# Operations that end the caller's session (logging out, erasing one's own account):
# fuzzed in a pass of their own, so the signed-in pass keeps its session throughout.
SESSION_ENDING = r"^/api/v1/(auth/logout|me/erasure)$"


def owner_session(db_url: str) -> str:
    """A new owner account with an open session; returns the bearer token."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    email = f"fuzz-owner-{secrets.token_hex(4)}@example.org"
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "INSERT INTO users (email) VALUES (%s) RETURNING id", (email,)
        ).fetchone()
        if row is None:
            raise SystemExit("fuzz: could not create the owner account")
        conn.execute("INSERT INTO user_roles (user_id, role_code) VALUES (%s, 'owner')", (row[0],))
        conn.execute(
            """INSERT INTO auth_sessions (user_id, token_hash, created_at, expires_at,
                                          last_seen_at)
               VALUES (%s, %s, %s, %s, %s)""",
            (row[0], hashlib.sha256(token.encode()).digest(), now, now + timedelta(days=1), now),
        )
    return token


def wait_ready(server: subprocess.Popen[bytes], internal: str) -> None:
    """Until the server's internal listener says ready."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"fuzz: server exited with {server.returncode}")
        try:
            ready = f"{internal}/health/ready"  # http on loopback, built here
            with urllib.request.urlopen(ready, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.3)
    raise SystemExit("fuzz: /health/ready did not answer in time")


def schemathesis(
    base: str, max_examples: int, headers: list[str], label: str, *selection: str
) -> int:
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "schemathesis"),
        "--no-color",
        "run",
        f"{base}/schema/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--workers",
        "2",
        "--seed",
        os.environ.get("FUZZ_SEED", "20261122"),
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
    ]
    for header in headers:
        command += ["--header", header]
    command += selection
    print(f"== schemathesis: {label}", flush=True)
    return subprocess.run(command, check=False, cwd=ROOT).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server_url")
    parser.add_argument("--max-examples", type=int, default=25)
    args = parser.parse_args()

    create_database(args.server_url, DB_NAME)
    parts = urlsplit(args.server_url)
    db_url = urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, ""))
    port, internal_port = free_port(), free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": db_url,
        "HTTP_PORT": str(port),
        "API_INTERNAL_PORT": str(internal_port),
        "RATE_LIMITS_ENABLED": "false",
        "WORKER_IN_PROCESS": "false",
        "LOG_LEVEL": "ERROR",
    }
    python = sys.executable
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run([python, "-m", "app", "migrate"], env=env, check=True, cwd=ROOT)
        subprocess.run([python, "-m", "app", "seed-demo"], env=env, check=True, cwd=ROOT)
        server = subprocess.Popen([python, "-m", "app", "serve"], env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        wait_ready(server, f"http://127.0.0.1:{internal_port}")
        passes = [schemathesis(base, args.max_examples, [], "anonymous")]
        owner = f"Authorization: Bearer {owner_session(db_url)}"
        passes.append(schemathesis(
            base, args.max_examples, [owner], "signed in as owner",
            "--exclude-path-regex", SESSION_ENDING,
        ))  # fmt: skip
        ending = f"Authorization: Bearer {owner_session(db_url)}"
        passes.append(schemathesis(
            base, args.max_examples, [ending], "signed in: operations that end the session",
            "--include-path-regex", SESSION_ENDING,
        ))  # fmt: skip
        failed = sum(1 for code in passes if code != 0)
        # The stage's summary, in pytest's words: one line per fuzzing pass above.
        print(f"schemathesis passes: {len(passes) - failed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        if not os.environ.get("FUZZ_KEEP_DATABASE"):
            drop_database(args.server_url, DB_NAME)


if __name__ == "__main__":
    sys.exit(main())
