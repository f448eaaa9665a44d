"""The staff assistants' reads: a topic's title for the editor's drafts, and the topic
analyst's weekly counts (queries in sql/assistants/editor.sql and analyst.sql)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import msgspec

from app.adapters.postgres.database import Database
from app.adapters.postgres.session import Session
from app.application.assistants.analyst import BandCount, FlagCount, TopicCount

# The self-check result's column, as the interactives adapter seals it (table, column):
# the key's associated data, so only that column's values open here.
RESULT = ("interactive_runs", "result_encrypted")


class PostgresTopicTitles:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.assistants

    async def title(self, code: str) -> str | None:
        async with self._db.pool.connection() as conn:
            row = await self._q.topic_title(conn, code=code)
        return None if row is None else str(row["title"])


class PostgresTopicStatistics:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.assistants

    async def questions_by_topic(self, date_from: datetime, date_to: datetime) -> list[TopicCount]:
        rows = self._q.questions_by_topic(self._s.conn, date_from=date_from, date_to=date_to)
        return [msgspec.convert(r, TopicCount) async for r in rows]

    async def moderation_flags(self, date_from: datetime, date_to: datetime) -> list[FlagCount]:
        rows = self._q.moderation_flags(self._s.conn, date_from=date_from, date_to=date_to)
        return [msgspec.convert(r, FlagCount) async for r in rows]

    async def article_reads(self, date_from: datetime, date_to: datetime) -> list[TopicCount]:
        rows = self._q.article_reads(self._s.conn, date_from=date_from, date_to=date_to)
        return [msgspec.convert(r, TopicCount) async for r in rows]

    async def self_check_bands(self, date_from: datetime, date_to: datetime) -> list[BandCount]:
        """Each run's sealed result is decrypted here only to be counted: the level leaves
        this function as a count, never beside a run."""
        counts: Counter[tuple[str, str | None, str | None, str]] = Counter()
        rows = self._q.completed_runs(self._s.conn, date_from=date_from, date_to=date_to)
        async for row in rows:
            level = row["result_level"]
            if row["result_encrypted"] is not None:
                sealed = self._s.decrypt(row["result_encrypted"], *RESULT, row["id"])
                level = json.loads(sealed).get("level")
            if isinstance(level, str):
                counts[(row["self_check"], row["topic"], row["topic_title"], level)] += 1
        return [
            BandCount(self_check=check, topic=topic, topic_title=title, band=band, count=n)
            for (check, topic, title, band), n in sorted(
                counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][3])
            )
        ]
