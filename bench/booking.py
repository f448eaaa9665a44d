"""Benchmark: booking through the real server process.

Scenarios: "slots for a week" (GET /api/v1/services/<slug>/slots over 7 days), and
"hold under contention": guests racing for one hot slot, and guests spread uniformly
over a week of slots. Prints requests/s, p50/p99 and the 201/409 split, then checks
that no two live appointments overlap. Usage (see docs/performance.md):

    .venv/bin/python bench/booking.py [--database-url URL] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.postgres.embedded import start_embedded_postgres  # noqa: E402
from app.adapters.postgres.migrations import apply_migrations  # noqa: E402
from app.bootstrap import load_demo  # noqa: E402
from app.config import load_settings  # noqa: E402
from bench.content_read import scratch_database, start_server  # noqa: E402

SERVICE = "individualnaya-konsultatsiya"  # from the demo data: 50 min, online


def prepare(server_url: str) -> str:
    url = scratch_database(server_url)
    apply_migrations(url, ROOT / "migrations")
    asyncio.run(load_demo(load_settings({"APP_ENV": "test", "DATABASE_URL": url})))
    with psycopg.connect(url) as conn:  # book from now on, no notice needed
        conn.execute("UPDATE services SET min_notice_minutes = 0")
    return url


def summary(latencies: list[float], codes: dict[int, int], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"n": len(ordered), "rps": len(ordered) / elapsed,
            "p50": statistics.median(ordered) * 1000,
            "p99": ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000,
            "201": codes.get(201, 0), "409": codes.get(409, 0),
            "other": sum(v for k, v in codes.items() if k not in (200, 201, 409))}  # fmt: skip


async def run(
    base: str, requests: list[tuple[str, str, dict[str, object] | None]], concurrency: int
) -> dict[str, float]:
    latencies: list[float] = []
    codes: dict[int, int] = {}
    queue = iter(requests)

    async def worker(client: httpx.AsyncClient) -> None:
        for method, path, body in queue:
            started = time.perf_counter()
            response = await client.request(method, path, json=body)
            latencies.append(time.perf_counter() - started)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return summary(latencies, codes, elapsed)


async def run_at_rate(
    base: str,
    requests: list[tuple[str, str, dict[str, object] | None]],
    rate: float,
    concurrency: int,
) -> dict[str, float]:
    """Open loop: request i is due at i / rate seconds; at most ``concurrency`` are in
    flight. Latency counts from the due time, so a backlog is not hidden."""
    latencies: list[float] = []
    codes: dict[int, int] = {}
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        begin = time.perf_counter()

        async def one(i: int, method: str, path: str, body: dict[str, object] | None) -> None:
            due = begin + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            async with gate:
                response = await client.request(method, path, json=body)
            latencies.append(time.perf_counter() - due)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1

        await asyncio.gather(*(one(i, *r) for i, r in enumerate(requests)))
        elapsed = time.perf_counter() - begin
    return summary(latencies, codes, elapsed)


def hold(n: int, start: str) -> tuple[str, str, dict[str, object]]:
    return ("POST", "/api/v1/appointments", {
        "service_slug": SERVICE, "start_at": start, "format": "online",
        "contact": {"name": f"Гость {n}", "email": f"bench{n}@example.org"},
        "consents": [{"consent_type": "personal_data", "granted": True, "document_version": "1"}],
    })  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--latency-at-half", action="store_true",
        help="then measure each scenario again at half its throughput (open loop, up to "
        "--concurrency in flight), on the following week's slots",
    )  # fmt: skip
    args = parser.parse_args()
    server_url = args.database_url or start_embedded_postgres(ROOT / ".data" / "postgres").url
    url = prepare(server_url)
    server, base = start_server(url)
    try:
        now = datetime.now(UTC)
        week = f"from={now.isoformat()}&to={(now + timedelta(days=7)).isoformat()}".replace(
            "+", "%2B"
        )
        slots = httpx.get(f"{base}/api/v1/services/{SERVICE}/slots?{week}&tz=UTC").json()["slots"]
        count = args.requests
        week_slots = ("GET", f"/api/v1/services/{SERVICE}/slots?{week}", None)
        scenarios = {
            "slots for a week": [week_slots] * count,
            "hold: one hot slot": [hold(n, slots[0]) for n in range(count)],
            "hold: uniform over a week": [
                hold(10_000 + n, slots[n % len(slots)]) for n in range(count)
            ],
        }
        print(f"free slots in the week: {len(slots)}")
        header = ("scenario", "requests", "req/s", "p50 ms", "p99 ms", "201", "409", "other")
        print("{:<28}{:>9}{:>8}{:>8}{:>8}{:>6}{:>6}{:>6}".format(*header))
        maximum: dict[str, float] = {}
        for name, requests in scenarios.items():
            r = asyncio.run(run(base, requests, args.concurrency))
            maximum[name] = r["rps"]
            print(f"{name:<28}{r['n']:>9.0f}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p99']:>8.1f}"
                  f"{r['201']:>6.0f}{r['409']:>6.0f}{r['other']:>6.0f}")  # fmt: skip
        if args.latency_at_half:
            later = now + timedelta(days=7)
            week2 = f"from={later.isoformat()}&to={(later + timedelta(days=7)).isoformat()}"
            week2 = week2.replace("+", "%2B")
            slots2 = httpx.get(f"{base}/api/v1/services/{SERVICE}/slots?{week2}&tz=UTC"
                               ).json()["slots"]  # fmt: skip
            again = {
                "slots for a week": [("GET", f"/api/v1/services/{SERVICE}/slots?{week2}", None)]
                * count,
                "hold: one hot slot": [hold(20_000 + n, slots2[0]) for n in range(count)],
                "hold: uniform over a week": [
                    hold(30_000 + n, slots2[n % len(slots2)]) for n in range(count)
                ],
            }
            print(f"at half the throughput above, open loop, up to {args.concurrency} in flight")
            for name, requests in again.items():
                rate = maximum[name] / 2
                r = asyncio.run(run_at_rate(base, requests, rate, args.concurrency))
                line = f"{name:<28}{r['n']:>9.0f}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p99']:>8.1f}"
                print(f"{line}{r['201']:>6.0f}{r['409']:>6.0f}{r['other']:>6.0f}")
        with psycopg.connect(url) as conn:
            overlaps = conn.execute(
                """SELECT count(*) FROM appointments a JOIN appointments b
                     ON a.id < b.id AND a.blocked_period && b.blocked_period
                   WHERE a.status IN ('pending_payment', 'confirmed')
                     AND b.status IN ('pending_payment', 'confirmed')"""
            ).fetchone()
        print(f"overlapping live appointments after the run: {overlaps[0] if overlaps else '?'}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
