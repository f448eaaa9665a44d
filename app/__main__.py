"""The command line: ``python -m app <command>``; ``--help`` on each command."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Mapping, Sequence

import msgspec
import psycopg
import structlog

from app.adapters.crypto.aesgcm import generate_key
from app.adapters.observability.logging import configure_logging
from app.adapters.postgres.embedded import EmbeddedDatabaseUnavailable
from app.adapters.postgres.migrations import apply_migrations, migration_status
from app.bootstrap import (
    DEMO_OWNER_EMAIL,
    create_app,
    create_owner,
    load_demo,
    resolve_database_url,
    rotate_keys,
    run_bot,
    serve_worker,
)
from app.config import ConfigError, Settings, load_settings
from app.domain.errors import DomainError

logger = structlog.get_logger("app.cli")

EXIT_CONFIG = 2
EXIT_PENDING = 1
EXIT_UNREACHABLE = 3


def _exit_on_sigterm(signum: int, _: object) -> None:
    raise SystemExit(0)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 (only the serve command needs the server)

    # uvicorn shuts down gracefully on SIGTERM and then re-raises the signal; with this
    # handler that ends as a normal exit, so exit hooks run (the embedded database stops).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    host = args.host or settings.http_host
    port = args.port or settings.http_port
    database_url = resolve_database_url(settings)
    internal_port = settings.api_internal_port if args.internal_port is None else args.internal_port
    if not 0 <= internal_port <= 65535:
        raise ConfigError("--internal-port", "must be between 0 and 65535")
    settings = msgspec.structs.replace(
        settings, database_url=database_url, api_internal_port=internal_port
    )
    app = create_app(settings)
    if app.state.internal_listener is not None:
        app.state.internal_listener.bind()  # a taken port: exit 2 with the setting's name
    base = f"http://{host}:{port}"
    print(f"Emotional Balance API on {base}")
    if settings.openapi_enabled:
        print(f"  API docs:      {base}/schema")
        print(f"  OpenAPI JSON:  {base}/schema/openapi.json")
    if internal_port:
        internal = f"http://{settings.internal_http_host}:{internal_port}"
        print(f"  Readiness:     {internal}/health/ready")
        print(f"  Metrics:       {internal}/metrics")
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        server_header=False,
    )
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    applied = apply_migrations(resolve_database_url(settings), settings.migrations_dir)
    print(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    for migration_id in applied:
        print(f"  + {migration_id}")
    return 0


def _db_status(settings: Settings, _: argparse.Namespace) -> int:
    status = migration_status(resolve_database_url(settings), settings.migrations_dir)
    for migration_id in status.applied:
        print(f"A {migration_id}")
    for migration_id in status.pending:
        print(f"U {migration_id}")
    print(f"{len(status.applied)} applied, {len(status.pending)} pending")
    return EXIT_PENDING if status.pending else 0


def _seed_demo(settings: Settings, _: argparse.Namespace) -> int:
    if settings.is_prod:
        raise ConfigError("APP_ENV", "demo data is for dev and test only")
    database_url = resolve_database_url(settings)
    asyncio.run(load_demo(msgspec.structs.replace(settings, database_url=database_url)))
    print("demo data loaded (services, schedule, articles, glossary, a quiz)")
    print(f"demo owner: {DEMO_OWNER_EMAIL} (the console's login code is printed here in dev)")
    return 0


def _worker(settings: Settings, _: argparse.Namespace) -> int:
    database_url = resolve_database_url(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve_worker(msgspec.structs.replace(settings, database_url=database_url), stop)

    asyncio.run(main())
    return 0


def _bot(settings: Settings, _: argparse.Namespace) -> int:
    database_url = resolve_database_url(settings)
    asyncio.run(run_bot(msgspec.structs.replace(settings, database_url=database_url)))
    return 0


def _set_webhook(settings: Settings, _: argparse.Namespace) -> int:
    database_url = resolve_database_url(settings)
    resolved = msgspec.structs.replace(settings, database_url=database_url)
    url = asyncio.run(run_bot(resolved, register_webhook=True))
    print(f"webhook registered: {url}")
    return 0


def _rotate_keys(settings: Settings, args: argparse.Namespace) -> int:
    from rich.progress import Progress  # noqa: PLC0415 (only this command draws progress)

    database_url = resolve_database_url(settings)
    with Progress(transient=False) as progress:
        task = progress.add_task("re-encrypting", total=None)
        report = asyncio.run(
            rotate_keys(
                msgspec.structs.replace(settings, database_url=database_url),
                batch_size=args.batch_size,
                total=lambda n: progress.update(task, total=n),
                progress=lambda n: progress.advance(task, n),
            )
        )
    print(f"re-encrypted {report.rotated} value(s); {report.failed} could not be decrypted")
    print("values per key before: " + _counts(report.before))
    print("values per key after:  " + _counts(report.after))
    return 1 if report.failed else 0


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{key}={n}" for key, n in sorted(counts.items())) or "none"


def _create_owner(settings: Settings, args: argparse.Namespace) -> int:
    database_url = resolve_database_url(settings)
    user_id = asyncio.run(
        create_owner(msgspec.structs.replace(settings, database_url=database_url), args.email)
    )
    print(f"owner ready: user {user_id}; they log in with a code sent to that address")
    return 0


def _generate_key(_: Settings, args: argparse.Namespace) -> int:
    print(f"{args.id}:{generate_key()}")
    return 0


Command = Callable[[Settings, argparse.Namespace], int]

# The ``service`` field of each log line: the long-running processes by name, the rest "cli".
LOG_SERVICES = {"serve": "api", "worker": "worker", "bot": "bot"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Emotional Balance backend. Configuration comes from the environment "
        "(see README). Without DATABASE_URL, dev and test use an embedded PostgreSQL "
        "under .data/.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="serve the HTTP API", description="Serve the HTTP API with uvicorn."
    )
    serve.add_argument("--host", help="address to listen on (default HTTP_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default HTTP_PORT)")
    serve.add_argument(
        "--internal-port",
        type=int,
        help="port of the probes and metrics (default API_INTERNAL_PORT; 0 switches it off)",
    )
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser(
        "migrate",
        help="apply pending migrations (same as yoyo apply), under yoyo's lock",
        description="Apply pending migrations (same as yoyo apply), under yoyo's lock; a "
        "second migrator started at the same time waits, then finds nothing to do.",
    )
    migrate.set_defaults(handler=_migrate)

    db_status = commands.add_parser(
        "db-status",
        help="list applied (A) and pending (U) migrations; exit 1 if any pending",
        description="List applied (A) and pending (U) migrations. Exit status: 0 up to "
        "date, 1 migrations pending, 2 configuration error, 3 database unreachable.",
    )
    db_status.set_defaults(handler=_db_status)

    seed = commands.add_parser(
        "seed-demo",
        help="load idempotent demo data for local runs",
        description="Load idempotent demo data for local runs (refused in prod).",
    )
    seed.set_defaults(handler=_seed_demo)

    worker = commands.add_parser(
        "worker",
        help="deliver outbox events, send notifications and run periodic jobs until SIGTERM",
        description="Deliver outbox events, send notifications and run periodic jobs "
        "until SIGTERM.",
    )
    worker.set_defaults(handler=_worker)

    bot = commands.add_parser(
        "bot",
        help="run the Telegram bot by long polling (local runs; production uses the webhook)",
        description="Run the Telegram bot by long polling (local runs; production uses "
        "the webhook: telegram set-webhook).",
    )
    bot.set_defaults(handler=_bot)

    telegram = commands.add_parser(
        "telegram", help="Telegram administration", description="Telegram administration."
    )
    telegram_commands = telegram.add_subparsers(dest="telegram_command", required=True)
    set_webhook = telegram_commands.add_parser(
        "set-webhook",
        help="register PUBLIC_BASE_URL/webhooks/telegram with TELEGRAM_WEBHOOK_SECRET",
        description="Register PUBLIC_BASE_URL/webhooks/telegram with Telegram, with "
        "TELEGRAM_WEBHOOK_SECRET as the secret token; the api service then receives updates.",
    )
    set_webhook.set_defaults(handler=_set_webhook)

    rotate = commands.add_parser(
        "rotate-keys",
        help="re-encrypt every P2 value under the primary key (resumable); "
        "exit 1 if some value could not be decrypted",
        description="Re-encrypt every P2 value under the primary key of ENCRYPTION_KEYS "
        "(resumable); exit 1 if some value could not be decrypted.",
    )
    rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    rotate.set_defaults(handler=_rotate_keys)

    owner = commands.add_parser(
        "create-owner",
        help="create the first owner account (or make an account owner)",
        description="Create the first owner account (or make an existing account owner).",
    )
    owner.add_argument("--email", required=True, help="the owner's e-mail address")
    owner.set_defaults(handler=_create_owner)

    generate = commands.add_parser(
        "generate-key",
        help="print a new keyring entry id:base64key for ENCRYPTION_KEYS",
        description="Print a new keyring entry id:base64key for ENCRYPTION_KEYS.",
    )
    generate.add_argument("--id", default="k1", help="key id (default k1)")
    generate.set_defaults(handler=_generate_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(
        settings.log_level, settings.log_format, service=LOG_SERVICES.get(args.command, "cli")
    )
    handler: Command = args.handler
    try:
        return handler(settings, args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except EmbeddedDatabaseUnavailable as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except psycopg.OperationalError as exc:
        # The server is down, unreachable or refuses the login: say so in one line.
        reason = " ".join(str(exc).split())
        print(f"database unreachable: {reason}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
