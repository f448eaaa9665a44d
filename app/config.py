"""Settings: read once from the environment at startup into one frozen struct.

Every variable name here is part of the operator contract (README, configuration table).
A value that is missing or malformed stops the process with a message that names the
variable, never its value (it may be a secret). Any variable may instead be given as
``<NAME>_FILE`` holding a path whose content is the value (mounted secrets).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, TypeVar, cast
from urllib.parse import urlsplit

import msgspec

from app.domain.shared.links import DEFAULT_PATHS, LinkTemplateError, SiteLinks, check_path
from app.keyring import Keyring
from app.mail_sender import sender_address

AppEnv = Literal["dev", "test", "prod"]
LogFormat = Literal["json", "console"]
EmailBackend = Literal["console", "smtp"]
PaymentsProvider = Literal["yookassa", "sandbox"]
SmtpTls = Literal["none", "starttls", "tls"]
RateLimitStore = Literal["memory", "postgres"]
LlmProvider = Literal["off", "openai"]
LlmRegion = Literal["ru", "abroad"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where a built wheel carries sql/ and migrations/ (setup.py copies them there).
PACKAGED_DATA = Path(__file__).resolve().parent / "_data"


def shipped_dir(name: str) -> Path:
    """The ``sql`` or ``migrations`` folder this installation reads.

    An installed wheel carries them as ``app/_data/<name>``; a checkout or an editable
    install reads the folders at the top of the repository, beside ``app/``.
    """
    packaged = PACKAGED_DATA / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


SQL_DIR = shipped_dir("sql")
MIGRATIONS_DIR = shipped_dir("migrations")

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# YooKassa's published notification addresses (its SDK and documentation).
YOOKASSA_RANGES = (
    "77.75.153.0/25", "77.75.156.11/32", "77.75.156.35/32", "77.75.154.128/25",
    "185.71.76.0/27", "185.71.77.0/27", "2a02:5180::/32",
)  # fmt: skip
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")

T = TypeVar("T")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the process is configured with. Built by :func:`load_settings`."""

    app_env: AppEnv = "dev"
    database_url: str | None = None
    database_pool_min: int = 2
    database_pool_max: int = 10
    database_pool_timeout: int = 10
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # The internal listener (probes and metrics) of each process; 0 switches it off.
    internal_http_host: str = "127.0.0.1"
    api_internal_port: int = 9100
    worker_internal_port: int = 9101
    bot_internal_port: int = 9102
    public_base_url: str = "http://127.0.0.1:8000"
    site_url: str = "http://127.0.0.1:8000"
    site_paths: tuple[tuple[str, str], ...] = ()
    log_level: str = "INFO"
    log_format: LogFormat = "json"
    trusted_proxies: tuple[str, ...] = ()
    cors_allow_origins: tuple[str, ...] = ()
    openapi_enabled: bool = True
    # The practitioner's web console at /console.
    console_enabled: bool = True
    rate_limits_enabled: bool = True
    rate_limit_store: RateLimitStore = "memory"
    redis_url: str | None = None
    email_backend: EmailBackend = "console"
    payments_provider: PaymentsProvider = "sandbox"
    encryption_keyring: Keyring | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: SmtpTls = "starttls"
    email_from: str | None = None
    worker_in_process: bool = False
    session_idle_timeout_minutes: int = 14 * 24 * 60
    session_lifetime_hours: int = 30 * 24
    staff_session_idle_timeout_minutes: int = 30
    staff_session_lifetime_hours: int = 12
    content_max_body_chars: int = 100_000
    content_cache_seconds: int = 5
    slots_cache_seconds: int = 2
    yookassa_shop_id: str | None = None
    yookassa_secret_key: str | None = None
    yookassa_api_url: str = "https://api.yookassa.ru/v3/"
    yookassa_webhook_allowlist: tuple[str, ...] = YOOKASSA_RANGES
    yookassa_receipts: bool = False
    yookassa_vat_code: int = 1
    google_calendar_id: str | None = None
    google_credentials_file: Path | None = None
    google_meet_links: bool = False
    telegram_bot_token: str | None = None
    telegram_bot_username: str | None = None
    telegram_api_url: str | None = None
    telegram_webhook_secret: str | None = None
    # OpenTelemetry tracing is on when this is set (the collector's OTLP/HTTP base URL).
    otel_exporter_otlp_endpoint: str | None = None
    # The language model behind the assistants; "off" loads no model code at all.
    llm_provider: LlmProvider = "off"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    llm_timeout_seconds: int = 20
    # Where the provider processes the text: in Russia or abroad (152-FZ); None = undeclared.
    llm_provider_region: LlmRegion | None = None
    # Model cost limits: tokens per day (UTC) across the practice (0: no model calls) and
    # model calls per caller per hour.
    llm_daily_token_budget: int = 200_000
    assistant_requests_per_hour: int = 30
    # Assistant conversations (encrypted checkpoints) idle this long are deleted.
    assistant_retention_days: int = 30
    data_dir: Path = PROJECT_ROOT / ".data"
    sql_dir: Path = SQL_DIR
    migrations_dir: Path = MIGRATIONS_DIR

    @property
    def is_prod(self) -> bool:
        return self.app_env == "prod"

    @property
    def rate_limit_backend(self) -> Literal["memory", "postgres", "redis"]:
        """Where the rate limits count: Redis when ``REDIS_URL`` is set, else
        ``RATE_LIMIT_STORE``."""
        return "redis" if self.redis_url is not None else self.rate_limit_store

    @property
    def embedded_database_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def site_links(self) -> SiteLinks:
        """The links messages carry: ``SITE_URL`` plus each page's path template."""
        return SiteLinks(self.site_url, dict(self.site_paths))


