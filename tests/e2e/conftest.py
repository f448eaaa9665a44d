"""Fixtures for end-to-end tests that need e-mail: a real SMTP server on 127.0.0.1 and
settings that send to it through the in-process worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from app.config import Settings
from tests.conftest import make_settings
from tests.e2e.identity_helpers import Inbox, free_port


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    mailbox = Inbox(free_port())
    smtp = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    smtp.start()
    yield mailbox
    smtp.stop()


def mailing_settings(database_url: str, inbox: Inbox, **environ: str) -> Settings:
    """Settings whose worker runs inside the app and delivers to ``inbox``."""
    return make_settings(
        database_url,
        WORKER_IN_PROCESS="true",
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(inbox.port),
        SMTP_TLS="none",
        EMAIL_FROM="Эмоциональный баланс <hello@example.org>",
        **environ,
    )
