"""The container recipe and compose file hang together (no engine runs here to try them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "compose.yaml"
CONTAINERFILE = PROJECT_ROOT / "Containerfile"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_containerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(CONTAINERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_runtime_stage_is_slim_and_unprivileged() -> None:
    text = CONTAINERFILE.read_text(encoding="utf-8")
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]
    runtime = stages[-1]
    assert runtime.startswith("${PYTHON_IMAGE} AS runtime")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?$",
                     text, flags=re.MULTILINE)  # fmt: skip
    assert re.search(r"^USER \d+", runtime, flags=re.MULTILINE), "runtime must not run as root"
    for build_tool in ("apt-get", "gcc", "build-essential"):
        assert build_tool not in runtime, "no build tools in the final stage"
    # Only the virtual environment: the project is an installed wheel that carries its
    # sql/ and migrations/, not a source tree beside it.
    copies = re.findall(r"^COPY .*$", runtime, flags=re.MULTILINE)
    assert copies == ["COPY --from=build /opt/venv /opt/venv"]


def test_build_installs_the_locked_dependencies_and_the_wheel() -> None:
    text = CONTAINERFILE.read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements/runtime.txt" in text
    assert "pip install --require-hashes -r requirements/build.txt" in text
    assert "pip install --no-deps /wheels/*.whl" in text
    assert "uninstall" not in text
    assert "-e " not in text, "the image installs a wheel, never an editable checkout"


def test_every_dependency_names_a_service_with_the_condition_it_can_meet(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
            if condition == "service_completed_successfully":
                assert services[dependency].get("restart") == "no", f"{dependency} is not one-shot"


def test_api_waits_for_a_healthy_database_and_a_finished_migration(
    compose: dict[str, Any],
) -> None:
    api = compose["services"]["api"]
    assert api["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/health/ready" in " ".join(api["healthcheck"]["test"])
    assert "ports" not in api, "the API is reached through the proxy only"


def test_migrate_runs_plain_yoyo_apply_with_the_url_from_its_secret(
    compose: dict[str, Any],
) -> None:
    migrate = compose["services"]["migrate"]
    script = migrate["entrypoint"][-1]
    assert "exec yoyo apply --batch" in script
    assert "/run/secrets/database_url" in script
    assert "postgresql+psycopg:" in script
    assert migrate["secrets"] == ["database_url"]


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_migrate_passes_yoyo_the_psycopg_url_and_the_installed_migrations(
    compose: dict[str, Any], tmp_path: Path, scheme: str
) -> None:
    # The entrypoint as the container's shell runs it, with a stand-in `yoyo` that
    # prints what it was given and the real Python that knows where migrations live.
    secret = tmp_path / "database_url"
    secret.write_text(f"{scheme}://eb:pw@postgres:5432/eb\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "yoyo").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    (bin_dir / "yoyo").chmod(0o755)
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    (bin_dir / "python").chmod(0o755)
    script = compose["services"]["migrate"]["entrypoint"][-1]
    script = script.replace("$$", "$").replace("/run/secrets/database_url", str(secret))
    result = subprocess.run(
        ["sh", "-c", script],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "apply",
        "--batch",
        "--database",
        "postgresql+psycopg://eb:pw@postgres:5432/eb",
        str(PROJECT_ROOT / "migrations"),
    ]


def test_database_keeps_its_data_in_a_volume(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_later_services_are_declared(compose: dict[str, Any]) -> None:
    assert {"worker", "bot"} <= set(compose["services"])
    assert compose["services"]["worker"]["command"] == ["worker"]


SECRET_SETTINGS = (
    "DATABASE_URL",
    "ENCRYPTION_KEYS",
    "SMTP_PASSWORD",
    "YOOKASSA_SECRET_KEY",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "POSTGRES_PASSWORD",
)


def test_every_secret_is_a_mounted_file_the_service_declares(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        for secret in SECRET_SETTINGS:
            assert secret not in env, f"{name} passes {secret} as a plain variable"
        mounted = set(service.get("secrets") or ())
        assert mounted <= set(compose["secrets"]), f"{name} mounts an undeclared secret"
        for variable, value in env.items():
            if isinstance(value, str) and "/run/secrets/" in value:
                secret_name = value.rsplit("/run/secrets/", 1)[1].rstrip("}")
                assert secret_name in mounted, f"{name}: {variable} reads an unmounted secret"
    for declared in compose["secrets"].values():
        assert declared["file"].startswith("./secrets/"), "secrets live in the ignored folder"
    ignored = (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "secrets/" in ignored


# The settings loader over each service's environment: tests/deploy/test_compose_stack.py.


def test_app_environment_is_production(compose: dict[str, Any]) -> None:
    env = compose["services"]["api"]["environment"]
    assert env["APP_ENV"] == "prod"
    assert env["EMAIL_BACKEND"] != "console"
    assert env["PAYMENTS_PROVIDER"] != "sandbox"