class _Reader:
    """Reads raw values from an environment mapping, honouring ``<NAME>_FILE``."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def raw(self, name: str) -> str | None:
        file_name = f"{name}_FILE"
        if file_name in self._environ and name in self._environ:
            raise ConfigError(name, f"set either {name} or {file_name}, not both")
        if file_name in self._environ:
            path = Path(self._environ[file_name])
            try:
                content = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(file_name, f"cannot read the file ({exc.strerror})") from None
            # An empty secret file means "not configured", like an empty variable: a
            # deployment mounts the same set of files whether or not an optional
            # integration (Telegram, SMTP login, Google) is switched on.
            return content or None
        value = self._environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def get(self, name: str, parse: Callable[[str], T], default: T) -> T:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError as exc:
            raise ConfigError(name, str(exc)) from None


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return parse


def _host(value: str) -> str:
    """An address to listen on: an IP address (``0.0.0.0`` in containers) or a host name."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})", value):
        raise ValueError("must be an IP address or a host name")
    return value


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("must be true or false")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _networks(value: str) -> tuple[str, ...]:
    items = _csv(value)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError("must be comma-separated IP addresses or CIDR ranges") from None
        try:
            ipaddress.ip_network(item, strict=True)
        except ValueError:
            # A range such as 10.0.0.1/8 is ambiguous: other readers (uvicorn's proxy
            # check) take it as one literal address, not as 10.0.0.0/8.
            raise ValueError(
                "a CIDR range must start at its network address (10.0.0.0/8, not "
                "10.0.0.1/8): host bits are set"
            ) from None
    return items


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value.rstrip("/")


def _origins(value: str) -> tuple[str, ...]:
    items = _csv(value)
    for item in items:
        if item != "*":
            _http_url(item)
    return items


def _postgres_url(value: str) -> str:
    if urlsplit(value).scheme not in ("postgresql", "postgres"):
        raise ValueError("must be a postgresql:// (or postgres://) URL")
    return value


def _redis_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    return value


def _keyring(value: str) -> Keyring:
    return Keyring.parse(value)


