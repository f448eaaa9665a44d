"""P2 encryption: the envelope, and every way a value must refuse to decrypt."""

from __future__ import annotations

import base64

import pytest

from app.adapters.crypto.aesgcm import (
    AesGcmCipher,
    DecryptionFailed,
    Keyring,
    generate_key,
    key_id_of,
)

K1, K2 = generate_key(), generate_key()
CONTEXT = "diary_entries.body_encrypted:2b1c0d6e-0000-4000-8000-000000000001"


def cipher(spec: str) -> AesGcmCipher:
    return AesGcmCipher(Keyring.parse(spec))


def test_envelope_format_and_round_trip() -> None:
    c = cipher(f"k1:{K1}")
    token = c.encrypt("Сегодня было тревожно", CONTEXT)
    prefix, version, key_id, data = token.split(":")
    assert (prefix, version, key_id) == ("enc", "v1", "k1")
    raw = base64.urlsafe_b64decode(data + "==")
    assert len(raw) == 12 + len("Сегодня было тревожно".encode()) + 16  # nonce, text, tag
    assert "=" not in data
    assert c.decrypt(token, CONTEXT) == "Сегодня было тревожно"


def test_every_encryption_uses_a_fresh_nonce() -> None:
    c = cipher(f"k1:{K1}")
    assert c.encrypt("same", CONTEXT) != c.encrypt("same", CONTEXT)


def test_value_moved_to_another_row_does_not_decrypt() -> None:
    c = cipher(f"k1:{K1}")
    token = c.encrypt("secret", CONTEXT)
    with pytest.raises(DecryptionFailed):
        c.decrypt(token, CONTEXT.replace("0001", "0002"))
    with pytest.raises(DecryptionFailed):
        c.decrypt(token, CONTEXT.replace("body_encrypted", "other_encrypted"))


def test_wrong_key_does_not_decrypt() -> None:
    token = cipher(f"k1:{K1}").encrypt("secret", CONTEXT)
    with pytest.raises(DecryptionFailed):
        cipher(f"k1:{K2}").decrypt(token, CONTEXT)


def test_unknown_key_id_is_named_in_the_error() -> None:
    token = cipher(f"old:{K1}").encrypt("secret", CONTEXT)
    with pytest.raises(DecryptionFailed, match="key old is not in the keyring"):
        cipher(f"k1:{K2}").decrypt(token, CONTEXT)


@pytest.mark.parametrize("position", [0, 20, -2])
def test_tampered_token_does_not_decrypt(position: int) -> None:
    c = cipher(f"k1:{K1}")
    token = c.encrypt("secret value", CONTEXT)
    head, data = token[: len("enc:v1:k1:")], list(token[len("enc:v1:k1:") :])
    data[position] = "B" if data[position] != "B" else "C"
    with pytest.raises(DecryptionFailed):
        c.decrypt(head + "".join(data), CONTEXT)


@pytest.mark.parametrize("token", ["plain text", "enc:v1:", "enc:v1:k1", "enc:v1:k1:!!!"])
def test_non_envelopes_are_refused(token: str) -> None:
    with pytest.raises(DecryptionFailed):
        cipher(f"k1:{K1}").decrypt(token, CONTEXT)


def test_error_messages_never_carry_the_secret() -> None:
    c = cipher(f"k1:{K1}")
    token = c.encrypt("очень личное", CONTEXT)
    with pytest.raises(DecryptionFailed) as error:
        c.decrypt(token, "other")
    assert "очень личное" not in str(error.value)
    assert K1 not in str(error.value)


def test_old_keys_still_decrypt_after_a_new_primary_is_added() -> None:
    token = cipher(f"k1:{K1}").encrypt("secret", CONTEXT)
    rotated = cipher(f"k2:{K2},k1:{K1}")
    assert rotated.primary_key_id == "k2"
    assert rotated.decrypt(token, CONTEXT) == "secret"
    assert rotated.needs_rotation(token)
    assert key_id_of(rotated.encrypt("x", CONTEXT)) == "k2"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no keys"),
        ("k1", "id:base64key"),
        (f"k1:{K1},k1:{K2}", "appears twice"),
        ("k1:c2hvcnQ", "not 32 bytes"),
        (f"bad id:{K1}", "key ids"),
    ],
    ids=["empty", "no key", "duplicate id", "short key", "bad id"],  # keys are random
)
def test_malformed_keyrings_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Keyring.parse(spec)


def test_keyring_file_may_list_one_key_per_line() -> None:
    ring = Keyring.parse(f"k2:{K2}\nk1:{K1}\n")
    assert ring.primary == "k2"
    assert set(ring.keys) == {"k1", "k2"}
