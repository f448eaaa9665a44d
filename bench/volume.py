"""Benchmark: the cost of each request path as the data grows.

A scratch database (``BENCH_DB_NAME``, default ``eb_volume``) gets the migrations and the
demo data, then is filled by set-based ``INSERT … SELECT generate_series`` to each size in
turn (a multiple of one "demo unit": 200 articles, 1,000 analytics events, 200
appointments, 100 leads, 1,000 audit entries, 100 moderation items; 1000× is 200,000
articles, 1,000,000 events, …). At each size it:

1. records ``EXPLAIN (FORMAT JSON)`` of every statement the request paths run (a list
   kept by hand from ``sql/``: the path, the query's name, its parameters) and fails when
   a plan reads a table of more than 10,000 rows by a Seq Scan;
2. measures p50/p99 of each path through the HTTP API (sequential requests with httpx,
   the per-process memories switched off so every request reaches the database); a data
   export and an erasure run in the worker, not in a request, so their statements are
   timed directly (the erasure inside a transaction that is rolled back).

Usage (see docs/performance.md, "Cost as the data grows"):

    .venv/bin/python bench/volume.py [--sizes 10,100,1000] [--requests N] [--quick]
        [--database-url URL] [--plans-out DIR]

``--quick``: 10× and 100× with 20 requests per path. Exit status 1 when a plan has a
Seq Scan on a large table (the offending path, statement and table are printed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiosql
import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.crypto.aesgcm import AesGcmCipher  # noqa: E402
from app.adapters.postgres.migrations import apply_migrations  # noqa: E402
from app.bootstrap import load_demo  # noqa: E402
from app.composition.infrastructure import resolve_keyring  # noqa: E402
from app.config import load_settings  # noqa: E402
from bench.content_read import scratch_database  # noqa: E402
from bench.http_baselines import SERVICE, start_server  # noqa: E402

DB = os.environ.get("BENCH_DB_NAME", "eb_volume")
# One "demo unit": the sizes are multiples of it.
UNIT = {"articles": 200, "events": 1000, "appointments": 200, "leads": 100, "audit": 1000,
        "ugc": 100}  # fmt: skip
LARGE_TABLE_ROWS = 10_000
TZ = "Europe/Moscow"


# --- filling -----------------------------------------------------------------------


def _ugc_placeholder(url: str) -> str:
    """A real ciphertext of the app's cipher (test keys), bound to one row: reused for
    every generated item. The queue and the dashboards never decrypt it; reading one
    generated item's text would fail authentication, so that path is left out."""
    settings = load_settings({"APP_ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    cipher = AesGcmCipher(resolve_keyring(settings))
    return cipher.encrypt(
        "Вопрос для проверки объёма.", f"ugc_items.text_encrypted:{uuid.UUID(int=0)}"
    )


def prepare(url: str) -> None:
    apply_migrations(url, ROOT / "migrations")
    settings = load_settings({"APP_ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    asyncio.run(load_demo(settings))


def fill(url: str, start: int, end: int, placeholder: str) -> None:
    """Grow from ``start`` to ``end`` demo units: rows numbered past what is there."""

    def span(kind: str) -> dict[str, int]:
        return {"a": start * UNIT[kind] + 1, "b": end * UNIT[kind]}

    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        service_id = conn.execute("SELECT id FROM services WHERE slug = %s", (SERVICE,)).fetchone()
        assert service_id is not None
        # Articles: ~1 KB of body, one topic each, published over the past years.
        conn.execute(
            """INSERT INTO content_items (type, slug, title, summary, body_markdown, status,
                                          published_at, created_at)
               SELECT 'article', 'vol-' || n, 'Статья ' || n || ' про тревогу и сон',
                      'Краткое содержание ' || n,
                      repeat('Текст статьи о том, как справляться. ', 25),
                      CASE WHEN mod(n, 10) = 0 THEN 'draft' ELSE 'published' END,
                      CASE WHEN mod(n, 10) = 0 THEN NULL
                           ELSE %(now)s - make_interval(mins => n) END,
                      %(now)s - make_interval(mins => n)
               FROM generate_series(%(a)s::int, %(b)s::int) AS n""",
            {**span("articles"), "now": now},
        )
        conn.execute(
            """INSERT INTO content_item_topics (content_item_id, topic_id)
               SELECT ci.id, t.id FROM content_items ci
               JOIN topics t ON t.code = (ARRAY['anxiety', 'sleep', 'burnout', 'stress'])
                                         [1 + mod(abs(hashtext(ci.slug)), 4)]
               WHERE ci.slug LIKE 'vol-%%'
                 AND substr(ci.slug, 5)::int BETWEEN %(a)s AND %(b)s""",
            span("articles"),
        )
        # Leads, each with an e-mail identity (plain text in this table).
        conn.execute(
            """INSERT INTO leads (id, status, source, display_name, created_at, updated_at)
               SELECT md5('lead-' || n)::uuid,
                      (ARRAY['new', 'contacted', 'qualified', 'lost'])[1 + mod(n, 4)], 'web_form',
                      'Клиент ' || n, %(now)s - make_interval(mins => 7 * n),
                      %(now)s - make_interval(mins => 7 * n)
               FROM generate_series(%(a)s::int, %(b)s::int) AS n""",
            {**span("leads"), "now": now},
        )
        conn.execute(
            """INSERT INTO lead_identities (lead_id, kind, value, value_normalized, created_at)
               SELECT md5('lead-' || n)::uuid,
                      'email', 'lead-' || n || '@example.org', 'lead-' || n || '@example.org',
                      %(now)s - make_interval(mins => 7 * n)
               FROM generate_series(%(a)s::int, %(b)s::int) AS n""",
            {**span("leads"), "now": now},
        )
        # Appointments of those leads, one every ~3 hours backwards from two weeks ahead:
        # past ones completed / no-show / canceled, future ones canceled, so the live-hold
        # exclusion constraint never meets two live ones.
        leads = UNIT["leads"] * end
        conn.execute(
            """INSERT INTO appointments (service_id, lead_id, start_at, end_at, blocked_period,
                                          timezone, status, format, canceled_at, cancel_reason,
                                          created_at, updated_at)
               SELECT %(service)s,
                      md5('lead-' || (1 + mod(n, %(leads)s)))::uuid,
                      s, s + interval '50 minutes',
                      tstzrange(s, s + interval '60 minutes', '[)'), %(tz)s, st, 'online',
                      CASE WHEN st = 'canceled' THEN s - interval '1 day' END,
                      CASE WHEN st = 'canceled' THEN 'client_request' END,
                      s - interval '7 days', s - interval '7 days'
               FROM generate_series(%(a)s::int, %(b)s::int) AS n,
                    LATERAL (SELECT date_trunc('hour', %(now)s) + interval '14 days'
                                    - make_interval(mins => 173 * n) AS s) AS t,
                    LATERAL (SELECT CASE WHEN t.s > %(now)s OR mod(n, 5) = 0 THEN 'canceled'
                                         WHEN mod(n, 7) = 0 THEN 'no_show'
                                         ELSE 'completed' END AS st) AS u""",
            {**span("appointments"), "service": service_id[0], "leads": leads, "now": now,
             "tz": TZ},
        )  # fmt: skip
        conn.execute(
            """INSERT INTO analytics_events (event_name, occurred_at, anonymous_id, props)
               SELECT (ARRAY['booking.started', 'booking.slot_selected', 'booking.held',
                             'booking.paid', 'content.viewed', 'interactive.started'])
                      [1 + mod(n, 6)],
                      %(now)s - make_interval(secs => 31 * n),
                      'anon-' || lpad((mod(n, 50000))::text, 8, '0'),
                      jsonb_build_object('entry_point', (ARRAY['web', 'telegram'])[1 + mod(n, 2)])
               FROM generate_series(%(a)s::int, %(b)s::int) AS n""",
            {**span("events"), "now": now},
        )
        conn.execute(
            """INSERT INTO audit_log_entries (occurred_at, actor_role, action, entity_type,
                                               entity_id, details)
               SELECT %(now)s - make_interval(secs => 29 * n), 'owner',
                      (ARRAY['content.update', 'appointment.read', 'lead.read',
                             'intake_form.read'])[1 + mod(n, 4)],
                      (ARRAY['content_item', 'appointment', 'lead', 'appointment'])[1 + mod(n, 4)],
                      n::text, '{}'
               FROM generate_series(%(a)s::int, %(b)s::int) AS n""",
            {**span("audit"), "now": now},
        )
        conn.execute(
            """INSERT INTO ugc_items (kind, topic_code, text_encrypted, status, sla_due_at,
                                       created_at, updated_at)
               SELECT (ARRAY['question', 'review'])[1 + mod(n, 2)], 'anxiety', %(text)s,
                      CASE WHEN mod(n, 50) = 0 THEN 'pending'
                           ELSE (ARRAY['published', 'rejected', 'answered'])[1 + mod(n, 3)] END,
                      %(now)s - make_interval(mins => 61 * n) + interval '48 hours',
                      %(now)s - make_interval(mins => 61 * n),
                      %(now)s - make_interval(mins => 61 * n)
               FROM generate_series(%(a)s::int, %(b)s::int) AS n""",
            {**span("ugc"), "now": now, "text": placeholder},
        )
        conn.commit()
        # The worker's analytics.funnel_rollup runs every 5 minutes: by the time the
        # dashboard is asked, the fill's funnel events are in their quarter hours.
        queries = aiosql.from_path(ROOT / "sql", "psycopg")
        conn.execute(queries.analytics.roll_up_booking_funnel.sql, {"settle": timedelta(0)})
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        # Write the fill's dirty pages out now: the first run at 1000x measured the
        # checkpoint after the fill (p99 of 0.4-9 s on paths whose p50 was unchanged).
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")


# --- plans -------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    path: str
    query: str  # "<folder>.<name>" in sql/
    params: dict[str, Any]


def statements(conn: psycopg.Connection[Any]) -> list[Statement]:
    """What each request path runs, with the values a real request would give."""
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    service = conn.execute("SELECT id FROM services WHERE slug = %s", (SERVICE,)).fetchone()
    person = conn.execute(
        "SELECT client_user_id, lead_id FROM appointments WHERE lead_id IS NOT NULL LIMIT 1"
    ).fetchone()
    assert service is not None
    assert person is not None
    user = conn.execute("SELECT id FROM users ORDER BY created_at LIMIT 1").fetchone()
    assert user is not None
    user_id, lead_ids = user[0], [person[1]]
    month = {"date_from": now - timedelta(days=30), "date_to": now}
    page = {"limit": 51}
    mark = conn.execute(
        "SELECT rolled_through FROM analytics_rollups WHERE name = 'booking_funnel'"
        " AND isfinite(rolled_through)"
    ).fetchone()
    assert mark is not None
    out = [
        Statement("S1 content by slug", "content.get_published",
                  {"type": "article", "slug": "vol-42"}),
        Statement("S2 content list by topic", "content.list_published_in_topic",
                  {"type": None, "topic": "anxiety", "tag": None, "after_published_at": None,
                   "after_id": None, "limit": 21}),
        Statement("S2b content list, no filter", "content.list_published",
                  {"type": None, "topic": None, "tag": None, "after_published_at": None,
                   "after_id": None, "limit": 21}),
        Statement("S3 slots", "booking.get_service_by_slug", {"slug": SERVICE}),
        Statement("S3 slots", "booking.rules_for_service", {"service_id": service[0]}),
        Statement("S3 slots", "booking.exceptions_between",
                  {"start_at": now, "end_at": now + timedelta(days=7)}),
        Statement("S3 slots", "booking.busy_between",
                  {"start_at": now, "end_at": now + timedelta(days=7)}),
        Statement("today's appointments", "booking.staff_day",
                  {"start_at": today, "end_at": today + timedelta(days=1), "status": None,
                   "after_id": None, **page}),
        Statement("lead search", "crm.search_leads",
                  {"status": None, "pattern": "%lead-4242%", "after_created_at": None,
                   "after_id": None, **page}),
        Statement("lead search", "crm.search_leads",
                  {"status": None, "pattern": "%клиент 12%", "after_created_at": None,
                   "after_id": None, **page}),
        Statement("leads, newest", "crm.list_leads",
                  {"status": None, "q": None, "after_created_at": None, "after_id": None,
                   **page}),
        Statement("audit log search", "admin.search",
                  {"actor_id": None, "entity_type": None, "action": None,
                   "after_occurred_at": None, "after_id": None, **month, **page}),
        Statement("audit log search", "admin.search",
                  {"actor_id": None, "entity_type": "lead", "action": None,
                   "after_occurred_at": None, "after_id": None, **month, **page}),
        Statement("moderation queue", "moderation.queue",
                  {"status": "pending", "after_urgent": None, "after_sla_due_at": None,
                   "after_id": None, **page}),
        Statement("dashboard booking-funnel", "analytics.booking_funnel",
                  {**month, "tz": TZ, "since": mark[0]}),
        Statement("dashboard interactives", "analytics.interactive_runs", month),
        Statement("dashboard moderation-sla", "analytics.moderation_sla", {**month, "now": now}),
        Statement("dashboard no-show-rate", "analytics.no_show_rate", month),
    ]  # fmt: skip
    # A data export and an erasure: every statement of the personal-data files, and the
    # CRM's and moderation's parts of them.
    values = {"user_id": user_id, "lead_ids": lead_ids, "ids": lead_ids, "now": now,
              "anonymous_ids": ["anon-00000042"], "telegram_user_ids": [42]}  # fmt: skip
    for folder in sorted(p.name for p in (ROOT / "sql").iterdir() if p.is_dir()):
        file = ROOT / "sql" / folder / "personal_data.sql"
        if not file.exists():
            continue
        for name, params in _declared(file):
            reads = name.startswith(("export_", "claimed_", "telegram_ids", "upcoming_"))
            kind = "export" if reads else "erasure"
            out.append(Statement(f"data {kind}", f"{folder}.{name}",
                                 {p: values[p] for p in params}))  # fmt: skip
    out += [
        Statement("data export", "crm.leads_matching_user", {"user_id": user_id}),
        Statement("data export", "moderation.authored_by", {"user_id": user_id}),
        Statement(
            "data erasure", "crm.erase_leads", {"ids": lead_ids, "user_id": user_id, "now": now}
        ),
        Statement("data erasure", "moderation.erase_authorships", {"user_id": user_id}),
    ]
    return out


def _declared(file: Path) -> Iterator[tuple[str, list[str]]]:
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- name: "):
            head = line.removeprefix("-- name: ").strip()
            name, _, rest = head.partition("(")
            params = [p.strip() for p in rest.split(")")[0].split(",") if p.strip()]
            yield name.rstrip("!^<$*#"), params


def _scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def check_plans(url: str, out_dir: Path | None, label: str) -> list[str]:
    """EXPLAIN every statement; the Seq Scans on tables over LARGE_TABLE_ROWS rows."""
    queries = aiosql.from_path(ROOT / "sql", "psycopg")
    problems: list[str] = []
    plans: dict[str, Any] = {}
    with psycopg.connect(url) as conn:
        rows = dict(conn.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'"
        ).fetchall())  # fmt: skip
        for st in statements(conn):
            folder, name = st.query.split(".")
            text = getattr(getattr(queries, folder), name).sql
            try:
                found = conn.execute(f"EXPLAIN (FORMAT JSON) {text}", st.params).fetchone()
            finally:
                conn.rollback()
            assert found is not None
            plan = found[0][0]["Plan"]
            plans[f"{st.path} | {st.query}"] = plan
            for node in _scans(plan):
                table = node.get("Relation Name")
                if node["Node Type"] == "Seq Scan" and rows.get(table, 0) > LARGE_TABLE_ROWS:
                    problems.append(f"{label}: {st.path}: {st.query}: Seq Scan on {table} "
                                    f"({rows[table]:,} rows)")  # fmt: skip
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"plans-{label}.json").write_text(
            json.dumps(plans, indent=1, ensure_ascii=False), encoding="utf-8"
        )
    return problems


# --- latency -----------------------------------------------------------------------


def staff_token(url: str) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        user = conn.execute(
            "INSERT INTO users (email) VALUES (%s) RETURNING id",
            (f"owner-{secrets.token_hex(4)}@example.org",),
        ).fetchone()
        assert user is not None
        conn.execute("INSERT INTO user_roles (user_id, role_code) VALUES (%s, 'owner')", (user[0],))
        conn.execute(
            """INSERT INTO auth_sessions (user_id, token_hash, created_at, expires_at,
                                           last_seen_at) VALUES (%s, %s, %s, %s, %s)""",
            (user[0], hashlib.sha256(token.encode()).digest(), now,
             now + timedelta(hours=12), now),
        )  # fmt: skip
    return token


def http_paths() -> dict[str, tuple[str, dict[str, str]]]:
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = (now + timedelta(days=1)).date()
    month = {"from": str((now - timedelta(days=30)).date()), "to": str(now.date())}
    return {
        "S1 content by slug": ("/api/v1/content/article/vol-{n}", {}),
        "S2 content list by topic": ("/api/v1/content", {"topic": "anxiety", "limit": "20"}),
        "S3 slots for a week": (f"/api/v1/services/{SERVICE}/slots",
                                {"from": f"{day}T00:00:00+03:00",
                                 "to": f"{day + timedelta(days=7)}T00:00:00+03:00", "tz": TZ}),
        "today's appointments": ("/api/v1/admin/appointments",
                                 {"from": today.isoformat(),
                                  "to": (today + timedelta(days=1)).isoformat()}),
        "lead search": ("/api/v1/admin/leads/", {"q": "lead-{n}"}),
        "audit log search": ("/api/v1/admin/audit-log", {"entity_type": "lead"}),
        "moderation queue": ("/api/v1/admin/moderation/queue", {}),
        **{f"dashboard {name}": (f"/api/v1/admin/dashboards/{name}", month)
           for name in ("booking-funnel", "interactives", "moderation-sla", "no-show-rate")},
    }  # fmt: skip


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[
        min(len(ordered) - 1, int(len(ordered) * 0.99))
    ] * 1000


def measure_http(base: str, token: str, requests: int, articles: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for name, (path, params) in http_paths().items():
            samples: list[float] = []
            for i in range(requests + 3):
                # An article that is published (every tenth generated one is a draft).
                n = str(1 + 10 * ((i * 7919) % max(1, articles // 10)))
                started = time.perf_counter()
                query = {k: v.replace("{n}", n) for k, v in params.items()}
                answer = client.get(path.replace("{n}", n), params=query)
                elapsed = time.perf_counter() - started
                if answer.status_code != 200:
                    raise SystemExit(f"{name}: {answer.status_code} {answer.text[:300]}")
                if i >= 3:  # the first ones warm up
                    samples.append(elapsed)
            results[name] = _percentiles(samples)
    return results


def measure_worker_paths(url: str, requests: int) -> dict[str, tuple[float, float]]:
    """A data export (its statements in turn) and an erasure (rolled back), timed."""
    queries = aiosql.from_path(ROOT / "sql", "psycopg")
    out: dict[str, tuple[float, float]] = {}
    with psycopg.connect(url) as conn:
        chosen = [s for s in statements(conn) if s.path.startswith("data ")]
        conn.rollback()
        for kind in ("data export", "data erasure"):
            samples = []
            for _ in range(requests):
                started = time.perf_counter()
                for st in (s for s in chosen if s.path == kind):
                    folder, name = st.query.split(".")
                    conn.execute(getattr(getattr(queries, folder), name).sql, st.params)
                conn.rollback()
                samples.append(time.perf_counter() - started)
            out[kind] = _percentiles(samples)
    return out


# --- the run -----------------------------------------------------------------------


def measure(url: str, token: str, requests: int, size: int) -> dict[str, Any]:
    """p50/p99 of every path at this size: through the server, then the worker's."""
    server, base = start_server(url, "uvicorn")
    try:
        latency = measure_http(base, token, requests, UNIT["articles"] * size)
    finally:
        server.terminate()
        server.wait(timeout=30)
    latency.update(measure_worker_paths(url, max(3, requests // 10)))
    return latency


def table_sizes(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                for t in ("content_items", "analytics_events", "appointments", "leads",
                          "audit_log_entries", "ugc_items")}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--sizes", default="10,100,1000",
                        help="multiples of the demo unit, smallest first")  # fmt: skip
    parser.add_argument("--requests", type=int, default=100, help="per path and size")
    parser.add_argument("--quick", action="store_true", help="10× and 100×, 20 requests")
    parser.add_argument("--plans-out", type=Path, help="write each size's plans (JSON) here")
    parser.add_argument("--measure-only", type=int, metavar="SIZE",
                        help="measure the scratch database as it is (filled to SIZE by an "
                             "earlier run), without refilling it")  # fmt: skip
    args = parser.parse_args()
    sizes = [10, 100] if args.quick else sorted(int(s) for s in args.sizes.split(","))
    requests = 20 if args.quick else args.requests
    os.environ.update({"CONTENT_CACHE_SECONDS": "0", "SLOTS_CACHE_SECONDS": "0"})
    if args.measure_only:
        parts = urlsplit(args.database_url)
        url = urlunsplit((parts.scheme, parts.netloc, f"/{DB}", parts.query, ""))
        sizes = [args.measure_only]
    else:
        url = scratch_database(args.database_url, DB)
        prepare(url)
    placeholder = _ugc_placeholder(url)
    token = staff_token(url)
    problems: list[str] = []
    report: dict[int, dict[str, Any]] = {}
    previous = 0
    for size in sizes:
        started = time.perf_counter()
        if not args.measure_only:
            fill(url, previous, size, placeholder)
        previous = size
        fill_seconds = time.perf_counter() - started
        label = f"{size}x"
        found = check_plans(url, args.plans_out, label)
        problems += found
        latency = measure(url, token, requests, size)
        report[size] = {"latency": latency, "rows": table_sizes(url), "fill_s": fill_seconds}
        rows = ", ".join(f"{t} {n:,}" for t, n in report[size]["rows"].items())
        print(f"\n## {label} (filled in {fill_seconds:.0f} s): {rows}")
        print("| path | p50 ms | p99 ms |\n| --- | --- | --- |")
        for name, (p50, p99) in latency.items():
            print(f"| {name} | {p50:.1f} | {p99:.1f} |")
        for line in found:
            print(f"PLAN: {line}")
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        print(f"\n## p99 growth {first}× → {last}×")
        print("| path | ratio |\n| --- | --- |")
        for name, (_, p99) in report[last]["latency"].items():
            print(f"| {name} | {p99 / report[first]['latency'][name][1]:.2f} |")
    if problems:
        print("\nFAILED: sequential scans on large tables in request paths:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"\nno Seq Scan on a table over {LARGE_TABLE_ROWS:,} rows in any request path")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
