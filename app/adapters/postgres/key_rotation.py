"""Key rotation: re-encrypt every P2 value under the primary key, in batches.

Resumable by construction: each batch takes rows not yet under the primary key, so a
stopped run continues where it left off. A row changed concurrently is left for the
next batch (the update matches the old ciphertext only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql
from psycopg.rows import dict_row

from app.adapters.crypto.aesgcm import PREFIX, AesGcmCipher, DecryptionFailed
from app.adapters.postgres.database import Database

# Identifiers below come from the catalogue (encrypted_columns), never from input;
# psycopg's sql.Identifier quotes them.
_SELECT_BATCH = """SELECT id, {col} AS token FROM {table}
WHERE {col} IS NOT NULL AND {col} NOT LIKE %(prefix)s AND NOT (id = ANY(%(skip)s))
ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED"""
_UPDATE_ONE = "UPDATE {table} SET {col} = %(new)s WHERE id = %(id)s AND {col} = %(old)s"
_COUNT_BY_KEY = """SELECT split_part({col}, ':', 3) AS key_id, count(*) AS n FROM {table}
WHERE {col} IS NOT NULL GROUP BY 1"""


@dataclass
class RotationReport:
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    rotated: int = 0
    failed: int = 0


def _compose(template: str, table: str, column: str) -> sql.Composed:
    return sql.SQL(template).format(table=sql.Identifier(table), col=sql.Identifier(column))


class KeyRotation:
    def __init__(self, database: Database, cipher: AesGcmCipher) -> None:
        self._db = database
        self._cipher = cipher

    async def columns(self) -> list[tuple[str, str]]:
        async with self._db.pool.connection() as conn:
            rows = [r async for r in self._db.queries.crypto.encrypted_columns(conn)]
        return [(r["table_name"], r["column_name"]) for r in rows]

    async def count_by_key(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        async with self._db.pool.connection() as conn:
            for table, column in await self.columns():
                cursor = conn.cursor(row_factory=dict_row)
                await cursor.execute(_compose(_COUNT_BY_KEY, table, column))
                for row in await cursor.fetchall():
                    counts[row["key_id"]] += row["n"]
        return counts

    async def run(
        self, *, batch_size: int = 500, progress: Callable[[int], None] | None = None
    ) -> RotationReport:
        report = RotationReport(before=await self.count_by_key())
        prefix = f"{PREFIX}{self._cipher.primary_key_id}:%"
        for table, column in await self.columns():
            skip: list[Any] = []
            while True:
                done, failed = await self._batch(table, column, prefix, batch_size, skip)
                report.rotated += done
                report.failed += len(failed)
                skip.extend(failed)
                if progress is not None and (done or failed):
                    progress(done + len(failed))
                if done + len(failed) == 0:
                    break
        report.after = await self.count_by_key()
        return report

    async def _batch(
        self, table: str, column: str, prefix: str, limit: int, skip: list[Any]
    ) -> tuple[int, list[Any]]:
        done, failed = 0, []
        async with self._db.pool.connection() as conn, conn.transaction():
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                _compose(_SELECT_BATCH, table, column),
                {"prefix": prefix, "skip": skip, "limit": limit},
            )
            for row in await cursor.fetchall():
                context = f"{table}.{column}:{row['id']}"
                try:
                    plaintext = self._cipher.decrypt(row["token"], context)
                except DecryptionFailed:
                    failed.append(row["id"])
                    continue
                await conn.execute(
                    _compose(_UPDATE_ONE, table, column),
                    {"new": self._cipher.encrypt(plaintext, context), "id": row["id"],
                     "old": row["token"]},
                )  # fmt: skip
                done += 1
        return done, failed
