"""The Prometheus configuration, alert rules and Grafana dashboard under deploy/ speak
of metrics the processes really expose: every ``balance_*`` name and label they use is
collected here from real scrapes of the API's, the worker's and the bot's internal
listeners. ``promtool`` checks the files too when it is installed (Debian package
``prometheus``); REQUIRE_DEPLOY_TOOLS=1 makes its absence a failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from app.adapters.llm.metrics import default_metrics as default_llm_metrics
from app.adapters.observability.metrics import request_metrics
from app.application.worker import run_round
from app.bootstrap import Core
from app.composition.internal import api_internal_app, bot_internal_app
from app.config import PROJECT_ROOT
from tests.conftest import worker_internal_client

PROMETHEUS = PROJECT_ROOT / "deploy" / "prometheus"
DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "emotional-balance.json"
# Labels Prometheus adds at scrape time, and the histogram bucket bound.
SCRAPE_LABELS = {"job", "instance", "le"}
NAME = re.compile(r"\bbalance_[a-z0-9_]+\b")
SELECTOR = re.compile(r"\b(balance_[a-z0-9_]+)\{([^}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")


async def _crash_once() -> None:
    @get("/crash", sync_to_thread=False)
    def crash() -> None:
        raise RuntimeError("for the error counter")

    crashing = Litestar([crash], middleware=[request_metrics()], logging_config=None)
    async with _client(crashing) as http:
        assert (await http.get("/crash")).status_code == 500


def _client(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://internal")


@pytest.fixture
async def exposed(
    core: Core, client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> dict[str, set[str]]:
    """Sample name -> label names, from the three processes' /metrics."""
    # A message that failed and a provider notification: their series exist once rows do.
    postgresql.execute(
        """INSERT INTO notification_deliveries (channel, template_code, recipient_kind,
               recipient_id, dedupe_key, status, last_error)
           VALUES ('email', 'booking.confirmed', 'user', gen_random_uuid()::text, 'k1', 'failed',
                   'smtp_refused')"""
    )
    postgresql.execute(
        "INSERT INTO provider_webhook_events (provider, event, object_id) "
        "VALUES ('yookassa', 'payment.succeeded', 'p-1')"
    )
    postgresql.commit()
    await client.get("/api/v1/content")  # the request metrics exist once a request is seen
    default_llm_metrics()  # as in a process with a model configured (else never made)
    await _crash_once()  # and the error counter once a request has raised
    await run_round(core.relay, core.sender, core.scheduler)
    core.worker_telemetry.round_finished(failed=False)
    texts = []
    # The API's, with the calendar configured (balance_calendar_up is only there then).
    api = api_internal_app(
        core.settings, core.database, (), lambda: "ok", core.scheduler, core.worker_telemetry
    )
    async with _client(api) as internal:
        texts.append((await internal.get("/metrics")).text)
    async with worker_internal_client(core) as internal:
        texts.append((await internal.get("/metrics")).text)
    async with _client(bot_internal_app(core.database, lambda: True)) as internal:
        texts.append((await internal.get("/metrics")).text)
    found: dict[str, set[str]] = {}
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                found.setdefault(sample.name, set()).update(sample.labels)
    return found


def _alert_expressions() -> Iterator[tuple[str, str]]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield rule["alert"], rule["expr"]


def _dashboard_expressions() -> Iterator[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def _problems(where: str, expr: str, exposed: dict[str, set[str]]) -> list[str]:
    problems = []
    names = set(NAME.findall(expr))
    problems += [f"{where}: {name} is not exposed" for name in names - exposed.keys()]
    known = set(SCRAPE_LABELS)
    for name in names & exposed.keys():
        known |= exposed[name]
    for name, matchers in SELECTOR.findall(expr):
        for label in MATCHER.findall(matchers):
            if label not in exposed.get(name, set()) | SCRAPE_LABELS:
                problems.append(f"{where}: {name} has no label {label}")
    for grouping in GROUPING.findall(expr):
        for label in (part.strip() for part in grouping.split(",")):
            if label and label not in known:
                problems.append(f"{where}: no metric in the expression has a label {label}")
    return problems


def test_alert_rules_use_only_exposed_metrics_and_labels(exposed: dict[str, set[str]]) -> None:
    expressions = list(_alert_expressions())
    assert len(expressions) >= 10
    problems = [p for alert, expr in expressions for p in _problems(alert, expr, exposed)]
    assert problems == []


def test_dashboard_uses_only_exposed_metrics_and_labels(exposed: dict[str, set[str]]) -> None:
    expressions = list(_dashboard_expressions())
    assert len(expressions) >= 15
    problems = [p for title, expr in expressions for p in _problems(title, expr, exposed)]
    assert problems == []


def test_every_database_wide_figure_has_an_alert_or_a_panel(
    exposed: dict[str, set[str]],
) -> None:
    used = " ".join(expr for _, expr in [*_alert_expressions(), *_dashboard_expressions()])
    unused = sorted(
        name for name in exposed
        if name.startswith("balance_") and not name.endswith(("_created", "_bucket", "_count",
                                                                "_sum"))
        and name not in used
    )  # fmt: skip
    assert unused == []


def test_prometheus_scrapes_each_process_on_its_internal_port() -> None:
    config: dict[str, Any] = yaml.safe_load(
        (PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8")
    )
    targets = {
        job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]]
        for job in config["scrape_configs"]
    }
    assert targets == {
        "balance-api": ["api:9100"],
        "balance-worker": ["worker:9101"],
        "balance-bot": ["bot:9102"],
    }
    assert config["rule_files"] == ["alerts.yml"]
    jobs_in_rules = set(
        re.findall(r'job=~?"([^"]+)"', " ".join(expr for _, expr in _alert_expressions()))
    )
    for pattern in jobs_in_rules:
        assert any(re.fullmatch(pattern, job) for job in targets), pattern


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("REQUIRE_DEPLOY_TOOLS") == "1":
            pytest.fail("promtool is required (REQUIRE_DEPLOY_TOOLS=1): apt-get install prometheus")
        pytest.skip("promtool is not installed (Debian package prometheus)")
    return found


@pytest.mark.parametrize(
    "command",
    [
        ("check", "config", "prometheus.yml"),
        ("check", "rules", "alerts.yml"),
        ("test", "rules", "alerts.test.yml"),
    ],
    ids=" ".join,
)
def test_promtool_accepts_the_files(command: tuple[str, ...]) -> None:
    result = subprocess.run(
        [_promtool(), *command], cwd=Path(PROMETHEUS), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
