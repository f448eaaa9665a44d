"""Reading an answer without an account, and who is told when an answer arrives.

An author without an account gets a reading token once, at submission; only its SHA-256
is stored. Whoever is told that the answer arrived — the author's account, or a contact
an anonymous author left with their consent — is kept encrypted beside the item, and
forgotten once told. The message carries a link, never the question or the answer.
"""

from __future__ import annotations

import uuid

import msgspec


class AnswerRecipient(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The author's account, or an e-mail an anonymous author left with the reading
    token to link to (that copy lives only until the message is queued)."""

    user_id: uuid.UUID | None = None
    email: str | None = None
    reading_token: str | None = None


class AccountContact(msgspec.Struct, frozen=True, kw_only=True):
    """Where an account is told: its e-mail and a linked Telegram chat that agreed."""

    email: str | None
    telegram_chat: int | None
