"""Logs are JSON lines, carry the request id, and never carry personal data."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from app.adapters.observability.logging import REDACTED, configure_logging, redact, scrub_text


def test_sensitive_keys_are_redacted_at_any_depth() -> None:
    event = redact(
        None,
        "info",
        {
            "event": "login_started",
            "email": "client@example.org",
            "request": {"headers": {"authorization": "Bearer abc"}, "path": "/auth"},
            "items": [{"body_encrypted": "enc:v1:k1:xyz", "status": "draft"}],
            "status": 202,
        },
    )
    assert event["email"] == REDACTED
    assert event["request"]["headers"]["authorization"] == REDACTED
    assert event["request"]["path"] == "/auth"
    assert event["items"][0]["body_encrypted"] == REDACTED
    assert event["items"][0]["status"] == "draft"
    assert event["status"] == 202


def test_constraint_details_and_emails_are_scrubbed_from_exceptions() -> None:
    text = (
        'duplicate key value violates unique constraint "users_email_key"\n'
        "DETAIL:  Key (lower(email))=(anna@example.org) already exists."
    )
    scrubbed = scrub_text(text)
    assert "anna@example.org" not in scrubbed
    assert "Key (lower(email))=([redacted]) already exists" in scrubbed


def test_log_lines_are_json_with_request_id_and_without_p1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    structlog.contextvars.bind_contextvars(request_id="req-12345678")
    try:
        structlog.get_logger("test").info("user_created", user_id="u1", email="x@example.org")
        logging.getLogger("some.library").warning("library says %s", "hello")
    finally:
        structlog.contextvars.clear_contextvars()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    ours, theirs = lines[-2], lines[-1]
    assert ours["event"] == "user_created"
    assert ours["request_id"] == "req-12345678"
    assert ours["email"] == REDACTED
    assert ours["level"] == "info"
    assert "timestamp" in ours
    assert theirs["event"] == "library says hello"
    assert theirs["logger"] == "some.library"


def test_console_format_is_human_readable(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "console")
    structlog.get_logger("test").info("hello_console", email="x@example.org")
    err = capsys.readouterr().err
    assert "hello_console" in err
    assert "x@example.org" not in err
    configure_logging("INFO", "json")


def test_debug_lines_are_dropped_at_info(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    structlog.get_logger("test").debug("noisy")
    assert "noisy" not in capsys.readouterr().err


def test_console_tracebacks_never_show_local_variables(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "console")

    def fail() -> None:
        diary_text = "сегодня было очень тяжело"  # noqa: F841 (a local that must not be printed)
        raise RuntimeError("boom")

    try:
        fail()
    except RuntimeError:
        structlog.get_logger("test").exception("crashed")
    err = capsys.readouterr().err
    assert "RuntimeError: boom" in err
    assert "очень тяжело" not in err
    configure_logging("INFO", "json")


@pytest.mark.parametrize("service", ["api", "worker", "bot", "cli"])
def test_every_line_names_the_service(capsys: pytest.CaptureFixture[str], service: str) -> None:
    configure_logging("INFO", "json", service=service)
    try:
        structlog.get_logger("test").info("ours")
        logging.getLogger("some.library").warning("theirs")
    finally:
        configure_logging("INFO", "json")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert [line["event"] for line in lines[-2:]] == ["ours", "theirs"]
    assert {line["service"] for line in lines[-2:]} == {service}


def test_an_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown service"):
        configure_logging("INFO", "json", service="scheduler")


def test_each_command_logs_as_its_process() -> None:
    from app.__main__ import LOG_SERVICES, build_parser  # noqa: PLC0415

    parser = build_parser()
    assert LOG_SERVICES.get(parser.parse_args(["serve"]).command, "cli") == "api"
    assert LOG_SERVICES.get(parser.parse_args(["worker"]).command, "cli") == "worker"
    assert LOG_SERVICES.get(parser.parse_args(["bot"]).command, "cli") == "bot"
    assert LOG_SERVICES.get(parser.parse_args(["migrate"]).command, "cli") == "cli"
