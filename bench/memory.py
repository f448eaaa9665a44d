"""Benchmark: the resident memory of the API, worker and bot processes after warm-up.

Each long-running process (`python -m app serve`, `worker`, `bot`) starts against a
scratch database (migrations, demo data and the 2,000 articles of the content
benchmark) with the integrations switched off: no Google Calendar, YooKassa in sandbox,
no language model, no OpenTelemetry, no Redis. The bot long-polls a Bot API stand-in on
loopback (as in tests/e2e/test_bot_process.py). After start-up the API answers a few
requests on its typical paths (probes, content, topics, services, slots) and the worker
and bot run for a few seconds; then the script reads each process's /proc/<pid>/status
(VmRSS, VmHWM) and /proc/<pid>/smaps_rollup (Pss, and USS = private clean + dirty) and
the top-level packages it imported, from its own `-X importtime` report (so lazy imports
after start-up are counted too; the report costs start-up time, not memory).

    .venv/bin/python bench/memory.py [--database-url URL] [--database-name NAME]
                                     [--with-telegram-api] [--top N]

`--with-telegram-api` adds a row for the API with TELEGRAM_BOT_TOKEN set (the webhook
mode production uses). Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.observability.logging import configure_logging  # noqa: E402
from bench.content_read import fill, free_port  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_NAME = "eb_bench_memory"
READY_SECONDS = 120
SETTLE_SECONDS = 3.0
TOKEN = "123456:" + "A" * 35
SERVICE = "individualnaya-konsultatsiya"
# Every integration off (and the console, whose default is on outside prod, stays as
# configured: CONSOLE_ENABLED is left to the caller's environment).
OFF = {
    "APP_ENV": "test",
    "LOG_LEVEL": "WARNING",
    "ENCRYPTION_KEYS": "k1:" + "A" * 43,
    "PAYMENTS_PROVIDER": "sandbox",
    "LLM_PROVIDER": "off",
    "WORKER_IN_PROCESS": "false",
    "RATE_LIMITS_ENABLED": "true",
}
CLEARED = (
    "GOOGLE_CALENDAR_ID", "GOOGLE_CREDENTIALS_FILE", "OTEL_EXPORTER_OTLP_ENDPOINT",
    "REDIS_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "LLM_BASE_URL", "LLM_API_KEY",
    "LLM_MODEL", "YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY",
)  # fmt: skip


@dataclass
class Measurement:
    name: str
    rss_kb: int = 0
    hwm_kb: int = 0
    pss_kb: int | None = None
    uss_kb: int | None = None
    modules: int = 0
    packages: collections.Counter[str] = field(default_factory=collections.Counter)
    note: str = ""


def scratch_database(server_url: str, name: str) -> str:
    drop_database(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))


class BotApi(BaseHTTPRequestHandler):
    """getMe, deleteWebhook and an empty getUpdates after a short wait (a quiet long poll)."""

    def do_POST(self) -> None:
        method = self.path.rsplit("/", 1)[-1]
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        result: object = True
        if method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Баланс",
                      "username": "balance_test_bot"}  # fmt: skip
        elif method == "getUpdates":
            time.sleep(0.3)
            result = []
        body = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the bot stopped in the middle of a long poll


@contextmanager
def bot_api() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), BotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# Set by --env, for every process.
EXTRA: dict[str, str] = {}


def environment(url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return {**env, **OFF, "DATABASE_URL": url, **EXTRA, **extra}


def wait_ready(process: subprocess.Popen[bytes], internal_port: int) -> None:
    deadline = time.monotonic() + READY_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode}")
        try:
            url = f"http://127.0.0.1:{internal_port}/health/ready"
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text}"
        except httpx.TransportError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"the process never answered ready ({last})")


def warm_api(base: str, internal_port: int) -> None:
    """A few requests on the API's typical paths (each answer is checked for 2xx)."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    end = start + timedelta(days=7)
    window = f"from={start:%Y-%m-%dT%H:%M:%SZ}&to={end:%Y-%m-%dT%H:%M:%SZ}"
    paths = [
        "/health/live",
        "/api/v1/content?limit=20",
        "/api/v1/content?topic=anxiety&limit=20",
        *(f"/api/v1/content/article/statya-{n}" for n in range(1, 40)),
        "/api/v1/services",
        f"/api/v1/services/{SERVICE}",
        f"/api/v1/services/{SERVICE}/slots?{window}",
    ]
    with httpx.Client(base_url=base, timeout=10) as client:
        for _ in range(3):
            for path in paths:
                response = client.get(path)
                if response.status_code >= 400:
                    raise RuntimeError(f"{path}: {response.status_code}")
        for path in ("/health/ready", "/metrics"):
            httpx.get(f"http://127.0.0.1:{internal_port}{path}", timeout=10)


