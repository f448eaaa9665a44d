"""CI smoke run of the real server: a scratch database, `yoyo apply`, `python -m app
serve`; readiness and metrics on the internal port, liveness (and no metrics) on the
public port, a clean exit on SIGTERM. One check per step; the last line counts them.

Usage: python .ci/smoke.py <postgresql://... URL of a server to create a scratch db on>
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

from scratch import create_database, drop_database, free_port

DB_NAME = "eb_ci_smoke"
DEADLINE_SECONDS = 60


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http:// only)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_ready(server: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if _status(url) == 200:
                return True
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.3)
    return False


def main(server_url: str) -> int:
    results: list[tuple[str, bool]] = []

    def check(name: str, ok: bool) -> bool:
        results.append((name, ok))
        print(f"smoke: {'ok  ' if ok else 'FAIL'} {name}", flush=True)
        return ok

    create_database(server_url, DB_NAME)
    server: subprocess.Popen[bytes] | None = None
    try:
        parts = urlsplit(server_url)
        db_url = urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, ""))
        yoyo_url = urlunsplit(("postgresql+psycopg", parts.netloc, f"/{DB_NAME}", parts.query, ""))
        yoyo = f"{os.path.dirname(sys.executable)}/yoyo"
        applied = subprocess.run([yoyo, "apply", "--batch", "--database", yoyo_url], check=False)
        if check("yoyo apply", applied.returncode == 0):
            port, internal_port = free_port(), free_port()
            env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": db_url,
                   "HTTP_PORT": str(port), "API_INTERNAL_PORT": str(internal_port)}  # fmt: skip
            server = subprocess.Popen([sys.executable, "-m", "app", "serve"], env=env)
            public, internal = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{internal_port}"
            ready = _wait_ready(server, internal + "/health/ready")
            if check("/health/ready on the internal port", ready):
                check("/metrics on the internal port", _status(internal + "/metrics") == 200)
                check("/health/live on the public port", _status(public + "/health/live") == 200)
                check("no /metrics on the public port", _status(public + "/metrics") == 404)
            server.send_signal(signal.SIGTERM)
            check("exit 0 on SIGTERM", server.wait(timeout=30) == 0)
            server = None
    finally:
        if server is not None:
            server.kill()
            server.wait()
        drop_database(server_url, DB_NAME)
    failed = sum(1 for _, ok in results if not ok)
    print(f"smoke: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
