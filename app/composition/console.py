"""Builds the web console adapter (mounted only when CONSOLE_ENABLED)."""

from __future__ import annotations

from app.adapters.console.router import Console, build_console
from app.adapters.crypto.aesgcm import KeyedHasher
from app.application.ports import Clock
from app.composition.infrastructure import resolve_keyring
from app.config import Settings


def console(settings: Settings, clock: Clock) -> Console:
    """The console, its CSRF secret derived from the encryption keyring, so every
    replica accepts the tokens of the others and a key rotation renews it."""
    secret = KeyedHasher(resolve_keyring(settings)).keyed_hash("console:csrf").hex()
    return build_console(settings, secret, clock)
