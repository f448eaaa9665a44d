"""The production compose stack as far as this machine can bring it up without a
container engine: compose's own validation of the file with an operator's .env, the
settings loader over each application service's environment exactly as compose would
hand it over, Caddy's validation of the Caddyfile, and the rules the stack relies on
(only the proxy publishes ports, versioned images, the proxy's network trusted)."""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import PROJECT_ROOT, load_settings
from tests.deploy.tools import deploy_tool

COMPOSE = PROJECT_ROOT / "compose.yaml"
CADDYFILE = PROJECT_ROOT / "deploy" / "caddy" / "Caddyfile"
APP_SERVICES = ("api", "worker", "bot")

# An operator's .env for the first deploy (docs/operations.md, "Deploy, configure, migrate").
SAMPLE_ENV = {
    "COMPOSE_PROJECT_NAME": "emotional-balance",
    "APP_VERSION": "0.1.0",
    "SITE_ADDRESS": "balance.example.org",
    "PUBLIC_BASE_URL": "https://balance.example.org",
    "SMTP_HOST": "smtp.example.org",
    "SMTP_USERNAME": "practice",
    "EMAIL_FROM": "Practice <hello@example.org>",
    "YOOKASSA_SHOP_ID": "123456",
}
OPTIONAL_ENV = {
    "TELEGRAM_BOT_USERNAME": "eb_practice_bot",
    "GOOGLE_CALENDAR_ID": "practice@group.calendar.google.com",
    "GOOGLE_CREDENTIALS_FILE": "/run/secrets/google_credentials",
    "LLM_PROVIDER": "openai",
    "LLM_BASE_URL": "https://llm.example.ru/v1",
    "LLM_MODEL": "practice-model",
    "LLM_PROVIDER_REGION": "ru",
}
SECRET_FILES = {
    "postgres_password": "pg-password",
    "database_url": "postgresql://emotional_balance:pg-password@postgres:5432/emotional_balance",
    "encryption_keys": "k1:" + "A" * 43 + "=",
    "smtp_password": "",
    "yookassa_secret_key": "test_secret",
    "telegram_bot_token": "",
    "telegram_webhook_secret": "",
    "google_credentials": "",
    "llm_api_key": "",
    "grafana_admin_password": "grafana-password",
}
OPTIONAL_SECRETS = {
    "smtp_password": "mail-password",
    "telegram_bot_token": "123456789:" + "A" * 35,
    "telegram_webhook_secret": "w" * 32,
    "google_credentials": "{}",
    "llm_api_key": "sk-practice",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default} and ${NAME:?error}."""

    def replace(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3) or ""
        current = variables.get(name)
        if operator == ":-":
            return current or argument
        if operator == "-":
            return argument if current is None else current
        if operator == ":?":
            assert current, f"compose would stop: {argument}"
        return current or ""

    unescaped = value.replace("$$", "\0")
    return re.sub(r"\$\{([A-Z_]+)(?:(:-|-|:\?)([^}]*))?\}", replace, unescaped).replace("\0", "$")


def _write_secrets(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content + "\n", encoding="utf-8")


def _service_environment(
    compose: dict[str, Any], service: str, dot_env: dict[str, str], secrets: Path
) -> dict[str, str]:
    """The variables the container starts with, the secrets mounted under ``secrets``."""
    mounted = set(compose["services"][service].get("secrets") or ())
    environment: dict[str, str] = {}
    for variable, raw in compose["services"][service]["environment"].items():
        value = _interpolate(str(raw), dot_env)
        if value.startswith("/run/secrets/"):
            name = value.removeprefix("/run/secrets/")
            assert name in mounted, f"{service}: {variable} reads the unmounted secret {name}"
            value = str(secrets / name)
        environment[variable] = value
    return environment


# -- (a) compose's own validation -----------------------------------------------------


def _compose_project(tmp_path: Path, dot_env: dict[str, str]) -> Path:
    """The repository's compose.yaml beside an operator's .env and ./secrets/."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "compose.yaml").write_text(COMPOSE.read_text(encoding="utf-8"), encoding="utf-8")
    (project / ".env").write_text(
        "".join(f"{name}={value}\n" for name, value in dot_env.items()), encoding="utf-8"
    )
    _write_secrets(project / "secrets", SECRET_FILES)
    return project


