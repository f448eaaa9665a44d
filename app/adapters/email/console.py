"""Console e-mail for local runs: the message is printed instead of sent.

Dev only (refused in prod), so a developer can read a login code. Templates never
carry P2 data, so nothing special-category reaches the terminal.
"""

from __future__ import annotations

import sys
from typing import TextIO

import structlog

from app.application.notifications import OutgoingMessage

logger = structlog.get_logger(__name__)


class ConsoleChannel:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, message: OutgoingMessage) -> None:
        stream = self._stream or sys.stderr
        invitation = message.invitation
        attached = (
            ""
            if invitation is None
            else f"Attached: calendar {invitation.method} {invitation.uid} #{invitation.sequence}\n"
        )
        stream.write(
            "\n----- e-mail (console backend, not sent) -----\n"
            f"To: {message.to}\nSubject: {message.content.subject or ''}\n{attached}\n"
            f"{message.content.text}\n"
            "----------------------------------------------\n"
        )
        stream.flush()
        logger.info("email_printed", template=message.template_code)
