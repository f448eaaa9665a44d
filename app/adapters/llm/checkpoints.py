"""LangGraph conversation state in PostgreSQL, encrypted with the project's keyring.

``open_checkpointer(database_url, keyring)`` opens an ``AsyncPostgresSaver`` over a small
pool of its own (autocommit, dict rows, no prepared statements: what the library
needs). Its tables come from migration 0049; ``setup()`` is never called.

Nothing of a conversation is stored in plaintext:

* every channel value, pending write and interrupt goes through
  :class:`KeyringCheckpointSerializer`: AES-256-GCM under a key derived from the
  keyring's primary key, the key id written in the row's ``type``
  (``msgpack+aesgcm:<key id>``), so rows written before a key rotation still decrypt
  while their key stays in the keyring; a row that is not encrypted is refused;
* :class:`EncryptedPostgresSaver` stores *every* channel value as an encrypted blob
  (the library keeps strings, numbers, booleans and None inline in the ``checkpoint``
  JSONB column) and keeps only the step, source, parents and run id of the metadata
  (the library copies string values of the run's config into it).

LangGraph is imported inside the functions here only: a process with the model off
never loads it.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.keyring import Keyring

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.checkpoint.serde.base import SerializerProtocol
    from psycopg_pool import AsyncConnectionPool

CIPHER = "aesgcm"
NONCE_BYTES = 12
# Binds every ciphertext to this use: a checkpoint blob does not decrypt as anything else.
ASSOCIATED_DATA = b"emotional-balance:langgraph-checkpoint:v1"
_KDF_INFO = b"emotional-balance:langgraph-checkpoints"
# The metadata keys the library and LangGraph read back; anything else (values copied
# from the run's config) is dropped before saving.
KEPT_METADATA = frozenset(
    {"source", "step", "parents", "run_id", "counters_since_delta_snapshot",
     "delta_writes_versioned"}
)  # fmt: skip
POOL_MIN, POOL_MAX = 1, 4


class CheckpointDecryptionFailed(Exception):
    """A checkpoint row does not decrypt here: unknown key, altered, or not encrypted."""


def _derive(key: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(key))


class KeyringCheckpointCipher:
    """LangGraph's ``CipherProtocol`` over the keyring: ``aesgcm:<key id>`` names the key."""

    def __init__(self, keyring: Keyring) -> None:
        self._primary = keyring.primary
        self._aead = {key_id: _derive(key) for key_id, key in keyring.keys.items()}

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._primary].encrypt(nonce, plaintext, ASSOCIATED_DATA)
        return f"{CIPHER}:{self._primary}", nonce + sealed

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        name, _, key_id = ciphername.partition(":")
        aead = self._aead.get(key_id) if name == CIPHER else None
        if aead is None:
            raise CheckpointDecryptionFailed(f"no key for cipher {ciphername}")
        try:
            return aead.decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], ASSOCIATED_DATA)
        except InvalidTag:
            raise CheckpointDecryptionFailed("a checkpoint does not decrypt (altered?)") from None


def encrypted_serializer(keyring: Keyring) -> SerializerProtocol:
    """LangGraph's ``EncryptedSerializer`` over the keyring, refusing plaintext rows."""
    from langgraph.checkpoint.serde.encrypted import EncryptedSerializer  # noqa: PLC0415
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer  # noqa: PLC0415

    class KeyringCheckpointSerializer(EncryptedSerializer):
        def loads_typed(self, data: tuple[str, bytes]) -> Any:
            if "+" not in data[0]:
                raise CheckpointDecryptionFailed("a checkpoint row is not encrypted")
            return super().loads_typed(data)

    return KeyringCheckpointSerializer(KeyringCheckpointCipher(keyring), JsonPlusSerializer())


def _saver_class() -> Any:
    """``AsyncPostgresSaver`` that stores every channel value encrypted (none inline)
    and keeps no free-form metadata. Built on first use (LangGraph imported then)."""
    if _SAVER:
        return _SAVER[0]
    from langgraph.checkpoint.base import (  # noqa: PLC0415
        get_serializable_checkpoint_metadata,
    )
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver  # noqa: PLC0415
    from langgraph.checkpoint.serde.types import _DeltaSnapshot  # noqa: PLC0415
    from psycopg.types.json import Jsonb  # noqa: PLC0415

    class EncryptedPostgresSaver(AsyncPostgresSaver):
        async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            # The library's aput, except that no value stays inline in the JSONB.
            configurable = config["configurable"]
            thread_id = configurable["thread_id"]
            checkpoint_ns = configurable["checkpoint_ns"]
            parent_id = configurable.get("checkpoint_id")
            copy = checkpoint.copy()
            values = dict(checkpoint["channel_values"])
            copy["channel_values"] = {
                k: True for k, v in values.items() if isinstance(v, _DeltaSnapshot)
            }
            kept = {
                k: v
                for k, v in get_serializable_checkpoint_metadata(config, metadata).items()
                if k in KEPT_METADATA
            }
            blob_versions = {k: v for k, v in new_versions.items() if k in values}
            blobs = await asyncio.to_thread(
                self._dump_blobs, thread_id, checkpoint_ns, values, blob_versions
            )
            async with self._cursor(pipeline=True) as cur:
                if blobs:
                    await cur.executemany(self.UPSERT_CHECKPOINT_BLOBS_SQL, blobs)
                await cur.execute(
                    self.UPSERT_CHECKPOINTS_SQL,
                    (thread_id, checkpoint_ns, checkpoint["id"], parent_id, Jsonb(copy),
                     Jsonb(kept)),
                )  # fmt: skip
            return {
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": checkpoint_ns,
                    "checkpoint_id": checkpoint["id"],
                }
            }

        async def setup(self) -> None:
            raise RuntimeError("the checkpoint tables come from the migrations (0049)")

    _SAVER.append(EncryptedPostgresSaver)
    return EncryptedPostgresSaver


_SAVER: list[Any] = []


@dataclass(frozen=True, slots=True)
class OpenCheckpointer:
    """An open saver and the pool it owns; ``close`` when the process stops."""

    saver: BaseCheckpointSaver[Any]
    pool: AsyncConnectionPool[Any]

    async def close(self) -> None:
        await self.pool.close()


async def open_checkpointer(
    database_url: str, keyring: Keyring, *, min_size: int = POOL_MIN, max_size: int = POOL_MAX
) -> OpenCheckpointer:
    """The encrypted saver over a dedicated pool (opened here, waiting for no connection)."""
    from psycopg.rows import dict_row  # noqa: PLC0415
    from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415

    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0},
        open=False,
        name="checkpoints",
        check=AsyncConnectionPool.check_connection,
    )
    await pool.open()
    saver = _saver_class()(pool, serde=encrypted_serializer(keyring))
    return OpenCheckpointer(saver=saver, pool=pool)


class LazyCheckpointer:
    """The process's checkpointer, opened on first ``get()`` (so a process whose
    assistants never keep a conversation opens no pool) and closed by ``close()``."""

    def __init__(self, database_url: str, keyring: Keyring) -> None:
        self._url = database_url
        self._keyring = keyring
        self._open: OpenCheckpointer | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> BaseCheckpointSaver[Any]:
        async with self._lock:
            if self._open is None:
                self._open = await open_checkpointer(self._url, self._keyring)
            return self._open.saver

    async def saver(self) -> BaseCheckpointSaver[Any]:
        """The saver (a ``CheckpointSource``)."""
        return await self.get()

    async def close(self) -> None:
        async with self._lock:
            if self._open is not None:
                await self._open.close()
                self._open = None