def _sender(value: str) -> str:
    problem = "must be one address such as 'Эмоциональный баланс <hello@example.org>'"
    if "\n" in value or "\r" in value:
        raise ValueError(problem)
    try:
        sender_address(value)
    except ValueError:
        raise ValueError(problem) from None
    return value


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise ValueError("must name a readable file")
    return path


def _bot_token(value: str) -> str:
    if not re.fullmatch(r"\d{5,16}:[A-Za-z0-9_-]{30,64}", value):
        raise ValueError("must look like 123456789:AA... (the token BotFather gave)")
    return value


def _webhook_secret(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
        raise ValueError("must be 16-256 characters of A-Z a-z 0-9 _ - (Telegram's rule)")
    return value


def _bot_username(value: str) -> str:
    value = value.removeprefix("@")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{4,31}", value):
        raise ValueError("must be the bot's username, e.g. emotional_balance_bot")
    return value


def _log_level(value: str) -> str:
    upper = value.upper()
    if upper not in _LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
    return upper


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (the process environment by default)."""
    env = _Reader(os.environ if environ is None else environ)
    app_env = cast(AppEnv, env.get("APP_ENV", _choice("dev", "test", "prod"), "dev"))
    is_prod = app_env == "prod"
    pool_min = env.get("DATABASE_POOL_MIN", _int_between(0, 100), 2)
    pool_max = env.get("DATABASE_POOL_MAX", _int_between(1, 100), 10)
    if pool_max < pool_min:
        raise ConfigError("DATABASE_POOL_MAX", "must not be smaller than DATABASE_POOL_MIN")
    default_data_dir = PROJECT_ROOT / ".data"
    public_base_url = env.get("PUBLIC_BASE_URL", _http_url, "http://127.0.0.1:8000")
    email_default: str = "smtp" if is_prod else "console"
    payments_default: str = "yookassa" if is_prod else "sandbox"
    settings = Settings(
        app_env=app_env,
        database_url=env.get("DATABASE_URL", _postgres_url, None),
        database_pool_min=pool_min,
        database_pool_max=pool_max,
        database_pool_timeout=env.get("DATABASE_POOL_TIMEOUT", _int_between(1, 120), 10),
        http_host=env.get("HTTP_HOST", str, "127.0.0.1"),
        http_port=env.get("HTTP_PORT", _int_between(1, 65535), 8000),
        internal_http_host=env.get("INTERNAL_HTTP_HOST", _host, "127.0.0.1"),
        api_internal_port=env.get("API_INTERNAL_PORT", _int_between(0, 65535), 9100),
        worker_internal_port=env.get("WORKER_INTERNAL_PORT", _int_between(0, 65535), 9101),
        bot_internal_port=env.get("BOT_INTERNAL_PORT", _int_between(0, 65535), 9102),
        public_base_url=public_base_url,
        site_url=env.get("SITE_URL", _http_url, public_base_url),
        site_paths=_site_paths(env),
        log_level=env.get("LOG_LEVEL", _log_level, "INFO"),
        log_format=cast(LogFormat, env.get("LOG_FORMAT", _choice("json", "console"), "json")),
        trusted_proxies=env.get("TRUSTED_PROXIES", _networks, ()),
        cors_allow_origins=env.get("CORS_ALLOW_ORIGINS", _origins, ()),
        openapi_enabled=env.get("OPENAPI_ENABLED", _bool, not is_prod),
        console_enabled=env.get("CONSOLE_ENABLED", _bool, not is_prod),
        rate_limits_enabled=env.get("RATE_LIMITS_ENABLED", _bool, True),
        rate_limit_store=cast(
            RateLimitStore, env.get("RATE_LIMIT_STORE", _choice("memory", "postgres"), "memory")
        ),
        redis_url=env.get("REDIS_URL", _redis_url, None),
        email_backend=cast(
            EmailBackend, env.get("EMAIL_BACKEND", _choice("console", "smtp"), email_default)
        ),
        payments_provider=cast(
            PaymentsProvider,
            env.get("PAYMENTS_PROVIDER", _choice("yookassa", "sandbox"), payments_default),
        ),
        encryption_keyring=env.get("ENCRYPTION_KEYS", _keyring, None),
        smtp_host=env.get("SMTP_HOST", str, None),
        smtp_port=env.get("SMTP_PORT", _int_between(1, 65535), 587),
        smtp_username=env.get("SMTP_USERNAME", str, None),
        smtp_password=env.get("SMTP_PASSWORD", str, None),
        smtp_tls=cast(SmtpTls, env.get("SMTP_TLS", _choice("none", "starttls", "tls"), "starttls")),
        email_from=env.get("EMAIL_FROM", _sender, None),
        worker_in_process=env.get("WORKER_IN_PROCESS", _bool, app_env == "dev"),
        session_idle_timeout_minutes=env.get(
            "SESSION_IDLE_TIMEOUT_MINUTES", _int_between(5, 90 * 24 * 60), 14 * 24 * 60
        ),
        session_lifetime_hours=env.get("SESSION_LIFETIME_HOURS", _int_between(1, 365 * 24), 720),
        staff_session_idle_timeout_minutes=env.get(
            "STAFF_SESSION_IDLE_TIMEOUT_MINUTES", _int_between(5, 24 * 60), 30
        ),
        staff_session_lifetime_hours=env.get(
            "STAFF_SESSION_LIFETIME_HOURS", _int_between(1, 7 * 24), 12
        ),
        content_max_body_chars=env.get(
            "CONTENT_MAX_BODY_CHARS", _int_between(1_000, 500_000), 100_000
        ),
        content_cache_seconds=env.get("CONTENT_CACHE_SECONDS", _int_between(0, 300), 5),
        slots_cache_seconds=env.get("SLOTS_CACHE_SECONDS", _int_between(0, 60), 2),
        yookassa_shop_id=env.get("YOOKASSA_SHOP_ID", str, None),
        yookassa_secret_key=env.get("YOOKASSA_SECRET_KEY", str, None),
        yookassa_api_url=env.get("YOOKASSA_API_URL", _http_url, "https://api.yookassa.ru/v3/"),
        yookassa_webhook_allowlist=env.get(
            "YOOKASSA_WEBHOOK_ALLOWLIST", _networks, YOOKASSA_RANGES
        ),
        yookassa_receipts=env.get("YOOKASSA_RECEIPTS", _bool, False),
        yookassa_vat_code=env.get("YOOKASSA_VAT_CODE", _int_between(1, 12), 1),
        google_calendar_id=env.get("GOOGLE_CALENDAR_ID", str, None),
        google_credentials_file=env.get("GOOGLE_CREDENTIALS_FILE", _existing_file, None),
        google_meet_links=env.get("GOOGLE_MEET_LINKS", _bool, False),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", _bot_token, None),
        telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME", _bot_username, None),
        telegram_api_url=env.get("TELEGRAM_API_URL", _http_url, None),
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", _webhook_secret, None),
        otel_exporter_otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT", _http_url, None),
        llm_provider=cast(LlmProvider, env.get("LLM_PROVIDER", _choice("off", "openai"), "off")),
        llm_base_url=env.get("LLM_BASE_URL", _http_url, None),
        llm_api_key=env.get("LLM_API_KEY", str, None),
        llm_model=env.get("LLM_MODEL", str, None),
        llm_timeout_seconds=env.get("LLM_TIMEOUT_SECONDS", _int_between(1, 300), 20),
        llm_provider_region=cast(
            "LlmRegion | None", env.get("LLM_PROVIDER_REGION", _choice("ru", "abroad"), None)
        ),
        llm_daily_token_budget=env.get(
            "LLM_DAILY_TOKEN_BUDGET", _int_between(0, 1_000_000_000), 200_000
        ),
        assistant_requests_per_hour=env.get(
            "ASSISTANT_REQUESTS_PER_HOUR", _int_between(1, 10_000), 30
        ),
        assistant_retention_days=env.get("ASSISTANT_RETENTION_DAYS", _int_between(1, 3650), 30),
        data_dir=env.get("DATA_DIR", Path, default_data_dir),
    )
    _refuse_dev_conveniences_in_prod(settings)
    if (settings.google_calendar_id is None) != (settings.google_credentials_file is None):
        raise ConfigError(
            "GOOGLE_CALENDAR_ID",
            "set both GOOGLE_CALENDAR_ID and GOOGLE_CREDENTIALS_FILE, or neither",
        )
    if settings.payments_provider == "yookassa" and not (
        settings.yookassa_shop_id and settings.yookassa_secret_key
    ):
        raise ConfigError(
            "YOOKASSA_SHOP_ID", "YooKassa needs YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY"
        )
    _check_llm(settings)
    if settings.email_backend == "smtp":
        if settings.smtp_host is None:
            raise ConfigError("SMTP_HOST", "is required when EMAIL_BACKEND is smtp")
        if settings.email_from is None:
            raise ConfigError("EMAIL_FROM", "is required when EMAIL_BACKEND is smtp")
    return settings


def _check_llm(settings: Settings) -> None:
    """An ``openai`` provider needs its address, key and model; prod also needs the
    region declared (where client text is processed) and an https address."""
    if settings.llm_provider == "off":
        return
    if settings.llm_base_url is None:
        raise ConfigError("LLM_BASE_URL", "is required when LLM_PROVIDER is openai")
    if settings.llm_api_key is None:
        raise ConfigError(
            "LLM_API_KEY", "is required when LLM_PROVIDER is openai (or LLM_API_KEY_FILE)"
        )
    if settings.llm_model is None:
        raise ConfigError("LLM_MODEL", "is required when LLM_PROVIDER is openai")
    if not settings.is_prod:
        return
    if settings.llm_provider_region is None:
        raise ConfigError(
            "LLM_PROVIDER_REGION",
            "must be declared (ru or abroad) in prod when LLM_PROVIDER is openai: "
            "where the provider processes client text matters under 152-FZ",
        )
    if urlsplit(settings.llm_base_url).scheme != "https":
        raise ConfigError("LLM_BASE_URL", "must be an https:// address in prod")


def _site_paths(env: _Reader) -> tuple[tuple[str, str], ...]:
    """``SITE_PATH_<PAGE>`` overrides, checked now rather than at the first send."""
    overrides: list[tuple[str, str]] = []
    for name in DEFAULT_PATHS:
        variable = f"SITE_PATH_{name.upper()}"
        template = env.get(variable, str, None)
        if template is None:
            continue
        try:
            check_path(name, template)
        except LinkTemplateError as exc:
            raise ConfigError(variable, str(exc)) from None
        overrides.append((name, template))
    return tuple(overrides)


def _refuse_dev_conveniences_in_prod(settings: Settings) -> None:
    if not settings.is_prod:
        return
    if settings.database_url is None:
        raise ConfigError("DATABASE_URL", "is required in prod (the embedded server is dev-only)")
    if settings.encryption_keyring is None:
        raise ConfigError("ENCRYPTION_KEYS", "is required in prod (or ENCRYPTION_KEYS_FILE)")
    if settings.email_backend == "console":
        raise ConfigError("EMAIL_BACKEND", "console is dev-only; use smtp in prod")
    if settings.payments_provider == "sandbox":
        raise ConfigError("PAYMENTS_PROVIDER", "sandbox is dev-only; use yookassa in prod")
    if urlsplit(settings.public_base_url).scheme != "https":
        raise ConfigError(
            "PUBLIC_BASE_URL",
            "must be the site's https:// address in prod (it is in every e-mailed link "
            "and the payment return address)",
        )
    if urlsplit(settings.site_url).scheme != "https":
        raise ConfigError("SITE_URL", "must be the site's https:// address in prod")
