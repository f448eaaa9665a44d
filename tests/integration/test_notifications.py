"""E-mail through a real SMTP server (aiosmtpd on 127.0.0.1): rendered from the
message templates, sent once, retried when the server is away."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from app.adapters.email.smtp import SmtpChannel
from app.adapters.postgres.notifications import PostgresDeliveryQueue, PostgresTemplateStore
from app.application.notifications import NotificationSender
from app.application.ports import NotificationRequest
from app.bootstrap import Core


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)


class RefuseRecipient(Inbox):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return "550 5.1.1 mailbox unavailable"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


def start_server(handler: Inbox, port: int) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    handler = Inbox()
    controller = start_server(handler, smtp_port)
    yield handler
    controller.stop()


def sender_for(core: Core, port: int) -> NotificationSender:
    channel = SmtpChannel(
        host="127.0.0.1", port=port, sender="Эмоциональный баланс <hello@example.org>", tls="none"
    )
    return NotificationSender(
        PostgresDeliveryQueue(core.database, core.cipher),
        PostgresTemplateStore(core.database),
        {"email": channel},
        core.clock,
    )


def login_code(key: str = "login:1") -> NotificationRequest:
    return NotificationRequest(
        channel="email", template_code="auth.login_code", recipient_kind="login_code",
        recipient_id="1", dedupe_key=key, to="anna@example.org", variables={"code": "482913"},
    )  # fmt: skip


async def queue(core: Core, request: NotificationRequest) -> bool:
    uow = core.unit_of_work(lambda s: s)
    async with uow() as work:
        queued = await work.notifications.enqueue(request)
        await work.commit()
    return queued


def deliveries(postgresql: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    postgresql.commit()
    return postgresql.execute(
        "SELECT status, attempts, payload_encrypted IS NULL, last_error FROM notification_deliveries"
    ).fetchall()


async def test_queued_email_is_sent_once_with_text_and_html(
    core: Core, inbox: Inbox, smtp_port: int, postgresql: psycopg.Connection[Any]
) -> None:
    assert await queue(core, login_code())
    postgresql.commit()
    stored = postgresql.execute("SELECT payload_encrypted FROM notification_deliveries").fetchone()
    assert stored is not None
    assert stored[0].startswith("enc:v1:test1:")
    assert "anna@example.org" not in stored[0]

    sender = sender_for(core, smtp_port)
    assert await sender.run_once() == 1
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "anna@example.org"
    assert "hello@example.org" in message["From"]
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "Код для входа в «Эмоциональный баланс»"  # the code is in the body only
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    assert "Ваш код для входа в «Эмоциональный баланс»: 482913" in text
    assert "482913" in text
    assert "<p>" in html
    assert "482913" in html
    assert deliveries(postgresql) == [("sent", 1, True, None)]

    # Replays: the same request again, and the sender again: nothing more goes out.
    assert not await queue(core, login_code())
    core.clock.advance(hours=1)  # type: ignore[attr-defined]
    assert await sender.run_once() == 0
    assert len(inbox.messages) == 1


async def test_server_away_means_retry_later_then_delivery(
    core: Core, smtp_port: int, postgresql: psycopg.Connection[Any]
) -> None:
    await queue(core, login_code())
    sender = sender_for(core, smtp_port)
    assert await sender.run_once() == 1  # nobody listens on the port yet
    status, attempts, wiped, error = deliveries(postgresql)[0]
    assert (status, attempts, wiped) == ("pending", 1, False)
    assert error is not None
    assert await sender.run_once() == 0  # backing off

    handler = Inbox()
    controller = start_server(handler, smtp_port)
    try:
        core.clock.advance(minutes=5)  # type: ignore[attr-defined]
        assert await sender.run_once() == 1
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    assert deliveries(postgresql) == [("sent", 2, True, None)]


async def test_refused_recipient_fails_for_good_and_wipes_the_payload(
    core: Core, smtp_port: int, postgresql: psycopg.Connection[Any]
) -> None:
    controller = start_server(RefuseRecipient(), smtp_port)
    try:
        await queue(core, login_code())
        await sender_for(core, smtp_port).run_once()
    finally:
        controller.stop()
    assert deliveries(postgresql) == [("failed", 1, True, "PermanentDeliveryError")]


async def test_unknown_template_fails_without_sending(
    core: Core, inbox: Inbox, smtp_port: int, postgresql: psycopg.Connection[Any]
) -> None:
    request = NotificationRequest(
        channel="email", template_code="no.such_template", recipient_kind="user",
        recipient_id="u1", dedupe_key="x:1", to="anna@example.org",
    )  # fmt: skip
    await queue(core, request)
    await sender_for(core, smtp_port).run_once()
    assert inbox.messages == []
    assert deliveries(postgresql)[0][0] == "failed"


async def test_console_backend_prints_the_message(
    core: Core, capsys: pytest.CaptureFixture[str], postgresql: psycopg.Connection[Any]
) -> None:
    await queue(core, login_code())
    assert await core.sender.run_once() == 1  # the test settings use the console backend
    err = capsys.readouterr().err
    assert "Subject: Код для входа в «Эмоциональный баланс»" in err
    assert "482913" in err
    assert deliveries(postgresql)[0][0] == "sent"
