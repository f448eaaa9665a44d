"""Building the MIME message: plain text plus an HTML alternative."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.application.notifications import OutgoingMessage


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.content.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    email.set_content(message.content.text)
    email.add_alternative(message.content.html, subtype="html")
    return email
