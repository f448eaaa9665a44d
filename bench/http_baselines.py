"""Benchmark: HTTP scenarios against their baselines, on loopback, with wrk and hey.

B0 = ``GET /health/live`` on the same server (the framework's ceiling); B1 = pgbench
``-M prepared`` replaying each scenario's own SQL (the database's ceiling). Scenarios:
S1 content by slug, S2 content list by topic, S3 free slots for a week, S5 YooKassa
notification ingestion (a fresh notification each request; throughput only). For each: the
maximum throughput (wrk, 3 interleaved repetitions after a warm-up: median and spread),
then the latency at half of it (hey at a fixed rate: p50/p99; Debian's ``bombardier``
package is an unrelated game, so ``hey`` takes its place), and the ratios S/B0 and
S/B1. The server runs pinned to CPU 1 and the load generators to CPU 0 when ``taskset``
exists. Needs Debian's ``wrk``, ``hey`` and ``pgbench``. Usage (see
docs/performance.md):

    .venv/bin/python bench/http_baselines.py [--database-url URL] [--seconds N] [--server S]
        [--only B0,S2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.content_read import fill, free_port, scratch_database  # noqa: E402

CONNECTIONS = 32
# Before a latency run the server is left alone this long: when wrk stops, the requests
# it had in flight are still being answered, and would be counted against the next run.
SETTLE_SECONDS = 2
REPETITIONS = 3
SERVICE = "individualnaya-konsultatsiya"


def pinned(cpu: int, command: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *command] if shutil.which("taskset") else command


def start_server(
    url: str, server: str, settings: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Our server on a free loopback port, pinned to CPU 1; ``settings`` add to or
    override its environment (e.g. ``CONTENT_CACHE_SECONDS=0``)."""
    port, internal_port = free_port(), free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "HTTP_PORT": str(port),
           "API_INTERNAL_PORT": str(internal_port),
           "LOG_LEVEL": "WARNING", "RATE_LIMITS_ENABLED": "false",
           "WORKER_IN_PROCESS": "false", "DATABASE_POOL_MAX": "10",
           "YOOKASSA_WEBHOOK_ALLOWLIST": "127.0.0.1/32", **(settings or {})}  # fmt: skip
    if server == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--host",
                   "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--no-ws",
                   "--log-level", "warning", "app.asgi:app"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "app", "serve"]
    process = subprocess.Popen(pinned(1, command), env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            ready = f"http://127.0.0.1:{internal_port}/health/ready"
            if httpx.get(ready, timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not become ready")


# S5: every request a new YooKassa notification (a fresh object id), as the provider
# sends them; the worker is not running, so this is the ingestion alone (source check,
# the idempotency record and the outbox event, one transaction).
NOTIFICATION_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  -- YooKassa's ids have the shape of a UUID (anything with a long run of digits would be
  -- refused by the P0 guard on event payloads as a possible phone number)
  local id = string.format('%08x-000f-5000-8000-%012x', math.random(0, 2147483647), counter)
  local body = '{"type":"notification","event":"payment.succeeded",'
    .. '"object":{"id":"' .. id .. '","status":"succeeded"}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""

# S1 reads the 2,000 generated articles in turn, so the per-process memory of published
# items (CONTENT_CACHE_SECONDS) sees the misses a real site's long tail would give.
SLUGS_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local path = string.format('/api/v1/content/article/statya-%d', (counter % 2000) + 1)
  return wrk.format("GET", path)
end
"""


# S4: holds by new guests, all for one start ("hot") or cycling over the week's free
# starts ("uniform"); neighbouring starts overlap, so most lose with a 409.
HOLD_SCRIPT = """
starts = {%s}
counter = 0
request = function()
  counter = counter + 1
  local start = starts[(counter %% #starts) + 1]
  local body = '{"service_slug":"%s","start_at":"' .. start .. '","format":"online",'
    .. '"contact":{"name":"Guest","email":"s4-' .. counter .. '-'
    .. math.random(0, 2147483647) .. '@example.org"},'
    .. '"consents":[{"consent_type":"personal_data","granted":true,"document_version":"1"}]}'
  return wrk.format("POST", "/api/v1/appointments", {["Content-Type"] = "application/json"}, body)
end
"""
HOLD_CONNECTIONS = 200
# (requests, non-2xx answers) of each S4 wrk run, in order.
HOLD_ANSWERS: list[tuple[int, int]] = []


# Pacing for the latency run: each of the 200 connections waits an exponential time
# (mean = connections / rate) before each request, so the arrivals add up to the target
# rate as a Poisson stream (hey's workers fire on a shared tick: bursts of 200 at once).
PACING = """
mean_delay_ms = %.3f
delay = function()
  return -math.log(1 - math.random()) * mean_delay_ms
end
"""
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def paced_latency(target: str, rate: int, seconds: int, start: str) -> tuple[float, float]:
    """p50/p99 (ms) of holds by new guests for ``start`` at ``rate`` requests/s in all,
    from wrk's own latency distribution."""
    lua = HOLD_SCRIPT % (f'"{start}"', SERVICE) + PACING % (HOLD_CONNECTIONS / rate * 1000)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(lua)
    out = subprocess.run(
        pinned(0, ["wrk", "-t1", f"-c{HOLD_CONNECTIONS}", f"-d{seconds}s", "--latency",
                   "-s", file.name, target]),
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = {p: float(v) * _UNIT_MS[u] for p, v, u in _PERCENTILE.findall(out)}
    if "50" not in found or "99" not in found:
        raise SystemExit(f"{target}: no latency distribution\n{out}")
    return found["50"], found["99"]


def wrk(
    url: str,
    seconds: int,
    lua: str | None = None,
    connections: int = CONNECTIONS,
    *,
    threads: int = 1,
    pin: bool = True,
) -> float:
    """Requests per second; ``pin``: on CPU 0 (the server on CPU 1)."""
    script: list[str] = []
    lua = lua or (NOTIFICATION_SCRIPT if url.endswith("/webhooks/yookassa")
                  else SLUGS_SCRIPT if "/content/article/" in url else None)  # fmt: skip
    if lua is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
            file.write(lua)
        script = ["-s", file.name]
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *script, url]
    out = subprocess.run(
        (pinned(0, command) if pin else command),
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if "/api/v1/appointments" in url:  # a lost race is a 409 by design: count, not fail
        total = re.search(r"(\d+) requests in", out)
        refused = int(errors.group(1)) if errors else 0
        HOLD_ANSWERS.append((int(total.group(1)) if total else 0, refused))
    elif errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert found, out
    return float(found.group(1))


def hey(url: str, rate: int, seconds: int) -> tuple[float, float]:
    """p50 and p99 latency (ms) at a fixed total rate: ``-q`` is per worker."""
    time.sleep(SETTLE_SECONDS)
    workers = min(CONNECTIONS, rate)
    out = subprocess.run(
        pinned(0, ["hey", "-c", str(workers), "-q", f"{rate / workers:.2f}", "-z",
                   f"{seconds}s", url]),
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = dict(re.findall(r"(\d+)%+ in ([\d.]+) secs", out))
    if not found:
        raise SystemExit(f"{url}: no latency distribution\n{out}")
    return float(found["50"]) * 1000, float(found["99"]) * 1000


def pgbench(url: str, script: str, seconds: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    out = subprocess.run(
        pinned(1, ["pgbench", "-n", "-M", "prepared", "-c", "8", "-j", "1", "-T",
                   str(seconds), "-f", file.name, url]),
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    assert found, out
    return float(found.group(1))


def query(path: str, name: str) -> str:
    """One named query of ``sql/`` as plain SQL text."""
    text = (ROOT / "sql" / path).read_text(encoding="utf-8")
    block = text.split(f"-- name: {name}", 1)[1].split("\n-- name:", 1)[0]
    lines = [line for line in block.splitlines()[1:] if not line.startswith("--")]
    return "\n".join(lines).strip()


def sql_scripts() -> dict[str, str]:
    """What each scenario asks of the database, with values in place of parameters."""
    slug = query("content/public.sql", "get_published").replace(":type", "'article'")
    slug = slug.replace(":slug", "('statya-' || :n)")
    listing = query("content/public.sql", "list_published_in_topic")  # what a topic's list runs
    for name, value in (("type", "NULL"), ("topic", "'anxiety'"), ("tag", "NULL"),
                        ("after_published_at", "NULL"), ("after_id", "NULL"),
                        ("limit", "20")):  # fmt: skip
        listing = listing.replace(f":{name}", value)
    start = datetime.now(UTC) + timedelta(days=1)
    window = {"start_at": f"'{start.isoformat()}'",
              "end_at": f"'{(start + timedelta(days=7)).isoformat()}'"}  # fmt: skip
    slots = [query("booking/services.sql", "get_service_by_slug").replace(":slug", f"'{SERVICE}'")]
    slots.append(query("booking/services.sql", "rules_for_service").replace(
        ":service_id", f"(SELECT id FROM services WHERE slug = '{SERVICE}')"))  # fmt: skip
    for name in ("services.sql:exceptions_between", "appointments.sql:busy_between"):
        file, query_name = name.split(":")
        text = query(f"booking/{file}", query_name)
        for key, value in window.items():
            text = text.replace(f":{key}", value)
        slots.append(text)
    notification = query("payments/webhooks.sql", "record_notification")
    for name, value in (("id", "gen_random_uuid()"), ("provider", "'yookassa'"),
                        ("event", "'payment.succeeded'"),
                        ("object_id", "gen_random_uuid()::text"), ("refund", "false"),
                        ("rejected", "'rejected_unknown_object'"),
                        ("now", "now()")):  # fmt: skip
        notification = notification.replace(f":{name}", value)
    outbox = query("events/outbox.sql", "insert_event")
    for name, value in (("event_id", "gen_random_uuid()"),
                        ("event_type", "'payments.notification_received'"),
                        ("aggregate_type", "'payment_notification'"),
                        ("aggregate_id", "'x'"), ("payload", "'{}'"),
                        ("occurred_at", "now()"), ("request_id", "NULL")):  # fmt: skip
        outbox = outbox.replace(f":{name}", value)
    return {
        "S5": "BEGIN;\n" + notification.rstrip(";") + ";\n" + outbox.rstrip(";") + ";\nCOMMIT;\n",
        "S1": "\\set n random(1, 499)\n" + slug.rstrip(";") + ";\n",
        "S2": listing.rstrip(";") + ";\n",
        "S3": "BEGIN;\n" + ";\n".join(s.rstrip(";") for s in slots) + ";\nCOMMIT;\n",
    }


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


class HoldRun:
    """S4's scenarios and the starts they raced for, to check the outcome afterwards."""

    def __init__(self, hot: str, latency_hot: str, week: list[str]) -> None:
        self.scenarios = ("S4 hot", "S4 uniform")
        self.hot, self.latency_hot, self.week = hot, latency_hot, week
        self.answers: dict[str, tuple[int, int]] = {}  # 2xx (201), non-2xx (409)

    def report(self, url: str) -> str:
        with psycopg.connect(url) as conn:
            live = "status IN ('pending_payment', 'confirmed')"
            winners = [conn.execute(
                f"SELECT count(*) FROM appointments WHERE {live} AND start_at = %s", (start,)
            ).fetchone()[0] for start in (self.hot, self.latency_hot)]  # type: ignore[index]  # fmt: skip
            held = conn.execute(f"SELECT count(*) FROM appointments WHERE {live}").fetchone()
            overlaps = conn.execute(
                f"""SELECT count(*) FROM appointments a JOIN appointments b
                      ON a.id < b.id AND a.blocked_period && b.blocked_period
                    WHERE a.{live} AND b.{live}"""
            ).fetchone()
        split = "; ".join(f"{name}: {ok} × 2xx (201), {no} × non-2xx (the 409s of lost races)"
                          for name, (ok, no) in self.answers.items())  # fmt: skip
        return (
            f"{split}\n"
            f"S4 ({HOLD_CONNECTIONS} connections; latency at half the hot-slot maximum): "
            f"live holds of each hot start {winners} (one winner each), "
            f"{held[0] if held else '?'} live holds over {len(self.week)} free starts in "
            f"all, overlapping live appointments: {overlaps[0] if overlaps else '?'}"
        )


def hold_scenarios(
    base: str, seconds: int, throughput: dict[str, list[float]],
    latency: dict[str, tuple[float, float]],
) -> HoldRun:  # fmt: skip
    """S4: holds under contention, maximum by wrk with 200 connections, then the latency
    at half of the hot-slot maximum by hey (one body: a new start of the week after)."""
    now = datetime.now(UTC)

    def free(days: int) -> list[str]:
        window = {"from": (now + timedelta(days=days)).isoformat(),
                  "to": (now + timedelta(days=days + 7)).isoformat(), "tz": "UTC"}  # fmt: skip
        answer = httpx.get(f"{base}/api/v1/services/{SERVICE}/slots", params=window)
        return [str(s) for s in answer.json()["slots"]]

    week, later = free(1), free(9)
    run = HoldRun(week[0], later[0], week)
    target = f"{base}/api/v1/appointments"
    scripts = {
        "S4 hot": HOLD_SCRIPT % (f'"{week[0]}"', SERVICE),
        "S4 uniform": HOLD_SCRIPT % (",".join(f'"{s}"' for s in week), SERVICE),
    }
    for name, lua in scripts.items():
        HOLD_ANSWERS.clear()
        throughput[name] = [wrk(target, seconds, lua, HOLD_CONNECTIONS)
                            for _ in range(REPETITIONS)]  # fmt: skip
        sent, refused = (sum(pair) for pair in zip(*HOLD_ANSWERS, strict=True))
        run.answers[name] = (sent - refused, refused)
    rate = max(1, int(statistics.median(throughput["S4 hot"]) / 2))
    time.sleep(SETTLE_SECONDS)
    latency["S4 hot"] = paced_latency(target, rate, seconds, later[0])
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="then S1 and S2 against the Django + DRF peer (bench/peers)",
    )
    parser.add_argument(
        "--peer-python",
        help="a Python with django, DRF and gunicorn "
        "(default: this one, when the bench extra is installed)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one 2 s run per scenario, and the peer comparison in under a minute",
    )
    parser.add_argument(
        "--only", type=lambda value: [s.strip() for s in value.split(",") if s.strip()],
        help="a comma-separated subset of B0,S1,S2,S3,S5,S4 (e.g. --only B0,S2); B0 always runs",
    )  # fmt: skip
    args = parser.parse_args()
    global REPETITIONS  # the script's one knob, set once here
    if args.quick:
        args.seconds, REPETITIONS = 2, 1
    for tool in ("wrk", "hey", "pgbench"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install wrk hey postgresql-client")
    url = scratch_database(args.database_url)
    fill(url)
    server, base = start_server(url, args.server)
    start = (datetime.now(UTC) + timedelta(days=1)).date()
    targets = {
        "B0": f"{base}/health/live",
        "S1": f"{base}/api/v1/content/article/statya-42",
        "S2": f"{base}/api/v1/content?topic=anxiety&limit=20",
        "S3": f"{base}/api/v1/services/{SERVICE}/slots?from={start}T00:00:00%2B03:00"
        f"&to={start + timedelta(days=7)}T00:00:00%2B03:00&tz=Europe/Moscow",
        "S5": f"{base}/webhooks/yookassa",
    }
    chosen = {"B0", *args.only} if args.only else {*targets, "S4"}
    targets = {name: target for name, target in targets.items() if name in chosen}
    try:
        for target in targets.values():  # warm-up
            wrk(target, 2)
        throughput: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(REPETITIONS):  # interleaved, so drift hits every scenario alike
            for name, target in targets.items():
                throughput[name].append(wrk(target, args.seconds))
        latency = {
            name: hey(target, max(1, int(statistics.median(throughput[name]) / 2)),
                      args.seconds)
            for name, target in targets.items()
            if name != "S5"  # hey would send one body again and again: duplicates
        }  # fmt: skip
        # S4 last: its holds fill the calendar that S3 reads.
        s4 = hold_scenarios(base, args.seconds, throughput, latency) if "S4" in chosen else None
    finally:
        server.terminate()
        server.wait(timeout=30)
    database = {name: pgbench(url, script, args.seconds)
                for name, script in sql_scripts().items() if name in chosen}  # fmt: skip
    b0 = statistics.median(throughput["B0"])
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"server: {args.server}; {args.seconds}s runs, {CONNECTIONS} connections, "
          f"{REPETITIONS} interleaved repetitions; {stamp}")  # fmt: skip
    print(
        "| scenario | req/s median (min–max) | p50 ms @50% | p99 ms @50% | S/B0 | B1 tps | S/B1 |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in [*targets, *(s4.scenarios if s4 else ())]:
        rps = statistics.median(throughput[name])
        p50, p99 = (f"{v:.1f}" for v in latency[name]) if name in latency else ("—", "—")
        b1 = database.get(name)
        print(f"| {name} | {spread(throughput[name])} | {p50} | {p99} | "
              f"{rps / b0:.2f} | {f'{b1:.0f}' if b1 else '—'} | "
              f"{f'{rps / b1:.2f}' if b1 else '—'} |")  # fmt: skip
    if s4 is not None:
        print(s4.report(url))
    if args.peers:
        # here, not at the top: bench.peers.compare imports this module's helpers
        from bench.peers.compare import Trial, compare, peer_python  # noqa: PLC0415

        python = peer_python(args.peer_python)
        if python is None:
            print("peer comparison skipped: install the bench extra (django, "
                  "djangorestframework, gunicorn) or pass --peer-python")  # fmt: skip
        else:
            compare(url, Trial.of(args.seconds, quick=args.quick), python, args.server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
