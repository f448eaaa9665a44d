"""Settings: defaults, validation that names the variable, *_FILE secrets, prod safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, load_settings

KEYRING = "k2:" + "A" * 43 + ",k1:" + "B" * 43
SMTP = {
    "SMTP_HOST": "smtp.example.org",
    "EMAIL_FROM": "Эмоциональный баланс <hi@example.org>",
    "YOOKASSA_SHOP_ID": "1",
    "YOOKASSA_SECRET_KEY": "test_secret",
}
PROD_OK = {
    "APP_ENV": "prod",
    "DATABASE_URL": "postgresql://app@db:5432/app",
    "EMAIL_BACKEND": "smtp",
    "PAYMENTS_PROVIDER": "yookassa",
    "ENCRYPTION_KEYS": KEYRING,
    "PUBLIC_BASE_URL": "https://balance.example.org",
    **SMTP,
}


def test_defaults_for_a_local_run() -> None:
    settings = load_settings({})
    assert settings.app_env == "dev"
    assert settings.database_url is None
    assert (settings.database_pool_min, settings.database_pool_max) == (2, 10)
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8000)
    assert settings.openapi_enabled is True
    assert settings.email_backend == "console"
    assert settings.payments_provider == "sandbox"
    assert settings.embedded_database_dir.name == "postgres"


def test_lists_are_split_and_trimmed() -> None:
    settings = load_settings(
        {
            "TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1",
            "CORS_ALLOW_ORIGINS": "https://a.example,https://b.example/",
        }
    )
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert settings.cors_allow_origins == ("https://a.example", "https://b.example/")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("APP_ENV", "staging", "must be one of dev, test, prod"),
        ("HTTP_PORT", "eighty", "must be a whole number"),
        ("HTTP_PORT", "70000", "must be between 1 and 65535"),
        ("API_INTERNAL_PORT", "70000", "must be between 0 and 65535"),
        ("WORKER_INTERNAL_PORT", "-1", "must be between 0 and 65535"),
        ("BOT_INTERNAL_PORT", "ninety", "must be a whole number"),
        ("INTERNAL_HTTP_HOST", "0.0.0.0:9100", "must be an IP address or a host name"),
        ("INTERNAL_HTTP_HOST", "http://api", "must be an IP address or a host name"),
        ("DATABASE_URL", "mysql://x/y", "postgresql://"),
        ("LOG_LEVEL", "LOUD", "must be one of"),
        ("LOG_FORMAT", "xml", "must be one of json, console"),
        ("OPENAPI_ENABLED", "maybe", "must be true or false"),
        ("TRUSTED_PROXIES", "10.0.0.0/8,not-an-ip", "CIDR"),
        ("PUBLIC_BASE_URL", "example.org", "absolute http(s) URL"),
        ("CORS_ALLOW_ORIGINS", "ftp://x", "absolute http(s) URL"),
        ("EMAIL_BACKEND", "pigeon", "console, smtp"),
        ("SMTP_TLS", "ssl3", "none, starttls, tls"),
        ("EMAIL_FROM", "nobody", "must be one address"),
        ("EMAIL_FROM", "a@example.org, b@example.org", "must be one address"),
        ("EMAIL_FROM", "Practice <x,victim@example.org>", "must be one address"),
        ("TRUSTED_PROXIES", "10.0.0.1/8", "host bits are set"),
        ("TRUSTED_PROXIES", "127.0.0.1,2001:db8::1/32", "host bits are set"),
        ("YOOKASSA_WEBHOOK_ALLOWLIST", "185.71.76.1/27", "host bits are set"),
        ("RATE_LIMIT_STORE", "redis", "must be one of memory, postgres"),
        ("REDIS_URL", "http://cache:6379", "must be a redis://, rediss:// or unix:// URL"),
    ],
)
def test_invalid_value_names_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({variable: value})
    assert error.value.variable == variable
    assert str(error.value).startswith(f"{variable}: ")
    assert message in str(error.value)


def test_rate_limits_count_in_memory_unless_told_otherwise_and_redis_wins() -> None:
    assert load_settings({}).rate_limit_backend == "memory"
    assert load_settings({"RATE_LIMIT_STORE": "postgres"}).rate_limit_backend == "postgres"
    for store in ("memory", "postgres"):
        settings = load_settings({"RATE_LIMIT_STORE": store, "REDIS_URL": "redis://cache:6379/0"})
        assert settings.rate_limit_backend == "redis"


def test_pool_max_below_min_is_refused() -> None:
    with pytest.raises(ConfigError, match="DATABASE_POOL_MAX"):
        load_settings({"DATABASE_POOL_MIN": "5", "DATABASE_POOL_MAX": "2"})


def test_value_can_come_from_a_mounted_file(tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://app:s3cret@db/app\n", encoding="utf-8")
    settings = load_settings({"DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "postgresql://app:s3cret@db/app"


def test_an_empty_secret_file_leaves_an_optional_integration_off(tmp_path: Path) -> None:
    empty = tmp_path / "telegram_bot_token"
    empty.write_text("\n", encoding="utf-8")
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN_FILE": str(empty), "SMTP_PASSWORD_FILE": str(empty)}
    )
    assert settings.telegram_bot_token is None
    assert settings.smtp_password is None


def test_unreadable_file_names_the_file_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"DATABASE_URL_FILE": str(tmp_path / "missing")})
    assert error.value.variable == "DATABASE_URL_FILE"


def test_value_and_file_together_are_ambiguous(tmp_path: Path) -> None:
    secret = tmp_path / "url"
    secret.write_text("postgresql://a@b/c", encoding="utf-8")
    with pytest.raises(ConfigError, match="not both"):
        load_settings({"DATABASE_URL": "postgresql://a@b/c", "DATABASE_URL_FILE": str(secret)})


def test_error_message_never_echoes_the_value() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"DATABASE_URL": "mysql://user:hunter2@db/app"})
    assert "hunter2" not in str(error.value)


def test_prod_with_real_adapters_starts() -> None:
    settings = load_settings(PROD_OK)
    assert settings.is_prod
    assert settings.openapi_enabled is False


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"EMAIL_BACKEND": "console"}, "EMAIL_BACKEND"),
        ({"PAYMENTS_PROVIDER": "sandbox"}, "PAYMENTS_PROVIDER"),
        ({"ENCRYPTION_KEYS": ""}, "ENCRYPTION_KEYS"),
    ],
)
def test_prod_refuses_dev_only_conveniences(override: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**PROD_OK, **override})
    assert error.value.variable == variable


def test_prod_defaults_are_the_real_adapters() -> None:
    settings = load_settings(
        {
            "APP_ENV": "prod",
            "DATABASE_URL": "postgresql://a@b/c",
            "ENCRYPTION_KEYS": KEYRING,
            "PUBLIC_BASE_URL": "https://balance.example.org",
            **SMTP,
        }
    )
    assert (settings.email_backend, settings.payments_provider) == ("smtp", "yookassa")
    assert settings.worker_in_process is False


def test_keyring_is_parsed_with_the_first_key_primary() -> None:
    settings = load_settings({"ENCRYPTION_KEYS": KEYRING})
    assert settings.encryption_keyring is not None
    assert settings.encryption_keyring.primary == "k2"
    assert set(settings.encryption_keyring.keys) == {"k1", "k2"}


@pytest.mark.parametrize("value", ["k1", "k1:not-base64!!", "k1:" + "A" * 10, "bad id:" + "A" * 43])
def test_malformed_keyring_names_the_variable_not_the_key(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"ENCRYPTION_KEYS": value})
    assert error.value.variable == "ENCRYPTION_KEYS"
    assert "A" * 10 not in str(error.value)


def test_smtp_backend_needs_a_host_and_a_sender() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"EMAIL_BACKEND": "smtp"})
    assert error.value.variable == "SMTP_HOST"
    with pytest.raises(ConfigError) as error:
        load_settings({"EMAIL_BACKEND": "smtp", "SMTP_HOST": "localhost"})
    assert error.value.variable == "EMAIL_FROM"
    settings = load_settings({"EMAIL_BACKEND": "smtp", **SMTP, "SMTP_TLS": "tls"})
    assert (settings.smtp_port, settings.smtp_tls) == (587, "tls")


def test_worker_runs_inside_serve_only_in_dev() -> None:
    assert load_settings({}).worker_in_process is True
    assert load_settings({"APP_ENV": "test"}).worker_in_process is False


def test_a_network_with_its_host_bits_clear_is_kept_as_written() -> None:
    settings = load_settings({"TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7, 2001:db8::/32"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32")


@pytest.mark.parametrize(
    "url", ["http://balance.example.org", "http://127.0.0.1:8000", "HTTP://balance.example.org"]
)
def test_prod_refuses_a_plain_http_public_address(url: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**PROD_OK, "PUBLIC_BASE_URL": url})
    assert error.value.variable == "PUBLIC_BASE_URL"
    assert "https://" in error.value.problem


def test_prod_refuses_the_local_default_public_address() -> None:
    without = {k: v for k, v in PROD_OK.items() if k != "PUBLIC_BASE_URL"}
    with pytest.raises(ConfigError) as error:
        load_settings(without)
    assert error.value.variable == "PUBLIC_BASE_URL"


def test_an_http_public_address_is_fine_outside_prod() -> None:
    assert load_settings({"PUBLIC_BASE_URL": "http://127.0.0.1:8000"}).public_base_url == (
        "http://127.0.0.1:8000"
    )


def test_internal_listeners_have_their_own_ports_and_zero_switches_one_off() -> None:
    defaults = load_settings({})
    assert defaults.internal_http_host == "127.0.0.1"
    assert (defaults.api_internal_port, defaults.worker_internal_port,
            defaults.bot_internal_port) == (9100, 9101, 9102)  # fmt: skip
    every_interface = "0.0.0.0"  # noqa: S104 (what containers set)
    container = load_settings({"INTERNAL_HTTP_HOST": every_interface, "BOT_INTERNAL_PORT": "0"})
    assert container.internal_http_host == every_interface
    assert container.bot_internal_port == 0
    assert load_settings({"INTERNAL_HTTP_HOST": "worker"}).internal_http_host == "worker"
