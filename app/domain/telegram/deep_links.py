"""Deep-link codes: unguessable, in Telegram's ``start`` alphabet, with a purpose."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from app.domain.errors import ValidationFailed

PURPOSES = frozenset({"plan", "booking", "interactive_result", "link_account", "campaign"})
CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
LIFETIME = timedelta(days=30)
"""An unbound link (a campaign, a page anyone may share) lives this long."""
BOUND_LIFETIME = timedelta(minutes=15)
"""A link made for a person (it links their Telegram or carries their lead) is a bearer
secret: short-lived and single-use."""


def lifetime(*, bound: bool) -> timedelta:
    return BOUND_LIFETIME if bound else LIFETIME


def new_code() -> str:
    """22 characters of A-Z a-z 0-9 _ - (128 random bits)."""
    return secrets.token_urlsafe(16)


def validate_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValidationFailed("unknown deep-link purpose", field="purpose")
    return purpose


def looks_like_code(value: str) -> bool:
    return bool(CODE.match(value))


def start_url(bot_username: str, code: str) -> str:
    """The ``t.me`` link that opens the bot with ``/start <code>``."""
    return f"https://t.me/{bot_username}?start={code}"
