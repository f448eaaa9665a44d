"""The encryption keyring as configuration gives it: key ids and their 256-bit keys,
the first one primary. Pure parsing, shared by the settings and the crypto adapter."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass

KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True, slots=True)
class Keyring:
    """Key id → 32-byte key; ``primary`` encrypts, every key decrypts."""

    keys: Mapping[str, bytes]
    primary: str

    def __post_init__(self) -> None:
        if self.primary not in self.keys:
            raise ValueError("the primary key id is not in the keyring")
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise ValueError("key ids are 1-32 characters of A-Z a-z 0-9 _ -")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id} is not {KEY_BYTES} bytes")

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Read ``id1:base64key,id2:base64key`` (commas or new lines); the first is primary."""
        entries = [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]
        if not entries:
            raise ValueError("no keys given")
        keys: dict[str, bytes] = {}
        for entry in entries:
            key_id, sep, encoded = entry.partition(":")
            if not sep:
                raise ValueError("each key is written id:base64key")
            if key_id in keys:
                raise ValueError(f"key id {key_id} appears twice")
            keys[key_id] = decode_base64(encoded)
        return cls(keys=keys, primary=entries[0].partition(":")[0])


def decode_base64(encoded: str) -> bytes:
    """Base64 or base64url, padded or not; ValueError otherwise."""
    try:
        return base64.urlsafe_b64decode(encoded.replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        raise ValueError("a key is not valid base64") from None
