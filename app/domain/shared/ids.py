"""Identifiers: the domain makes ids itself, so an object has one before it is saved."""

from __future__ import annotations

import uuid


def new_id() -> uuid.UUID:
    """A new random id (UUID version 4)."""
    return uuid.uuid4()
