"""Browser tests of the web console: a real ``python -m app serve`` process over its own
database, a real SMTP sink for the login codes, and the system's Chromium driven by
Playwright (launched by its path: no browser is downloaded).

Fixtures for page tests:

- ``console`` (module): the running server over demo data (``console.url(path)``,
  ``console.inbox``, ``console.database_url``), its owner ``OWNER_EMAIL`` signed in
  through the JSON API once (``console.api(method, path, json=...)`` calls it with the
  owner's bearer token: set up data the way the API would), ``console.new_account(role)``
  making a fresh account (a login code may be sent to an address only so often).
- ``browser`` (module): Chromium; ``page``: a fresh signed-out page (desktop width,
  ``base_url`` set, so ``page.goto("/console/...")``).
- ``signed_in_page(role)``: a page signed in through the real login pages as a fresh
  account with ``role`` ("owner", "assistant", "editor" or "client"; a client ends on
  the refusal page).
- ``snap(page, name)``: screenshots at 1280 and 375 px into ``artifacts/screenshots/``.
- ``check_a11y(page)``: axe-core in the page; fails on serious or critical violations.

Without a Chromium the tests are skipped (and the terminal summary says so); with
``REQUIRE_BROWSER=1`` they fail instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from aiosmtpd.controller import Controller
from pytest_postgresql.executors import NoopExecutor

from app.config import PROJECT_ROOT
from tests.conftest import TEST_KEYRING, PgServer, cloned_database
from tests.e2e.identity_helpers import Inbox, free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
SKIP_REASON = f"Chromium not found at {CHROMIUM}; apt-get install chromium"
ARTIFACTS = PROJECT_ROOT / "artifacts" / "screenshots"
START_SECONDS = 60
OWNER_EMAIL = "owner@example.org"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
SERIOUS = ("serious", "critical")

_skipped: list[str] = []


def chromium_found() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_found() or REQUIRE_BROWSER:
        return
    browser_dir = Path(__file__).parent
    marker = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if browser_dir in Path(str(item.fspath)).parents:
            item.add_marker(marker)
            _skipped.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped:
        terminalreporter.section("browser tests")
        terminalreporter.write_line(
            f"{len(_skipped)} browser tests did NOT run: {SKIP_REASON} "
            "(or set CHROMIUM_PATH; REQUIRE_BROWSER=1 makes this an error)",
            yellow=True,
        )


@dataclass
class ConsoleServer:
    base: str
    database_url: str
    inbox: Inbox
    process: subprocess.Popen[str]
    owner_token: str = ""
    accounts: int = 0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The JSON API as the module's owner (``path`` from ``/api/v1/...``)."""
        headers = {"Authorization": f"Bearer {self.owner_token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url(path), headers=headers, timeout=20, **kwargs)

    def new_account(self, role: str) -> str:
        """A fresh account with ``role``; its e-mail address."""
        self.accounts += 1
        email = f"{role}-{self.accounts}@example.org"
        if role == "client":
            # As a first login through the API would leave it (a login code is sent
            # to an address only so often, so the test's own login comes first).
            with psycopg.connect(self.database_url, autocommit=True) as db:
                db.execute(
                    "WITH u AS (INSERT INTO users (email) VALUES (%(e)s) RETURNING id) "
                    "INSERT INTO user_roles (user_id, role_code) SELECT id, 'client' FROM u",
                    {"e": email},
                )
        else:
            added = self.api("POST", "/api/v1/admin/users", json={"email": email, "roles": [role]})
            assert added.status_code in (200, 201), added.text
        return email


def run_app(database_url: str, *commands: list[str]) -> None:
    """``python -m app <command>`` for each command, side by side, against the test
    database; each must succeed."""
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "app", *command],
            env={**os.environ, **_env(database_url)},
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    for process in running:
        _, err = process.communicate(timeout=START_SECONDS)
        assert process.returncode == 0, err


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEYS": TEST_KEYRING,
        "API_INTERNAL_PORT": "0",
        "RATE_LIMITS_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@pytest.fixture(scope="module")
