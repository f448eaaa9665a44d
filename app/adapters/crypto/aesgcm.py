"""AES-256-GCM envelope encryption of P2 values, bound to where each value lives.

Envelope: ``enc:v1:<key id>:<base64url(nonce || ciphertext || tag)>`` (no padding).
Associated data: the ``context`` string ``"<table>.<column>:<row id>"``, so a
ciphertext copied into another row or column does not decrypt. A fresh 96-bit nonce
is drawn for every value. The key id in the envelope says which key to use, so keys
rotate row by row (``python -m app rotate-keys``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.keyring import KEY_BYTES, Keyring, decode_base64

__all__ = [
    "KEY_BYTES",
    "PREFIX",
    "AesGcmCipher",
    "DecryptionFailed",
    "KeyedHasher",
    "Keyring",
    "generate_key",
    "key_id_of",
]

PREFIX = "enc:v1:"
NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """The value cannot be decrypted here: unknown key, wrong place, or tampered.

    The message never contains the value, the key or the plaintext.
    """


def generate_key() -> str:
    """A new random 256-bit key, base64url-encoded (for a keyring entry)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def key_id_of(token: str) -> str | None:
    """The key id named by an envelope, or None if it is not one."""
    if not token.startswith(PREFIX):
        return None
    key_id, sep, _ = token[len(PREFIX) :].partition(":")
    return key_id if sep else None


class AesGcmCipher:
    """The ``Cipher`` port: ``encrypt(plaintext, context)`` / ``decrypt(token, context)``."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._aead = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    @property
    def primary_key_id(self) -> str:
        return self._keyring.primary

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._keyring.primary].encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        data = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{self._keyring.primary}:{data}"

    def decrypt(self, token: str, context: str) -> str:
        key_id = key_id_of(token)
        if key_id is None:
            raise DecryptionFailed("not an enc:v1 envelope")
        aead = self._aead.get(key_id)
        if aead is None:
            raise DecryptionFailed(f"key {key_id} is not in the keyring")
        try:
            raw = decode_base64(token[len(PREFIX) + len(key_id) + 1 :])
            plaintext = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
        except (ValueError, InvalidTag):
            raise DecryptionFailed(
                "the value does not decrypt here (wrong key, moved, or altered)"
            ) from None
        return plaintext.decode("utf-8")

    def needs_rotation(self, token: str) -> bool:
        return key_id_of(token) != self._keyring.primary


class KeyedHasher:
    """HMAC-SHA256 under a key derived (HKDF) from the keyring's primary key: for short
    secrets such as login codes, which a plain hash would not protect."""

    def __init__(self, keyring: Keyring) -> None:
        from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: PLC0415

        self._key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"emotional-balance:keyed-hash"
        ).derive(keyring.keys[keyring.primary])

    def keyed_hash(self, value: str) -> bytes:
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).digest()
