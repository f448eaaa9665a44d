"""SMTP delivery with aiosmtplib (STARTTLS, implicit TLS or plain, by settings).

The envelope is set explicitly: MAIL FROM is the sender's bare address and RCPT TO the
message's one validated recipient, never recipients read back from the headers.
"""

from __future__ import annotations

from typing import Literal

import aiosmtplib

from app.adapters.email.message import build_email, recipient_address, sender_address
from app.application.notifications import OutgoingMessage, PermanentDeliveryError

TIMEOUT_SECONDS = 20


class SmtpChannel:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        tls: Literal["none", "starttls", "tls"],
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._envelope_sender = sender_address(sender)
        self._tls = tls
        self._username = username
        self._password = password

    async def send(self, message: OutgoingMessage) -> None:
        recipient = recipient_address(message)
        try:
            await aiosmtplib.send(
                build_email(message, self._sender),
                sender=self._envelope_sender,
                recipients=[recipient],
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._tls == "tls",
                start_tls=self._tls == "starttls",
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError("the recipient address was refused") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentDeliveryError(
                    f"the server refused the message ({exc.code})"
                ) from exc
            raise
