"""Building the MIME message: plain text plus an HTML alternative, for one recipient."""

from __future__ import annotations

from email.headerregistry import AddressHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import cast

from app.application.notifications import OutgoingMessage, PermanentDeliveryError
from app.domain.errors import ValidationFailed
from app.domain.shared.contact import Email


def recipient_address(message: OutgoingMessage) -> str:
    """The one mailbox ``message`` goes to, as a bare addr-spec. Anything else (a list,
    a display name, a comment: text a mail library would read as other mailboxes) can
    never be delivered."""
    try:
        return Email(message.to).value
    except ValidationFailed:
        raise PermanentDeliveryError("the recipient is not a single e-mail address") from None


def sender_address(sender: str) -> str:
    """The bare address in a sender such as ``Эмоциональный баланс <hello@example.org>``
    (the envelope's MAIL FROM); ValueError unless it names exactly one mailbox."""
    header = HeaderRegistry()("from", sender)  # a From header: an AddressHeader
    addresses = cast(AddressHeader, header).addresses
    if len(addresses) != 1 or header.defects:
        raise ValueError("the sender must name exactly one mailbox")
    try:
        return Email(addresses[0].addr_spec).value
    except ValidationFailed:
        raise ValueError("the sender must name exactly one mailbox") from None


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient_address(message)
    email["Subject"] = message.content.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender_address(sender).rpartition("@")[2])
    email.set_content(message.content.text)
    email.add_alternative(message.content.html, subtype="html")
    return email
