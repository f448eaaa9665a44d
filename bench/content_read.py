"""Benchmark: public content reads through the real server process.

Scenarios: "content by slug" (GET /api/v1/content/article/<slug>) and "content list by
topic" (GET /api/v1/content?topic=anxiety). A scratch database is filled with the demo
data plus generated published articles; `python -m app serve` runs on loopback; a
bounded number of requests is sent with fixed concurrency; requests/s and p50/p99
latency are printed. Usage (see docs/performance.md):

    .venv/bin/python bench/content_read.py [--database-url URL] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.postgres.embedded import start_embedded_postgres  # noqa: E402
from app.adapters.postgres.migrations import apply_migrations  # noqa: E402
from app.bootstrap import load_demo  # noqa: E402
from app.config import load_settings  # noqa: E402

# BENCH_DB_NAME: another name, so that two benchmark runs on one server do not collide.
DB = os.environ.get("BENCH_DB_NAME", "eb_bench")
ARTICLES = 2000


def scratch_database(server_url: str, name: str = DB) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        database = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(database))
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def fill(url: str) -> None:
    apply_migrations(url, ROOT / "migrations")
    settings = load_settings({"APP_ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    asyncio.run(load_demo(settings))
    words = ["тревога", "сон", "выгорание", "границы", "отношения", "стресс", "эмоции"]
    with psycopg.connect(url) as conn:
        conn.execute(
            """INSERT INTO content_items (type, slug, title, summary, body_markdown, status,
                                          published_at)
               SELECT 'article', 'statya-' || n,
                      'Статья ' || n || ' про ' || (CAST(%(w)s AS text[]))[1 + mod(n, 7)],
                      'Краткое содержание ' || n,
                      repeat('Текст статьи о том, как справляться. ', 80),
                      'published', now() - make_interval(mins => n)
               FROM generate_series(1, %(n)s) AS n""",
            {"w": words, "n": ARTICLES},
        )
        conn.execute(
            """INSERT INTO content_item_topics (content_item_id, topic_id)
               SELECT ci.id, t.id FROM content_items ci
               JOIN topics t ON t.code = (ARRAY['anxiety', 'sleep', 'burnout', 'stress'])
                                         [1 + mod(abs(hashtext(ci.slug)), 4)]
               WHERE ci.slug LIKE 'statya-%'"""
        )
        conn.execute("ANALYZE")


def start_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m app serve` on a free loopback port, once it answers ready."""
    port, internal_port = free_port(), free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "HTTP_PORT": str(port),
           "API_INTERNAL_PORT": str(internal_port),
           "LOG_LEVEL": "WARNING", "RATE_LIMITS_ENABLED": "false"}  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "app", "serve"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            ready = f"http://127.0.0.1:{internal_port}/health/ready"
            if httpx.get(ready, timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    return server, base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(base: str, paths: list[str], total: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    queue = iter(range(total))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for n in queue:
            started = time.perf_counter()
            response = await client.get(paths[n % len(paths)])
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for path in paths[:20]:  # warm up
            await client.get(path)
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": total,
        "errors": errors,
        "rps": total / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="server to create the scratch database on")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    server_url = args.database_url or start_embedded_postgres(ROOT / ".data" / "postgres").url
    url = scratch_database(server_url)
    fill(url)
    server, base = start_server(url)
    try:
        scenarios = {
            "content by slug": [f"/api/v1/content/article/statya-{n}" for n in range(1, 500)],
            "content list by topic": ["/api/v1/content?topic=anxiety&limit=20"],
        }
        print(f"{'scenario':<24}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
        for name, paths in scenarios.items():
            r = asyncio.run(load(base, paths, args.requests, args.concurrency))
            print(f"{name:<24}{r['requests']:>9}{r['errors']:>8}{r['rps']:>9.0f}"
                  f"{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=20)
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
