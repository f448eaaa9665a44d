"""The command line: help on every command, configuration errors name the variable."""

from __future__ import annotations

import pytest

from app.__main__ import build_parser, main


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
