"""What content use cases need from storage."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.domain.content.model import ContentItem, MediaUse


@dataclass(frozen=True, slots=True)
class ListFilter:
    type: str | None = None
    topic: str | None = None
    tag: str | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class ListCursor:
    """Where the previous page ended: (published_at | rank, id)."""

    position: datetime | float
    id: uuid.UUID


Row = dict[str, Any]


class ContentReader(Protocol):
    async def list_published(
        self, f: ListFilter, after: ListCursor | None, limit: int
    ) -> list[Row]: ...

    async def get_published(self, type_: str, slug: str) -> Row | None: ...

    async def topics(self) -> list[Row]: ...

    async def tags(self) -> list[Row]: ...

    async def glossary(self, q: str | None) -> list[Row]: ...

    async def glossary_term(self, key: str) -> Row | None: ...

    async def collection(self, slug: str) -> Row | None: ...


class ContentRepository(Protocol):
    async def get(self, item_id: uuid.UUID) -> ContentItem | None: ...

    async def list_items(
        self, status: str | None, type_: str | None, after: ListCursor | None, limit: int
    ) -> list[Row]: ...

    async def add(self, item: ContentItem, actor_id: uuid.UUID) -> None: ...

    async def save(self, item: ContentItem, expected_version: int, actor_id: uuid.UUID) -> None: ...

    async def delete_draft(self, item_id: uuid.UUID) -> bool: ...

    async def versions(self, item_id: uuid.UUID) -> list[Row]: ...

    async def set_taxonomy(
        self, item_id: uuid.UUID, topics: tuple[str, ...], tags: tuple[str, ...]
    ) -> None: ...

    async def set_media(self, item_id: uuid.UUID, uses: tuple[MediaUse, ...]) -> None: ...


class TaxonomyRepository(Protocol):
    async def add_topic(
        self, code: str, title: str, description: str | None, sort_order: int
    ) -> None: ...

    async def update_topic(
        self, code: str, title: str, description: str | None, sort_order: int
    ) -> bool: ...

    async def add_tag(self, slug: str, title: str) -> None: ...

    async def delete_tag(self, slug: str) -> bool: ...

    async def add_media(self, media: Row) -> uuid.UUID: ...

    async def list_media(self, after: uuid.UUID | None, limit: int) -> list[Row]: ...

    async def put_collection(
        self, slug: str, title: str, description: str | None, status: str,
        item_ids: tuple[uuid.UUID, ...],
    ) -> None: ...  # fmt: skip

    async def put_glossary_term(
        self, slug: str, term: str, definition: str, status: str, synonyms: tuple[str, ...]
    ) -> None: ...


class ContentRepos(Protocol):
    @property
    def reader(self) -> ContentReader: ...

    @property
    def items(self) -> ContentRepository: ...

    @property
    def taxonomy(self) -> TaxonomyRepository: ...
