"""Keyset cursors: a round trip gives the position back; anything else is InvalidCursor."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import msgspec
import pytest

from app.adapters.http.pagination import (
    AwareDatetime,
    BigintId,
    InvalidCursor,
    _tag,
    decode_position,
    encode_position,
    page_of,
)
from app.domain.errors import ValidationFailed

WHEN = datetime(2030, 6, 3, 6, 0, 0, 123456, tzinfo=UTC)
ID = uuid.UUID("38b0151f-e045-4fa4-94a9-073d666025de")  # fixed: it names a parametrised test


def forged(position: object) -> str:
    """A cursor with a valid tag over any payload (the tag is no secret)."""
    payload = msgspec.json.encode(position)
    return base64.urlsafe_b64encode(_tag(payload) + payload).decode().rstrip("=")


def test_a_cursor_gives_back_its_position() -> None:
    cursor = encode_position((WHEN, ID))
    assert decode_position(cursor, tuple[AwareDatetime, uuid.UUID]) == (WHEN, ID)
    assert decode_position(encode_position((True, WHEN, ID)),
                           tuple[bool, AwareDatetime, uuid.UUID]) == (True, WHEN, ID)  # fmt: skip
    assert decode_position(None, tuple[AwareDatetime, uuid.UUID]) is None


@pytest.mark.parametrize(
    "cursor",
    ["garbage!", "x" * 40, "😀", encode_position((WHEN, ID))[:-2],
     forged([WHEN.isoformat(), "not-a-uuid"]), forged([WHEN.replace(tzinfo=None), str(ID)]),
     forged([WHEN, str(ID), "extra"])],
)  # fmt: skip
def test_anything_else_is_an_invalid_cursor(cursor: str) -> None:
    shape = tuple[AwareDatetime, uuid.UUID]
    with pytest.raises(InvalidCursor) as refused:
        decode_position(cursor, shape)
    assert isinstance(refused.value, ValidationFailed)
    assert refused.value.field == "cursor"


def test_a_forged_id_out_of_the_bigint_range_is_refused() -> None:
    for out_of_range in (2**63, 10**30, 0):
        with pytest.raises(InvalidCursor):
            decode_position(forged([WHEN, out_of_range]), tuple[AwareDatetime, BigintId])
    assert decode_position(forged([WHEN, 2**63 - 1]), tuple[AwareDatetime, BigintId]) == (
        WHEN,
        2**63 - 1,
    )


def test_an_edited_cursor_fails_its_tag() -> None:
    raw = bytearray(base64.urlsafe_b64decode(encode_position((WHEN, ID)) + "=="))
    raw[-3] ^= 1
    with pytest.raises(InvalidCursor):
        decode_position(base64.urlsafe_b64encode(bytes(raw)).decode(),
                        tuple[AwareDatetime, uuid.UUID])  # fmt: skip


def test_a_page_has_a_next_cursor_only_when_more_rows_were_found() -> None:
    rows = [(WHEN, uuid.uuid4()) for _ in range(3)]
    page, cursor = page_of(rows, 2, lambda row: row)
    assert page == rows[:2]
    assert decode_position(cursor, tuple[AwareDatetime, uuid.UUID]) == rows[1]
    assert page_of(rows, 3, lambda row: row) == (rows, None)
    assert page_of([], 3, lambda row: row) == ([], None)
