"""docs/operations.md runs as written: every ``docker compose`` command in its code
blocks names services compose.yaml has, every application command it passes is one the
CLI parses, and every ``python -m app`` and ``make`` target it mentions exists."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from app.__main__ import build_parser
from app.config import PROJECT_ROOT

OPERATIONS = PROJECT_ROOT / "docs" / "operations.md"
COMPOSE = PROJECT_ROOT / "compose.yaml"
# The image's entrypoint is `python -m app`: `run` passes the subcommand alone.
APP_SERVICES = frozenset({"api", "worker", "bot"})
# Options of `docker compose` and its subcommands that take a value.
GLOBAL_OPTIONS_WITH_VALUE = frozenset({"-f", "--file", "--profile", "-p", "--project-name",
                                       "--env-file"})  # fmt: skip
OPTIONS_WITH_VALUE = frozenset({"-e", "--env", "-u", "--user", "-w", "--workdir", "--scale",
                                "--entrypoint", "--name", "-t", "--timeout", "--index"})  # fmt: skip
SERVICE_LIST_COMMANDS = frozenset({"up", "start", "stop", "restart", "logs", "ps", "build",
                                   "pull", "rm", "down", "create", "kill"})  # fmt: skip
SHELL_BREAKS = frozenset({">", "<", "|", "&&", ";", "||", ">>", "&"})
# What may run inside the postgres container.
POSTGRES_TOOLS = frozenset({"pg_dump", "pg_restore", "psql", "pg_isready"})


@dataclass(frozen=True)
class ComposeCommand:
    line: str
    subcommand: str
    services: tuple[str, ...]
    argv: tuple[str, ...]  # what `run`/`exec` runs in the container


def _code_blocks(text: str) -> list[str]:
    """The shell code blocks (fenced with ```sh), indented ones in lists included."""
    blocks: list[str] = []
    language: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("```"):
            lines.append(stripped)
            continue
        if language is None:
            language, lines = stripped.removeprefix("```"), []
            continue
        if language in ("sh", "bash", "shell"):
            blocks.append("\n".join(lines))
        language = None
    return blocks


def _shell_lines(block: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip()]


def _parse(line: str, start: int) -> ComposeCommand:
    lexer = shlex.shlex(line[start:], posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    tokens = list(lexer)
    assert tokens[:2] == ["docker", "compose"], line
    rest = tokens[2:]
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option in GLOBAL_OPTIONS_WITH_VALUE:
            rest.pop(0)
    subcommand = rest.pop(0)
    words: list[str] = []
    scaled: list[str] = []
    while rest and rest[0] not in SHELL_BREAKS:
        token = rest.pop(0)
        if token.startswith("-") and not words:
            if token in OPTIONS_WITH_VALUE:
                value = rest.pop(0)
                if token == "--scale":
                    scaled.append(value.split("=", 1)[0])
            continue
        words.append(token)
        if subcommand in ("run", "exec"):
            break
    if subcommand in ("run", "exec"):
        while rest and rest[0] not in SHELL_BREAKS:
            words.append(rest.pop(0))
        return ComposeCommand(line, subcommand, (words[0], *scaled), tuple(words[1:]))
    return ComposeCommand(line, subcommand, (*words, *scaled), ())


def _compose_commands() -> list[ComposeCommand]:
    commands = []
    for block in _code_blocks(OPERATIONS.read_text(encoding="utf-8")):
        for line in _shell_lines(block):
            commands.extend(
                _parse(line, match.start()) for match in re.finditer(r"docker compose", line)
            )
    return commands


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _parses(argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"python -m app {' '.join(argv)}: the CLI refuses it ({exc})")


def test_the_runbook_covers_the_whole_deployment() -> None:
    commands = _compose_commands()
    ran = {(c.subcommand, c.services[0] if c.services else "", c.argv[:3]) for c in commands}
    assert ("build", "", ()) in ran
    assert ("up", "", ()) in ran
    assert ("run", "api", ("create-owner", "--email", "owner@example.org")) in ran
    assert ("exec", "api", ("python", "-m", "app")) in ran
    assert any(c.subcommand == "exec" and c.argv[:1] == ("pg_dump",) for c in commands)
    assert any(c.subcommand == "exec" and c.argv[:1] == ("pg_restore",) for c in commands)
    assert any(c.argv[-2:] == ("telegram", "set-webhook") for c in commands)
    assert any(c.argv[-1:] == ("rotate-keys",) for c in commands)
    assert any(c.argv == ("db-status",) for c in commands)
    assert any(c.subcommand == "run" and c.services[0] == "migrate" for c in commands)


def test_every_docker_compose_command_names_existing_services(compose: dict[str, Any]) -> None:
    commands = _compose_commands()
    assert len(commands) >= 15
    for command in commands:
        for service in command.services:
            assert service in compose["services"], f"{command.line}: no service {service}"


def test_every_command_run_in_a_container_exists_there(compose: dict[str, Any]) -> None:
    for command in _compose_commands():
        if command.subcommand not in ("run", "exec"):
            continue
        service, argv = command.services[0], list(command.argv)
        if service == "postgres":
            assert argv, command.line
            assert argv[0] in POSTGRES_TOOLS, command.line
            continue
        if service == "migrate":
            assert not argv, f"{command.line}: migrate runs its own yoyo command"
            continue
        assert service in APP_SERVICES, command.line
        if argv[:3] == ["python", "-m", "app"]:
            _parses(argv[3:])
        elif argv[:2] == ["python", "-c"]:
            compile(argv[2], command.line, "exec")
        else:
            # `exec` does not go through the image's entrypoint: a bare subcommand
            # would not be found in the container.
            assert command.subcommand == "run", f"{command.line}: exec needs python -m app"
            _parses(argv)


def test_every_python_m_app_command_mentioned_exists() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    parser = build_parser()
    subparsers = next(action for action in parser._actions if action.dest == "command")
    names = set(subparsers.choices)  # type: ignore[arg-type]
    mentioned = re.findall(r"python -m app ([a-z][a-z-]*)", text)
    assert mentioned
    for name in mentioned:
        assert name in names, f"python -m app {name} is not a command"
    for sub in re.findall(r"python -m app telegram ([a-z-]+)", text):
        _parses(["telegram", sub])


def test_every_make_target_mentioned_exists() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    for target in re.findall(r"`make ([a-z][a-z-]*)`", text):
        assert target in targets, f"make {target} is not a target"