def _compose_config(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = deploy_tool("docker-compose")
    env = {k: v for k, v in os.environ.items() if k not in SAMPLE_ENV and k not in OPTIONAL_ENV}
    return subprocess.run(
        [binary, "-f", "compose.yaml", *args, "config"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_validates_the_file_with_an_operators_env(tmp_path: Path) -> None:
    project = _compose_project(tmp_path, SAMPLE_ENV)
    result = _compose_config(project)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    services = resolved["services"]
    assert {"caddy", "postgres", "migrate", "api", "worker"} <= set(services)
    assert services["api"]["image"] == "emotional-balance:0.1.0"
    assert services["api"]["environment"]["TRUSTED_PROXIES"] == "172.30.0.0/24"
    assert services["caddy"]["environment"]["SITE_ADDRESS"] == "balance.example.org"


def test_compose_refuses_an_env_without_the_sites_address(tmp_path: Path) -> None:
    project = _compose_project(
        tmp_path, {k: v for k, v in SAMPLE_ENV.items() if k != "SITE_ADDRESS"}
    )
    result = _compose_config(project)
    assert result.returncode != 0
    assert "SITE_ADDRESS" in result.stderr


def test_compose_validates_with_the_optional_profiles(tmp_path: Path) -> None:
    project = _compose_project(tmp_path, SAMPLE_ENV | OPTIONAL_ENV | {"APP_VERSION": "0.2.0"})
    result = _compose_config(project, "--profile", "bot", "--profile", "monitoring")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {"bot", "prometheus", "grafana"} <= set(services)
    assert services["bot"]["image"] == "emotional-balance:0.2.0"


# -- (b) the settings loader over each service's environment --------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
@pytest.mark.parametrize("with_optional", [False, True], ids=["minimal", "everything-on"])
def test_each_services_environment_loads_as_production_settings(
    compose: dict[str, Any], tmp_path: Path, service: str, with_optional: bool
) -> None:
    # A broken name, a missing secret or a dev-only choice would stop the real
    # container the same way.
    dot_env = SAMPLE_ENV | (OPTIONAL_ENV if with_optional else {})
    files = SECRET_FILES | (OPTIONAL_SECRETS if with_optional else {})
    _write_secrets(tmp_path / "secrets", files)
    environment = _service_environment(compose, service, dot_env, tmp_path / "secrets")
    settings = load_settings(environment)
    assert settings.app_env == "prod"
    assert settings.database_url == files["database_url"]
    assert settings.encryption_keyring is not None
    assert settings.encryption_keyring.primary == "k1"
    assert settings.yookassa_secret_key == "test_secret"
    assert settings.trusted_proxies == ("172.30.0.0/24",)
    assert settings.public_base_url == "https://balance.example.org"
    assert (settings.telegram_bot_token is not None) is with_optional
    assert (settings.google_credentials_file is not None) is with_optional
    assert (settings.smtp_password is not None) is with_optional
    assert settings.llm_provider == ("openai" if with_optional else "off")
    assert (settings.llm_api_key == "sk-practice") is with_optional


def test_a_missing_secret_file_stops_the_service_naming_the_variable(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    _write_secrets(tmp_path / "secrets", SECRET_FILES)
    (tmp_path / "secrets" / "encryption_keys").unlink()
    environment = _service_environment(compose, "worker", SAMPLE_ENV, tmp_path / "secrets")
    with pytest.raises(Exception, match="ENCRYPTION_KEYS_FILE"):
        load_settings(environment)


# -- (c) Caddy's validation ------------------------------------------------------------


def _caddy(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = deploy_tool("caddy")
    return subprocess.run(
        [binary, *args], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_caddy_validates_the_caddyfile(tmp_path: Path) -> None:
    env = {"SITE_ADDRESS": "balance.example.org", "XDG_DATA_HOME": str(tmp_path)}
    result = _caddy(["validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"], env)
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_the_caddyfile_is_formatted_as_caddy_writes_it(tmp_path: Path) -> None:
    result = _caddy(["fmt", str(CADDYFILE)], {"XDG_DATA_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == CADDYFILE.read_text(encoding="utf-8")


def test_caddy_serves_the_domain_over_https_and_proxies_every_replica(tmp_path: Path) -> None:
    env = {"SITE_ADDRESS": "balance.example.org", "XDG_DATA_HOME": str(tmp_path)}
    result = _caddy(["adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"], env)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)  # JSON is YAML
    server = next(iter(config["apps"]["http"]["servers"].values()))
    assert server["listen"] == [":443"]
    assert server["routes"][0]["match"] == [{"host": ["balance.example.org"]}]
    text = result.stdout
    assert '"dynamic_upstreams":{"name":"api","port":"8000"' in text.replace(" ", "")


# -- the rules the stack relies on ------------------------------------------------------


def test_only_the_proxy_publishes_public_ports(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        ports = [str(port) for port in service.get("ports") or ()]
        if name == "caddy":
            assert {"80:80", "443:443"} <= set(ports)
        elif name == "grafana":
            assert all(port.startswith("127.0.0.1:") for port in ports)
        else:
            assert not ports, f"{name} publishes {ports}"
        assert not any(":910" in port for port in ports), "internal listeners stay internal"


def test_images_are_versioned_never_latest(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = str(service["image"])
        assert ":" in image, f"{name} has no tag"
        assert not image.endswith(":latest"), f"{name} runs latest"
        if name in (*APP_SERVICES, "migrate"):
            assert image == "emotional-balance:${APP_VERSION:-0.1.0}"
        elif name == "postgres":
            # The major version is the data directory's format (an upgrade is a
            # pg_upgrade or a dump and restore); minor releases are bug and security fixes.
            assert re.fullmatch(r"postgres:\d+-bookworm", image), image
        else:
            assert re.search(r":v?\d+\.\d+\.\d+", image), f"{name}: pin an exact version"


def test_the_api_trusts_exactly_the_stacks_network(compose: dict[str, Any]) -> None:
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    trusted = compose["services"]["api"]["environment"]["TRUSTED_PROXIES"]
    assert trusted == subnet == "${APP_SUBNET:-172.30.0.0/24}"
    ipaddress.ip_network(_interpolate(subnet, {}), strict=True)


@pytest.mark.parametrize(
    ("service", "url"),
    [
        ("api", "http://127.0.0.1:9100/health/ready"),
        ("worker", "http://127.0.0.1:9101/health/live"),
        ("bot", "http://127.0.0.1:9102/health/live"),
    ],
)
def test_each_process_is_checked_on_its_internal_listener(
    compose: dict[str, Any], service: str, url: str
) -> None:
    definition = compose["services"][service]
    assert url in " ".join(definition["healthcheck"]["test"])
    environment = definition["environment"]
    assert environment["INTERNAL_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 (inside the container)
    assert (
        environment[f"{service.upper()}_INTERNAL_PORT"]
        == url.split(":")[2].split("/", maxsplit=1)[0]
    )


def test_rate_limits_are_shared_by_the_replicas(compose: dict[str, Any]) -> None:
    environment = compose["services"]["api"]["environment"]
    assert environment["RATE_LIMIT_STORE"] == "${RATE_LIMIT_STORE:-postgres}"
    assert environment["REDIS_URL"] == "${REDIS_URL:-}"


def test_monitoring_uses_the_deploy_folder(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    grafana = compose["services"]["grafana"]
    assert any(volume.startswith("./deploy/grafana/") for volume in grafana["volumes"])
    for name in ("prometheus", "grafana"):
        assert compose["services"][name]["profiles"] == ["monitoring"]
