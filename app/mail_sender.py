"""The sender of outgoing e-mail as configuration gives it (``Name <address>``), and
the one bare address it names. Pure parsing, shared by the settings and the e-mail
adapter."""

from __future__ import annotations

from email.headerregistry import AddressHeader, HeaderRegistry
from typing import cast

from app.domain.errors import ValidationFailed
from app.domain.shared.contact import Email


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
