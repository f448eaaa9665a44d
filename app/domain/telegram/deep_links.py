"""Deep-link codes: unguessable, in Telegram's ``start`` alphabet, with a purpose."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.domain.errors import ValidationFailed
from app.domain.shared.privacy import ensure_p0

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


@dataclass(frozen=True, slots=True)
class NewDeepLink:
    """A link about to be stored: its code travels in plain sight, so the payload is P0."""

    code: str
    purpose: str
    payload: dict[str, Any]
    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    expires_at: datetime


def issue(
    purpose: str, payload: dict[str, Any], *, now: datetime, user_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
) -> NewDeepLink:  # fmt: skip
    """A new link for a known purpose with a P0 payload; one made for a person (their
    account or lead) is short-lived, an unbound one lives 30 days."""
    validate_purpose(purpose)
    ensure_p0(payload, where="deep-link payload")
    bound = user_id is not None or lead_id is not None
    return NewDeepLink(
        new_code(), purpose, dict(payload), user_id, lead_id, now + lifetime(bound=bound)
    )
