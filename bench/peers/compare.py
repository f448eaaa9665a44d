"""Against what users would pick instead: S1 and S2 on our server and on a Django + DRF
peer (``bench/peers/django_peer``) over the same tables, in one run.

Our server runs with its per-process memory of published items switched off
(``CONTENT_CACHE_SECONDS=0``), so both sides go to PostgreSQL on every request. The
peer is served by gunicorn with one process, pinned to the same CPU as ours: the
``sync`` worker (one request at a time, a connection closed after each answer) and the
``gthread`` worker (keep-alive; 4 threads in the one process). Each side's B0 is its own
trivial JSON view (``/health/live``). For every scenario: wrk's maximum throughput, the
repetitions interleaved across servers and scenarios; the ratios ours/peer.

The peer needs django, djangorestframework and gunicorn (the ``bench`` extra): this
interpreter when they are installed, else ``--peer-python``. Standalone (a scratch
database of its own; ``http_baselines.py --peers`` reuses its database instead):

    .venv/bin/python bench/peers/compare.py [--database-url URL] [--quick] [--peer-python P]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.content_read import fill, free_port, scratch_database  # noqa: E402
from bench.http_baselines import pinned, spread, start_server, wrk  # noqa: E402

PEER_DIR = Path(__file__).resolve().parent / "django_peer"
PEER_PACKAGES = ("django", "rest_framework", "gunicorn")
GTHREAD_THREADS = 4
OUR_SETTINGS = {"CONTENT_CACHE_SECONDS": "0"}  # the per-process content memory off
SCENARIOS = {
    "B0": "/health/live",
    "S1": "/api/v1/content/article/statya-42",  # wrk's Lua script cycles over 2,000 slugs
    "S2": "/api/v1/content?topic=anxiety&limit=20",
}


@dataclass(frozen=True)
class Trial:
    """How long each wrk run is, its warm-up, and how many interleaved repetitions."""

    seconds: int
    warmup: int
    repetitions: int

    @classmethod
    def of(cls, seconds: int, *, quick: bool) -> Trial:
        return cls(2, 1, 1) if quick else cls(seconds, 2, 3)


def peer_python(explicit: str | None) -> str | None:
    """The interpreter that has Django, DRF and gunicorn: ``explicit``, else ours when
    the bench extra is installed, else None (the comparison is skipped)."""
    if explicit:
        return explicit
    if all(importlib.util.find_spec(name) is not None for name in PEER_PACKAGES):
        return sys.executable
    return None


def peer_versions(python: str) -> str:
    code = ("import sys, django, rest_framework, gunicorn; print(f'Django {django.__version__},"
            " DRF {rest_framework.VERSION}, gunicorn {gunicorn.__version__},"
            " Python {sys.version.split()[0]}')")  # fmt: skip
    return subprocess.run([python, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def start_peer(url: str, python: str, worker: str) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with one ``worker`` process serving the peer, pinned to CPU 1 like ours."""
    port = free_port()
    threads = ["--threads", str(GTHREAD_THREADS)] if worker == "gthread" else []
    command = [python, "-m", "gunicorn", "--chdir", str(PEER_DIR), "--workers", "1",
               "--worker-class", worker, *threads, "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "peer.wsgi:application"]  # fmt: skip
    env = {**os.environ, "PEER_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "peer.settings"}
    log = tempfile.NamedTemporaryFile("w+b", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(pinned(1, command), env=env, cwd=PEER_DIR,
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    log.seek(0)
    raise SystemExit(f"the Django peer did not start:\n{log.read().decode(errors='replace')}")


def differences(ours: str, peer: str) -> list[str]:
    """Where the peer's answers to S1 and S2 differ from ours in shape or content
    (values are compared except for the timestamps' spelling)."""
    found: list[str] = []
    for name in ("S1", "S2"):
        mine: Any = httpx.get(ours + SCENARIOS[name], timeout=10).json()
        theirs: Any = httpx.get(peer + SCENARIOS[name], timeout=10).json()
        if name == "S2":
            if [i["slug"] for i in mine["items"]] != [i["slug"] for i in theirs["items"]]:
                raise SystemExit("S2: the peer lists other items than ours")
            mine, theirs = mine["items"][0], theirs["items"][0]
        if set(mine) != set(theirs):
            found.append(f"{name}: fields {sorted(set(mine) ^ set(theirs))} differ")
        for key in set(mine) & set(theirs):
            if mine[key] != theirs[key] and not key.endswith("_at"):
                found.append(f"{name}: {key} differs (ours {str(mine[key])[:80]}, "
                             f"the peer's {str(theirs[key])[:80]})")  # fmt: skip
    return found


def compare(url: str, trial: Trial, python: str, server: str = "uvicorn") -> None:
    """Start ours (content memory off) and the peer in both worker classes, measure B0,
    S1 and S2 on each, print the table."""
    started = time.monotonic()
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        servers["ours"] = start_server(url, server, OUR_SETTINGS)
        servers["Django sync"] = start_peer(url, python, "sync")
        servers["Django gthread"] = start_peer(url, python, "gthread")
        notes = differences(servers["ours"][1], servers["Django sync"][1])
        throughput: dict[tuple[str, str], list[float]] = {}
        for name, (_, base) in servers.items():  # warm-up
            for scenario, path in SCENARIOS.items():
                wrk(base + path, trial.warmup)
                throughput[name, scenario] = []
        for _ in range(trial.repetitions):  # interleaved: drift hits every cell alike
            for name, (_, base) in servers.items():
                for scenario, path in SCENARIOS.items():
                    throughput[name, scenario].append(wrk(base + path, trial.seconds))
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            process.wait(timeout=30)
    median = {key: statistics.median(values) for key, values in throughput.items()}
    took = time.monotonic() - started
    print(f"\nours ({server}, CONTENT_CACHE_SECONDS=0) against {peer_versions(python)}; "
          f"one process each, pinned to CPU 1; {trial.seconds}s wrk runs, "
          f"{trial.repetitions} interleaved repetitions; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({took:.0f} s)")  # fmt: skip
    print("| scenario | ours req/s | Django sync req/s | ours/sync | "
          f"Django gthread ({GTHREAD_THREADS} threads) req/s | ours/gthread |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    for scenario in SCENARIOS:
        ours = median["ours", scenario]
        cells = [spread(throughput["ours", scenario])]
        for peer in ("Django sync", "Django gthread"):
            cells += [spread(throughput[peer, scenario]), f"{ours / median[peer, scenario]:.1f}×"]
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    b0 = {name: median[name, "B0"] for name in servers}
    ratios = [f"{name}: S1/B0 {median[name, 'S1'] / b0[name]:.2f}, "
              f"S2/B0 {median[name, 'S2'] / b0[name]:.2f}" for name in servers]  # fmt: skip
    print("; ".join(ratios))
    print("answers: " + ("; ".join(notes) if notes else "same fields and values as ours"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="one 2 s run each (under a minute)")
    parser.add_argument("--peer-python", help="a Python with django, DRF and gunicorn")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    args = parser.parse_args()
    python = peer_python(args.peer_python)
    if python is None:
        raise SystemExit("django, djangorestframework or gunicorn is missing: install the "
                         "bench extra or pass --peer-python")  # fmt: skip
    url = scratch_database(args.database_url)
    fill(url)
    compare(url, Trial.of(args.seconds, quick=args.quick), python, args.server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
