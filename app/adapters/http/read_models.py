"""Response structs from the application's read models: the fields a response shows are
copied by name, the others left out, so a read model can carry more than one answer."""

from __future__ import annotations

from typing import TypeVar

import msgspec

T = TypeVar("T")


def as_response(value: object, response: type[T]) -> T:
    """``value`` (a read model, or a list of them) as ``response``."""
    return msgspec.convert(value, response, from_attributes=True)
