"""Retry timing shared by the outbox relay and the notification sender."""

from __future__ import annotations

from datetime import timedelta


def backoff_delay(attempt: int, *, base_seconds: float = 5, cap_seconds: float = 3600) -> timedelta:
    """Exponential backoff: ``base * 2^(attempt-1)``, capped; attempt counts from 1."""
    exponent = max(attempt - 1, 0)
    seconds = min(base_seconds * (2 ** min(exponent, 30)), cap_seconds)
    return timedelta(seconds=seconds)
