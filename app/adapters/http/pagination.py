"""Opaque cursors for keyset pagination (``?limit=&cursor=``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.params import QueryParameter

from app.domain.errors import ValidationFailed

MAX_LIMIT = 100


class InvalidCursor(ValidationFailed):
    """A ``cursor`` that is not a ``next_cursor`` this list handed out (400)."""

    code = "invalid_cursor"
    title = "The cursor is not valid"


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=="))
    except (binascii.Error, ValueError):
        raise InvalidCursor("cursor is not valid", field="cursor") from None


def clamp_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


# Keyset cursors over any sort key: the page's last row's (sort key..., id), encoded as
# JSON behind a short check tag, so a cursor edited by hand or cut short is refused
# (400), never handed to SQL. The tag is not a secret: the cursor only says where a
# page starts, and the list's own filters and roles still apply.
Position = tuple[Any, ...]
P = TypeVar("P", bound=Position)
T = TypeVar("T")
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A cursor's timestamp: always with its offset, as it was written."""
BigintId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
"""A cursor's bigint id (within the column's range even in a forged cursor)."""
CursorQuery = Annotated[str | None, QueryParameter(name="cursor", max_length=200)]
"""The ``?cursor=`` of a list: the ``next_cursor`` of the page before."""
_TAG = 6


def _tag(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_TAG, person=b"balance-cursor").digest()


def encode_position(position: Position) -> str:
    payload = msgspec.json.encode(position)
    return base64.urlsafe_b64encode(_tag(payload) + payload).decode().rstrip("=")


def decode_position(cursor: str | None, shape: type[P]) -> P | None:
    """The position a cursor names, as ``shape`` (e.g. ``tuple[AwareDatetime, UUID]``);
    InvalidCursor (400) for anything that is not a cursor of this list."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, payload = raw[:_TAG], raw[_TAG:]
        if len(tag) != _TAG or not hmac.compare_digest(tag, _tag(payload)):
            raise ValueError("tag")
        return msgspec.json.decode(payload, type=shape)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidCursor("cursor is not valid", field="cursor") from None


def page_of(
    rows: Sequence[T], limit: int, position: Callable[[T], Position]
) -> tuple[list[T], str | None]:
    """The first ``limit`` rows of ``rows`` (fetched with ``limit + 1``) and the cursor
    of the next page, None when there is none."""
    page = list(rows[:limit])
    more = len(rows) > limit
    return page, encode_position(position(page[-1])) if more and page else None
