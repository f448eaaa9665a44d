"""Bearer and one-time tokens are stored only as their SHA-256."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()
