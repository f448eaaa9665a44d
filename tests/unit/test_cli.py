"""The command line: help on every command, configuration errors name the variable."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator

import pytest

from app.__main__ import EXIT_UNREACHABLE, build_parser, main


@pytest.mark.parametrize(
    "command", ["serve", "migrate", "db-status", "seed-demo", "bot", "telegram"]
)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert f"python -m app {command}" in capsys.readouterr().out


def test_top_level_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    for command in ("serve", "migrate", "db-status", "seed-demo"):
        assert command in out


def test_invalid_setting_stops_with_the_variable_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "staging")
    assert main(["migrate"]) == 2
    assert "configuration error: APP_ENV" in capsys.readouterr().err


def test_prod_without_database_url_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["serve"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield child
                yield from _subparsers(child)


def test_every_command_and_subcommand_describes_itself() -> None:
    commands = list(_subparsers(build_parser()))
    assert "python -m app telegram set-webhook" in [c.prog for c in commands]
    for command in commands:
        assert command.description, f"`{command.prog} --help` has no description"
        assert command.description.strip()[0].isupper(), command.prog


def test_db_status_help_lists_its_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["db-status", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "3 database unreachable" in out


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_db_status_on_an_unreachable_database_says_so_with_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], scheme: str
) -> None:
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", f"{scheme}://eb:s3cret@127.0.0.1:{_closed_port()}/eb")
    assert main(["db-status"]) == EXIT_UNREACHABLE == 3
    captured = capsys.readouterr()
    assert captured.err.startswith("database unreachable: ")
    assert "Connection refused" in captured.err
    assert "Traceback" not in captured.err
    assert "s3cret" not in captured.err
    assert captured.out == ""
