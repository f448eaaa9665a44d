"""The callback data the bot's inline buttons carry, and how an id is read back from it."""

from __future__ import annotations

from uuid import UUID

CONSENT_YES, CONSENT_NO = "consent:yes", "consent:no"
CANCEL_PREFIX, MOVE_PREFIX, MOVE_TO_PREFIX = "cancel:", "move:", "moveto:"
BOOK_PREFIX, SLOT_PREFIX = "book:", "slot:"
CONSENT_BUTTONS = (("Да, присылайте", CONSENT_YES), ("Нет, спасибо", CONSENT_NO))


def uuid_or_none(value: str) -> UUID | None:
    """The id a button carries; None for anything else (a forged or mangled button)."""
    try:
        return UUID(value)
    except ValueError:
        return None
