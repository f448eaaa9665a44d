"""The navigator's catalogue: published articles, self-checks and services (read-only)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec

from app.adapters.postgres.database import Database
from app.application.assistants.navigator import (
    CatalogueArticle,
    CatalogueSelfCheck,
    CatalogueService,
)

MAX_TITLE = 200
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


class PostgresNavigatorCatalogue:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.assistants

    async def article(self, slug: str) -> CatalogueArticle | None:
        async with self._db.pool.connection() as conn:
            row = await self._q.article(conn, slug=slug)
        return msgspec.convert(row, CatalogueArticle) if row else None

    async def articles_of_topic(
        self, topic: str, exclude: str | None, limit: int
    ) -> list[CatalogueArticle]:
        async with self._db.pool.connection() as conn:
            rows = self._q.articles_of_topic(conn, topic=topic, exclude=exclude, limit=limit)
            return [msgspec.convert(r, CatalogueArticle) async for r in rows]

    async def self_check(self, slug: str) -> CatalogueSelfCheck | None:
        async with self._db.pool.connection() as conn:
            row = await self._q.self_check(conn, slug=slug)
        if row is None:
            return None
        services: dict[str, list[str]] = {}
        recommendations: Any = row["recommendations"]
        if isinstance(recommendations, dict):
            for level, rec in recommendations.items():
                slugs = rec.get("services") if isinstance(rec, dict) else None
                if isinstance(slugs, list):
                    services[str(level)] = [s for s in slugs if isinstance(s, str)]
        return CatalogueSelfCheck(row["slug"], row["title"], row["topic_code"], services)

    async def self_checks_of_topic(self, topic: str | None, limit: int) -> list[CatalogueSelfCheck]:
        async with self._db.pool.connection() as conn:
            rows = self._q.self_checks_of_topic(conn, topic=topic, limit=limit)
            return [msgspec.convert(r, CatalogueSelfCheck) async for r in rows]

    async def services(self, preferred: Sequence[str], limit: int) -> list[CatalogueService]:
        async with self._db.pool.connection() as conn:
            rows = self._q.services(conn, preferred=list(preferred), limit=limit)
            return [msgspec.convert(r, CatalogueService) async for r in rows]

    async def topic_exists(self, code: str) -> bool:
        async with self._db.pool.connection() as conn:
            row = await self._q.topic_exists(conn, code=code)
        return bool(row and row["found"])

    async def crisis_title(self) -> str | None:
        async with self._db.pool.connection() as conn:
            row = await self._db.queries.admin.get_setting(conn, key="crisis.resources")
        value = row["value"] if row else None
        if not isinstance(value, dict):
            return None
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            return None
        # The first sentence is the heading (the page shows the whole text and contacts).
        first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
        return first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1].rstrip() + "…"
