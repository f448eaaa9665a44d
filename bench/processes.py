"""Benchmark: one API process against two, on the same machine, in one run.

The API runs under Granian (``app.asgi:app``) with ``--workers 1`` and then
``--workers 2``; each worker is a whole app (its own pool, per-process memories and
their cross-process invalidation). Neither the server nor wrk is pinned to a CPU, in
both runs alike, since two processes need both cores. Scenarios: B0 (``/health/live``,
the framework's ceiling), S1 (the 2,000-article long tail by slug, per-process memory
on) and S3 (a week of free slots). Each is measured with wrk for the maximum
throughput, three interleaved repetitions after a warm-up; the table gives the medians
and the ratio two/one. Needs Debian's ``wrk``. Usage (see docs/performance.md):

    .venv/bin/python bench/processes.py [--database-url URL] [--seconds N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.content_read import fill, free_port, scratch_database  # noqa: E402
from bench.http_baselines import SERVICE, SLUGS_SCRIPT, wrk  # noqa: E402

CONNECTIONS = 64
DB = "eb_bench_processes"


def start(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """Granian with ``workers`` processes on a free loopback port, ready to answer."""
    port = free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
           "RATE_LIMITS_ENABLED": "false", "WORKER_IN_PROCESS": "false",
           "DATABASE_POOL_MAX": "10", "API_INTERNAL_PORT": "0"}  # fmt: skip
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
               "--port", str(port), "--loop", "uvloop", "--no-ws", "--workers",
               str(workers), "--log-level", "warning", "app.asgi:app"]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    # Ready when every worker answers: a burst of requests must all succeed.
    for _ in range(200):
        try:
            answers = [httpx.get(f"{base}/api/v1/content/article/statya-1", timeout=2)
                       for _ in range(4 * workers)]  # fmt: skip
            if all(answer.status_code == 200 for answer in answers):
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"granian --workers {workers} did not become ready")


def measure(url: str, workers: int, seconds: int, repetitions: int) -> dict[str, float]:
    server, base = start(url, workers)
    day = (datetime.now(UTC) + timedelta(days=1)).date()
    targets = {
        "B0": (f"{base}/health/live", None),
        "S1": (f"{base}/api/v1/content/article/statya-42", SLUGS_SCRIPT),
        "S3": (f"{base}/api/v1/services/{SERVICE}/slots?from={day}T00:00:00%2B03:00"
               f"&to={day + timedelta(days=7)}T00:00:00%2B03:00&tz=Europe/Moscow", None),
    }  # fmt: skip
    try:
        for target, lua in targets.values():  # warm-up
            wrk(target, 2, lua, CONNECTIONS, threads=2, pin=False)
        runs: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(repetitions):
            for name, (target, lua) in targets.items():
                runs[name].append(wrk(target, seconds, lua, CONNECTIONS, threads=2, pin=False))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {name: statistics.median(values) for name, values in runs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="one 3 s run per scenario")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    seconds, repetitions = (3, 1) if args.quick else (args.seconds, 3)
    url = scratch_database(args.database_url, DB)
    fill(url)
    one = measure(url, 1, seconds, repetitions)
    two = measure(url, 2, seconds, repetitions)
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"granian, unpinned; {seconds}s runs, {CONNECTIONS} connections, "
          f"{repetitions} repetition(s); {stamp}; {os.cpu_count()} CPUs")  # fmt: skip
    print("| scenario | 1 process req/s | 2 processes req/s | 2 / 1 |")
    print("| --- | --- | --- | --- |")
    for name in one:
        print(f"| {name} | {one[name]:.0f} | {two[name]:.0f} | {two[name] / one[name]:.2f} |")
    print("processes: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
