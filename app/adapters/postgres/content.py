"""Content repositories over PostgreSQL (queries in sql/content/)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from app.adapters.postgres.session import Session
from app.application.content.ports import (
    Collection,
    ContentSummary,
    EditorCollection,
    EditorTerm,
    GlossaryTerm,
    ItemSummary,
    ItemVersion,
    ListCursor,
    ListFilter,
    MediaAsset,
    NewMedia,
    PublishedItem,
    Tag,
    Topic,
)
from app.domain.content.model import ContentItem, MediaUse
from app.domain.errors import ValidationFailed, VersionConflict
from app.domain.shared.ids import new_id

T = TypeVar("T")


def _cursor_args(after: ListCursor | None, position_name: str) -> dict[str, Any]:
    return {
        position_name: after.position if after else None,
        "after_id": after.id if after else None,
    }


def _one(row: Mapping[str, Any] | None, read_model: type[T]) -> T | None:
    return None if row is None else msgspec.convert(row, read_model)


async def _all(rows: AsyncIterable[Mapping[str, Any]], read_model: type[T]) -> list[T]:
    return [msgspec.convert(row, read_model) async for row in rows]


class PostgresContentReader:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.content

    async def list_published(
        self, f: ListFilter, after: ListCursor | None, limit: int
    ) -> list[ContentSummary]:
        filters = {"type": f.type, "topic": f.topic, "tag": f.tag, "limit": limit}
        if f.q:
            rows = self._q.search_published(
                self._s.conn, q=f.q, **filters, **_cursor_args(after, "after_rank")
            )
        else:
            # Within a topic, a query of its own: see sql/content/public.sql.
            cursor = _cursor_args(after, "after_published_at")
            if f.topic:
                rows = self._q.list_published_in_topic(self._s.conn, **filters, **cursor)
            else:
                rows = self._q.list_published(self._s.conn, **filters, **cursor)
        return await _all(rows, ContentSummary)

    async def get_published(self, type_: str, slug: str) -> PublishedItem | None:
        row = await self._q.get_published(self._s.conn, type=type_, slug=slug)
        return _one(row, PublishedItem)

    async def topics(self) -> list[Topic]:
        return await _all(self._q.list_topics(self._s.conn), Topic)

    async def tags(self) -> list[Tag]:
        return await _all(self._q.list_tags(self._s.conn), Tag)

    async def glossary(self, q: str | None) -> list[GlossaryTerm]:
        return await _all(self._q.list_glossary(self._s.conn, q=q), GlossaryTerm)

    async def glossary_term(self, key: str) -> GlossaryTerm | None:
        row = await self._q.get_glossary_term(self._s.conn, key=key)
        return _one(row, GlossaryTerm)

    async def collection(self, slug: str) -> Collection | None:
        row = await self._q.get_published_collection(self._s.conn, slug=slug)
        return _one(row, Collection)


class PostgresContentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.content

    async def get(self, item_id: uuid.UUID) -> ContentItem | None:
        row = await self._q.get_item(self._s.conn, id=item_id)
        return _one(row, ContentItem)

    async def list_items(
        self, status: str | None, type_: str | None, after: ListCursor | None, limit: int
    ) -> list[ItemSummary]:
        rows = self._q.list_items(
            self._s.conn, status=status, type=type_, limit=limit,
            **_cursor_args(after, "after_created_at"),
        )  # fmt: skip
        return await _all(rows, ItemSummary)

    async def _write_version(
        self, item: ContentItem, actor_id: uuid.UUID, now: datetime,
        assisted_by: str | None = None,
    ) -> None:  # fmt: skip
        await self._q.insert_version(
            self._s.conn, id=new_id(), content_item_id=item.id, version_no=item.version,
            title=item.title, summary=item.summary, body_markdown=item.body_markdown,
            created_by=actor_id, now=now, assisted_by=assisted_by,
        )  # fmt: skip

    async def add(
        self, item: ContentItem, actor_id: uuid.UUID, assisted_by: str | None = None
    ) -> None:
        now = self._s.clock.now()
        await self._q.insert_item(
            self._s.conn, id=item.id, type=item.type.value, slug=item.slug, title=item.title,
            summary=item.summary, body_markdown=item.body_markdown, seo_title=item.seo_title,
            seo_description=item.seo_description, author_id=actor_id, now=now,
        )  # fmt: skip
        await self._write_version(item, actor_id, now, assisted_by)

    async def save(self, item: ContentItem, expected_version: int, actor_id: uuid.UUID) -> None:
        """Every save is a new version (optimistic locking on ``expected_version``)."""
        now = self._s.clock.now()
        row = await self._q.update_item(
            self._s.conn, id=item.id, version=expected_version, slug=item.slug,
            title=item.title, summary=item.summary, body_markdown=item.body_markdown,
            seo_title=item.seo_title, seo_description=item.seo_description,
            status=item.status.value, published_at=item.published_at, now=now,
        )  # fmt: skip
        if row is None:
            raise VersionConflict()
        item.version = row["version"]
        item.updated_at = now
        await self._write_version(item, actor_id, now)

    async def delete_draft(self, item_id: uuid.UUID) -> bool:
        return int(await self._q.delete_draft(self._s.conn, id=item_id)) == 1

    async def versions(self, item_id: uuid.UUID) -> list[ItemVersion]:
        rows = self._q.list_versions(self._s.conn, content_item_id=item_id)
        return await _all(rows, ItemVersion)

    async def set_taxonomy(
        self, item_id: uuid.UUID, topics: tuple[str, ...], tags: tuple[str, ...]
    ) -> None:
        conn = self._s.conn
        topic_ids = {r["code"]: r["id"] async for r in self._q.topic_ids(conn, codes=list(topics))}
        for index, code in enumerate(topics):
            if code not in topic_ids:
                raise ValidationFailed("unknown topic", field=f"topics[{index}]")
        tag_ids = {r["slug"]: r["id"] async for r in self._q.tag_ids(conn, slugs=list(tags))}
        for index, slug in enumerate(tags):
            if slug not in tag_ids:
                raise ValidationFailed("unknown tag", field=f"tags[{index}]")
        await self._q.clear_topics(conn, content_item_id=item_id)
        await self._q.add_topics(conn, content_item_id=item_id, topic_ids=list(topic_ids.values()))
        await self._q.clear_tags(conn, content_item_id=item_id)
        await self._q.add_tags(conn, content_item_id=item_id, tag_ids=list(tag_ids.values()))

    async def set_media(self, item_id: uuid.UUID, uses: tuple[MediaUse, ...]) -> None:
        await self._q.clear_media(self._s.conn, content_item_id=item_id)
        for use in uses:
            await self._q.add_media(
                self._s.conn, content_item_id=item_id, media_asset_id=use.media_id,
                role=use.role, sort_order=use.sort_order,
            )  # fmt: skip


class PostgresTaxonomyRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.content

    async def add_topic(
        self, code: str, title: str, description: str | None, sort_order: int
    ) -> None:
        await self._q.insert_topic(
            self._s.conn, id=new_id(), code=code, title=title, description=description,
            sort_order=sort_order,
        )  # fmt: skip

    async def update_topic(
        self, code: str, title: str, description: str | None, sort_order: int
    ) -> bool:
        row = await self._q.update_topic(
            self._s.conn, code=code, title=title, description=description, sort_order=sort_order
        )
        return row is not None

    async def add_tag(self, slug: str, title: str) -> None:
        await self._q.insert_tag(self._s.conn, id=new_id(), slug=slug, title=title)

    async def delete_tag(self, slug: str) -> bool:
        return int(await self._q.delete_tag(self._s.conn, slug=slug)) == 1

    async def add_media(self, media: NewMedia) -> uuid.UUID:
        media_id = new_id()
        await self._q.insert_media(
            self._s.conn, id=media_id, kind=media.kind, storage_key=media.storage_key,
            url=media.url, mime_type=media.mime_type, size_bytes=media.size_bytes,
            width=media.width, height=media.height, alt_text=media.alt_text,
            now=self._s.clock.now(),
        )  # fmt: skip
        return media_id

    async def list_media(
        self, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[MediaAsset]:
        after_created_at, after_id = after or (None, None)
        rows = self._q.list_media(
            self._s.conn, after_created_at=after_created_at, after_id=after_id, limit=limit
        )
        return await _all(rows, MediaAsset)

    async def editor_terms(self) -> list[EditorTerm]:
        return await _all(self._q.editor_glossary_terms(self._s.conn), EditorTerm)

    async def editor_collections(self) -> list[EditorCollection]:
        return await _all(self._q.editor_collections(self._s.conn), EditorCollection)

    async def put_collection(
        self, slug: str, title: str, description: str | None, status: str,
        item_ids: tuple[uuid.UUID, ...],
    ) -> None:  # fmt: skip
        conn = self._s.conn
        await self._q.upsert_collection(
            conn, id=new_id(), slug=slug, title=title, description=description, status=status,
            now=self._s.clock.now(),
        )  # fmt: skip
        row = await self._q.collection_id(conn, slug=slug)
        await self._q.clear_collection(conn, collection_id=row["id"])
        for order, item_id in enumerate(item_ids):
            await self._q.add_collection_item(
                conn, collection_id=row["id"], content_item_id=item_id, sort_order=order
            )

    async def put_glossary_term(
        self, slug: str, term: str, definition: str, status: str, synonyms: tuple[str, ...]
    ) -> None:
        conn = self._s.conn
        row = await self._q.upsert_glossary_term(
            conn, id=new_id(), slug=slug, term=term, definition_markdown=definition,
            status=status, now=self._s.clock.now(),
        )  # fmt: skip
        await self._q.clear_synonyms(conn, term_id=row["id"])
        for synonym in synonyms:
            await self._q.add_synonym(conn, term_id=row["id"], synonym=synonym)


class PostgresContentRepos:
    def __init__(self, session: Session) -> None:
        self.reader = PostgresContentReader(session)
        self.items = PostgresContentRepository(session)
        self.taxonomy = PostgresTaxonomyRepository(session)
