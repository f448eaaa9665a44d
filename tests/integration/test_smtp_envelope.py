"""The SMTP channel against a real SMTP server (aiosmtpd on 127.0.0.1): the envelope
names exactly the one validated recipient and the sender's bare address, whatever the
message's text, and an address that could name a second mailbox is never sent."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from app.adapters.email.smtp import SmtpChannel
from app.application.notifications import OutgoingMessage, PermanentDeliveryError
from app.domain.notifications.templates import RenderedMessage

SENDER = "Эмоциональный баланс <hello@example.org>"


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    message: Message


@dataclass
class Sink:
    """Records each SMTP transaction: the envelope as the server saw it, and the data."""

    deliveries: list[Delivery] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.deliveries.append(
            Delivery(envelope.mail_from, list(envelope.rcpt_tos),
                     message_from_bytes(envelope.original_content))
        )  # fmt: skip
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def outgoing(to: str) -> OutgoingMessage:
    content = RenderedMessage(subject="Код для входа", text="Ваш код: 482913", html="<p>482913</p>")
    return OutgoingMessage(to, "auth.login_code", content)


async def test_the_envelope_names_exactly_the_one_recipient(sink: tuple[Sink, int]) -> None:
    handler, port = sink
    channel = SmtpChannel(host="127.0.0.1", port=port, sender=SENDER, tls="none")
    await channel.send(outgoing("Anna.Petrova+balance@example.org"))
    [delivery] = handler.deliveries
    assert delivery.rcpt_tos == ["Anna.Petrova+balance@example.org"]
    assert delivery.mail_from == "hello@example.org"
    assert delivery.message["To"] == "Anna.Petrova+balance@example.org"
    assert "hello@example.org" in delivery.message["From"]


@pytest.mark.parametrize(
    "to",
    [
        "x,victim@example.org",
        "z<victim@example.org>",
        "Anna <anna@example.org>",
        "anna@example.org, victim@example.org",
        "anna@example.org (victim@example.org)",
        "anna@example.org\r\nBcc: victim@example.org",
        '"victim@example.org" <anna@example.org>',
        "anna@example.org;victim@example.org",
    ],
)
async def test_an_address_that_could_name_another_mailbox_is_never_sent(
    sink: tuple[Sink, int], to: str
) -> None:
    handler, port = sink
    channel = SmtpChannel(host="127.0.0.1", port=port, sender=SENDER, tls="none")
    with pytest.raises(PermanentDeliveryError):
        await channel.send(outgoing(to))
    assert handler.deliveries == []


def test_a_sender_naming_more_than_one_mailbox_is_refused() -> None:
    for sender in ("a@example.org, b@example.org", "nobody", "Practice <x,victim@example.org>"):
        with pytest.raises(ValueError, match="exactly one mailbox"):
            SmtpChannel(host="127.0.0.1", port=25, sender=sender, tls="none")
