"""The layers hold: the domain imports only the standard library and msgspec; application
code imports the domain, its own context and the shared application modules (never an
adapter, the configuration or a framework); no adapter module reaches into another
context's repositories. Read from the source with ``ast``, so a violation fails here,
not in review."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

# Application modules every context may use: the ports of the shared machinery.
SHARED_APPLICATION = frozenset(
    {"ports", "access", "audit", "transactions", "recent_reads", "notifications",
     "outbox_relay", "events", "scheduler", "worker", "request_id"}
)  # fmt: skip
# Deliberate cross-context uses, each a driving use of another context's use cases.
CROSS_CONTEXT = {
    # The bot is a second front door to booking, and makes leads by the CRM's rules.
    ("telegram", "booking"),
    ("telegram", "crm"),
    # A self-check that leaves a contact makes a lead by the CRM's rules.
    ("interactives", "crm"),
    # The editor's drafts land through the editorial workflow (a draft, never published).
    ("assistants", "content"),
    # The booking concierge finds free times and holds through booking's use cases, and
    # the bot is one of its front doors.
    ("assistants", "booking"),
    ("telegram", "assistants"),
}
# Infrastructure of the PostgreSQL adapter: the session and pool, error translation, and
# the shared machinery of every unit of work (audit log, outbox, delivery queue).
POSTGRES_INFRASTRUCTURE = frozenset(
    {"session", "database", "errors", "unit_of_work", "migrations", "embedded", "audit",
     "outbox", "notifications"}
)  # fmt: skip
# langchain_core / langgraph: the chat-model interface and graph the assistants' use
# cases are written against (the model itself is an adapter passed in).
APPLICATION_THIRD_PARTY = frozenset({"msgspec", "structlog", "langchain_core", "langgraph"})


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in ``path``, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def modules(layer: str) -> list[Path]:
    return sorted((APP / layer).rglob("*.py"))


def context_of(path: Path, layer: str) -> str:
    """``app/<layer>/<context>/...`` or ``app/<layer>/<module>.py`` → the context name."""
    return path.relative_to(APP / layer).parts[0].removesuffix(".py")


def domain_violations(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for line, module in imports(path):
            top = module.split(".")[0]
            if top in STDLIB or top == "msgspec" or module.startswith("app.domain"):
                continue
            found.append(f"{path.relative_to(APP.parent)}:{line}: domain imports {module}")
    return found


def application_violations(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        context = context_of(path, "application")
        for line, module in imports(path):
            parts = module.split(".")
            if parts[0] in STDLIB or parts[0] in APPLICATION_THIRD_PARTY:
                continue
            if module.startswith("app.domain"):
                continue
            if parts[:2] == ["app", "application"] and len(parts) > 2:
                other = parts[2]
                if other in (context, *SHARED_APPLICATION) or (context, other) in CROSS_CONTEXT:
                    continue
            found.append(f"{path.relative_to(APP.parent)}:{line}: application imports {module}")
    return found


def adapter_violations(paths: list[Path]) -> list[str]:
    """An adapter module may use its own package and another package's infrastructure,
    never another context's repositories (``app.adapters.postgres.<other context>``)."""
    found = []
    for path in paths:
        package = context_of(path, "adapters")
        own_module = path.stem
        for line, module in imports(path):
            parts = module.split(".")
            if parts[:2] != ["app", "adapters"] or len(parts) < 4:
                continue
            other_package, other_module = parts[2], parts[3]
            if other_package != "postgres" or other_module in POSTGRES_INFRASTRUCTURE:
                continue
            if package == "postgres" and other_module == own_module:
                continue
            found.append(
                f"{path.relative_to(APP.parent)}:{line}: reaches into another context's "
                f"repositories: {module}"
            )
    return found


def test_the_domain_imports_only_the_standard_library_and_msgspec() -> None:
    assert domain_violations(modules("domain")) == []


def test_application_code_imports_only_the_domain_and_its_own_ports() -> None:
    assert application_violations(modules("application")) == []


def test_no_adapter_imports_another_contexts_repositories() -> None:
    assert adapter_violations(modules("adapters")) == []


def test_the_checks_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rule reports a module that breaks it."""
    monkeypatch.setattr(sys.modules[__name__], "APP", tmp_path / "app")
    for layer, name, source in (
        ("domain", "booking/rule.py", "import psycopg\nfrom litestar import get\n"),
        ("application", "crm/service.py",
         "from app.adapters.postgres.crm import X\nfrom app.config import Settings\n"
         "from app.application.booking.holding import H\nimport httpx\n"),
        ("adapters", "postgres/booking.py", "from app.adapters.postgres.crm import Store\n"),
    ):  # fmt: skip
        path = tmp_path / "app" / layer / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert len(domain_violations(modules("domain"))) == 2
    assert len(application_violations(modules("application"))) == 4
    assert len(adapter_violations(modules("adapters"))) == 1


def _runs_a_query(node: ast.AST) -> bool:
    """``<anything>.queries.<context>.<name>(...)``, or a connection taken from ``.pool``."""
    if isinstance(node, ast.Attribute) and node.attr == "pool":
        return True
    if not isinstance(node, ast.Call):
        return False
    chain, target = [], node.func
    while isinstance(target, ast.Attribute):
        chain.append(target.attr)
        target = target.value
    return "queries" in chain[1:]


def test_the_composition_root_runs_no_sql() -> None:
    """The root wires; repositories run queries (a purge job calls a repository). Handing
    the catalogue to an adapter (the outbox's LISTEN) is wiring, not a query."""
    found = [
        f"{path.relative_to(APP.parent)}:{node.lineno}"
        for path in [*modules("composition"), APP / "bootstrap.py"]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _runs_a_query(node)
    ]
    assert found == []
    sample = "async def job(db):\n    await db.queries.events.purge(conn, before=1)\n"
    assert [n for n in ast.walk(ast.parse(sample)) if _runs_a_query(n)]
