"""Opaque cursors for keyset pagination (``?limit=&cursor=``)."""

from __future__ import annotations

import base64
import binascii
import uuid

from app.domain.errors import ValidationFailed

MAX_LIMIT = 100


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=="))
    except (binascii.Error, ValueError):
        raise ValidationFailed("cursor is not valid") from None


def clamp_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}")
    return limit