def read_memory(pid: int, measurement: Measurement) -> None:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", status, re.MULTILINE))
    measurement.rss_kb = int(fields["VmRSS"])
    measurement.hwm_kb = int(fields["VmHWM"])
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return
    values = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.MULTILINE)}
    measurement.pss_kb = values.get("Pss")
    measurement.uss_kb = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)


def imported_packages(report: Path, measurement: Measurement) -> None:
    """Count the modules of `-X importtime` by top-level package."""
    for line in report.read_text(errors="replace").splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        module = line.rsplit("|", 1)[-1].strip()
        measurement.modules += 1
        measurement.packages[module.split(".")[0]] += 1


def run_process(
    name: str,
    command: str,
    url: str,
    extra: dict[str, str],
    port_variable: str,
    api: bool,
    keep: Path | None = None,
) -> Measurement:
    measurement = Measurement(name)
    internal_port = free_port()
    env = environment(url, {**extra, port_variable: str(internal_port)})
    base = ""
    if api:
        port = free_port()
        env["HTTP_PORT"] = str(port)
        base = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile(prefix="memory-importtime-", suffix=".txt") as report:
        with open(report.name, "wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-X", "importtime", "-m", "app", command],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
            try:
                wait_ready(process, internal_port)
                if api:
                    warm_api(base, internal_port)
                time.sleep(SETTLE_SECONDS)
                read_memory(process.pid, measurement)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        imported_packages(Path(report.name), measurement)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            kept = keep / f"{name.replace(' ', '-')}.importtime.txt"
            kept.write_bytes(Path(report.name).read_bytes())
    return measurement


def mb(kb: int | None) -> str:
    return "—" if kb is None else f"{kb / 1024:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    parser.add_argument("--database-url", default=server,
                        help="server to create the scratch database on")  # fmt: skip
    parser.add_argument("--database-name", default=DEFAULT_NAME, help="the scratch database")
    parser.add_argument(
        "--with-telegram-api", action="store_true",
        help="also measure the API with TELEGRAM_BOT_TOKEN (webhook mode)",
    )  # fmt: skip
    parser.add_argument("--top", type=int, default=12, help="packages listed per process")
    parser.add_argument("--keep-reports", type=Path, metavar="DIR",
                        help="keep each process's -X importtime report in DIR")  # fmt: skip
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a variable for every process, e.g. MALLOC_ARENA_MAX=2")  # fmt: skip
    parser.add_argument("--only", choices=("api", "worker", "bot"), action="append",
                        help="measure only these processes (repeatable)")  # fmt: skip
    args = parser.parse_args()
    only = set(args.only or ("api", "worker", "bot"))
    EXTRA.update(item.split("=", 1) for item in args.env)
    keep = args.keep_reports
    configure_logging("WARNING", "console", service="cli")  # the fill's migrations, quietly
    url = scratch_database(args.database_url, args.database_name)
    results: list[Measurement] = []
    try:
        fill(url)
        if "api" in only:
            results.append(run_process("api", "serve", url, {}, "API_INTERNAL_PORT", True, keep))
        if "worker" in only:
            results.append(
                run_process("worker", "worker", url, {}, "WORKER_INTERNAL_PORT", False, keep)
            )
        with bot_api() as telegram:
            bot_env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_USERNAME": "balance_test_bot",
                       "TELEGRAM_API_URL": telegram}  # fmt: skip
            if "bot" in only:
                results.append(
                    run_process("bot", "bot", url, bot_env, "BOT_INTERNAL_PORT", False, keep)
                )
            if args.with_telegram_api:
                api_bot = run_process(
                    "api + bot token", "serve", url, bot_env, "API_INTERNAL_PORT", True, keep
                )
                results.append(api_bot)
    finally:
        drop_database(args.database_url, args.database_name)
    print(f"{'process':<18}{'RSS MB':>8}{'peak MB':>9}{'PSS MB':>8}{'USS MB':>8}{'modules':>9}")
    for m in results:
        print(f"{m.name:<18}{mb(m.rss_kb):>8}{mb(m.hwm_kb):>9}{mb(m.pss_kb):>8}{mb(m.uss_kb):>8}"
              f"{m.modules:>9}")  # fmt: skip
    three = [m for m in results if m.name in ("api", "worker", "bot")]
    rss, pss = sum(m.rss_kb for m in three), sum(m.pss_kb or 0 for m in three)
    uss = sum(m.uss_kb or 0 for m in three)
    print(f"{'api+worker+bot':<18}{mb(rss):>8}{'':>9}{mb(pss):>8}{mb(uss):>8}")
    for m in results:
        top = ", ".join(f"{name} {n}" for name, n in m.packages.most_common(args.top))
        print(f"\n{m.name}: {m.modules} modules; top packages: {top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
