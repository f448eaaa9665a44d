"""The P0 guard: data that travels (events, audit details, timeline, analytics) must
hold ids, codes and levels only, never contact data or free text about a person."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.domain.errors import ValidationFailed

# Keys that name P1/P2 data or secrets, wherever they appear.
PERSONAL_KEYS = frozenset(
    {
        "address", "answer", "answers", "body", "code", "comment", "display_name", "email",
        "first_name", "last_name", "message", "name", "note", "password", "phone", "text",
        "token", "username",
    }
)  # fmt: skip
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"(?:\+|\b)\d[\d\s()-]{8,}\d\b")
_MAX_TEXT = 200
# Ids and timestamps are P0 even though their digits and hyphens can look like a phone.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ISO_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$"
)


def ensure_p0(values: Mapping[str, Any], *, where: str) -> None:
    """Raise ``ValidationFailed`` when ``values`` look like they carry personal data."""
    for key, value in values.items():
        if key.lower() in PERSONAL_KEYS or key.lower().endswith(("_encrypted", "_token")):
            raise ValidationFailed(f"{where}: field '{key}' may hold personal data")
        _ensure_value(value, key, where)


def _ensure_value(value: Any, key: str, where: str) -> None:
    if isinstance(value, Mapping):
        ensure_p0(value, where=where)
    elif isinstance(value, list | tuple):
        for item in value:
            _ensure_value(item, key, where)
    elif isinstance(value, str):
        if _UUID.match(value) or _ISO_TIME.match(value):
            return
        if len(value) > _MAX_TEXT or _EMAIL.search(value) or _PHONE.search(value):
            raise ValidationFailed(f"{where}: field '{key}' looks like personal data")
    elif value is not None and not isinstance(value, bool | int | float):
        raise ValidationFailed(f"{where}: field '{key}' must be a plain value")