def console_database(pg_server: PgServer, pg_template: NoopExecutor) -> Iterator[str]:
    """One migrated database for the module's server (cloned from the test template)."""
    with cloned_database(pg_server, pg_template, f"console_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="module")
def console(console_database: str) -> Iterator[ConsoleServer]:
    """The real server (worker in process, mail to a local SMTP sink), demo data loaded,
    an owner and a client account."""
    inbox = Inbox(free_port())
    smtp = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    smtp.start()
    port = free_port()
    env = _env(
        console_database,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        WORKER_IN_PROCESS="true",
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(inbox.port),
        SMTP_TLS="none",
        EMAIL_FROM="Эмоциональный баланс <hello@example.org>",
        CONSOLE_ENABLED="true",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = ConsoleServer(f"http://127.0.0.1:{port}", console_database, inbox, process)
    try:
        # While the server starts: the demo data and the owner, as a practice sets up.
        run_app(console_database, ["seed-demo"], ["create-owner", "--email", OWNER_EMAIL])
        _wait_until_up(server.url("/health/live"), process)
        server.owner_token = api_login(server, OWNER_EMAIL)
        yield server
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        smtp.stop()


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    out, err = process.communicate(timeout=10)
    pytest.fail(f"{url} never answered 200:\n{out}\n{err}")


def wait_for_code(inbox: Inbox, address: str, after: int) -> str:
    """The login code in the first e-mail to ``address`` past the ``after`` earlier ones."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for text in inbox.texts_to(address)[after:]:
            if match := re.search(r"\b(\d{6})\b", text):
                return match.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no login code reached {address}")


def api_login(
    server: ConsoleServer, email: str, consents: list[dict[str, Any]] | None = None
) -> str:
    """Sign in through the JSON API (a first login registers a client); the token."""
    before = len(server.inbox.texts_to(email))
    api = server.url("/api/v1/auth/email")
    started = httpx.post(f"{api}/start", json={"email": email}, timeout=10)
    assert started.status_code == 202, started.text
    code = wait_for_code(server.inbox, email, before)
    verified = httpx.post(
        f"{api}/verify",
        json={"email": email, "code": code, "consents": consents or []},
        timeout=10,
    )
    assert verified.status_code == 200, verified.text
    return str(verified.json()["token"])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not chromium_found():
        pytest.fail(SKIP_REASON)  # only with REQUIRE_BROWSER=1 (else skipped earlier)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(console: ConsoleServer, browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at desktop width, with the server's base URL."""
    context = browser.new_context(
        base_url=console.base, viewport=DESKTOP, locale="ru-RU", timezone_id="Europe/Moscow"
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def sign_in(page: Any, console: ConsoleServer, email: str) -> None:
    """Sign in through the real pages, reading the code from the SMTP sink."""
    before = len(console.inbox.texts_to(email))
    page.goto("/console/login")
    page.fill("#email", email)
    page.get_by_role("button", name="Получить код").click()
    page.wait_for_selector("#code")
    page.fill("#code", wait_for_code(console.inbox, email, before))
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


@pytest.fixture
def signed_in_page(page: Any, console: ConsoleServer) -> Callable[[str], Any]:
    """``signed_in_page("owner")``: the page, signed in as a fresh owner (on /console/)."""

    def open_as(role: str) -> Any:
        sign_in(page, console, console.new_account(role))
        return page

    return open_as


def save_screenshots(page: Any, name: str) -> list[Path]:
    """Screenshots of the page at desktop and phone width (full page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or DESKTOP
    saved = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        path = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    page.set_viewport_size(original)
    return saved


def assert_accessible(page: Any) -> None:
    """axe-core in the page (WCAG 2.1 A/AA rules): no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415

    results = Axe().run(
        page,
        options={
            "resultTypes": ["violations"],
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        },
    )
    bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    ]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(described)


@pytest.fixture
def snap() -> Callable[[Any, str], list[Path]]:
    """``snap(page, "today")`` → artifacts/screenshots/today-desktop.png, -phone.png."""
    return save_screenshots


@pytest.fixture
def check_a11y() -> Callable[[Any], None]:
    """``check_a11y(page)``: no serious or critical axe-core violation on the page."""
    return assert_accessible
