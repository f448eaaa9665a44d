"""Helpers for identity flows: read the e-mails the service queued, log people in."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from email.message import Message
from typing import Any

from aiosmtpd.handlers import Message as MessageHandler
from litestar import Litestar
from litestar.testing import AsyncTestClient

PERSONAL_DATA = {"consent_type": "personal_data", "granted": True, "document_version": "2026-01"}


class Inbox(MessageHandler):
    """A real SMTP server's mailbox: what the service actually sent."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)

    def texts_to(self, address: str) -> list[str]:
        return [
            part.get_payload(decode=True).decode()
            for message in list(self.messages)
            if message["To"] == address
            for part in message.walk()
            if part.get_content_type() == "text/plain"
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for_mail(inbox: Inbox, address: str, count: int = 1) -> str:
    """The newest text sent to ``address`` once at least ``count`` have arrived."""
    texts = await eventually(lambda: (t := inbox.texts_to(address)) and len(t) >= count and t)
    return str(texts[-1])


async def last_code(inbox: Inbox, address: str, count: int = 1) -> str:
    """The newest login code among the texts from the ``count``-th on (other messages,
    such as a guest's booking e-mail, may arrive in between)."""

    def newest_code() -> str | None:
        for text in reversed(inbox.texts_to(address)[count - 1 :]):
            if match := re.search(r"\b(\d{6})\b", str(text)):
                return match.group(1)
        return None

    return str(await eventually(newest_code))


async def login(
    client: AsyncTestClient[Litestar],
    inbox: Inbox,
    email: str,
    consents: list[dict[str, Any]] | None = None,
) -> tuple[str, dict[str, Any]]:
    sent_before = len(inbox.texts_to(email))
    started = await client.post("/api/v1/auth/email/start", json={"email": email})
    assert started.status_code == 202, started.text
    verified = await client.post(
        "/api/v1/auth/email/verify",
        json={
            "email": email,
            "code": await last_code(inbox, email, sent_before + 1),
            "consents": [PERSONAL_DATA] if consents is None else consents,
        },
    )
    assert verified.status_code == 200, verified.text
    body = verified.json()
    return body["token"], body["user"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def eventually(check: Callable[[], Any], *, seconds: float = 20) -> Any:
    """Poll ``check`` until it returns something truthy (work done by the worker)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the worker did not finish in time")
        await asyncio.sleep(0.05)
