"""CI smoke run: a scratch database, `yoyo apply`, `python -m app serve`, /health/ready
on its internal port.

Usage: python .ci/smoke.py <postgresql://... URL of a server to create a scratch db on>
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

from scratch import create_database, drop_database, free_port

DB_NAME = "eb_ci_smoke"
DEADLINE_SECONDS = 60


def main(server_url: str) -> int:
    create_database(server_url, DB_NAME)
    parts = urlsplit(server_url)
    db_url = urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, ""))
    yoyo_url = urlunsplit(("postgresql+psycopg", parts.netloc, f"/{DB_NAME}", parts.query, ""))
    bin_dir = os.path.dirname(sys.executable)
    subprocess.run([f"{bin_dir}/yoyo", "apply", "--batch", "--database", yoyo_url], check=True)

    port, internal_port = free_port(), free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": db_url, "HTTP_PORT": str(port),
           "API_INTERNAL_PORT": str(internal_port)}  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "app", "serve"], env=env)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                print(f"smoke: server exited with {server.returncode}", file=sys.stderr)
                print("smoke: 0 passed, 1 failed")
                return 1
            try:
                url = f"http://127.0.0.1:{internal_port}/health/ready"
                with urllib.request.urlopen(url, timeout=2) as r:
                    print(f"smoke: /health/ready answered {r.status}: {r.read().decode()}")
                    ok = r.status == 200
                    print(f"smoke: {int(ok)} passed, {int(not ok)} failed")
                    return 0 if ok else 1
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        print("smoke: /health/ready did not answer in time", file=sys.stderr)
        print("smoke: 0 passed, 1 failed")
        return 1
    finally:
        server.terminate()
        server.wait(timeout=15)
        drop_database(server_url, DB_NAME)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
