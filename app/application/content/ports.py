"""What content use cases need from storage, and the read models storage returns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

import msgspec

from app.domain.content.model import ContentItem, ContentStatus, ContentType, MediaUse

T = TypeVar("T")


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


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: ListCursor | None


# --- read models: public reading ---------------------------------------------------


class Topic(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    title: str
    description: str | None = None


class Tag(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: str


class ContentSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A published item in a list; ``rank`` is set when the list answers a search."""

    id: uuid.UUID
    type: ContentType
    slug: str
    title: str
    summary: str | None
    published_at: datetime
    version: int
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    rank: float | None = None


class AttachedMedia(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    role: str
    kind: str
    url: str
    mime_type: str
    width: int | None = None
    height: int | None = None
    alt_text: str | None = None


class PublishedItem(msgspec.Struct, frozen=True, kw_only=True):
    """A published item with its topics, tags and media, as readers see it."""

    id: uuid.UUID
    type: ContentType
    slug: str
    title: str
    summary: str | None
    body_markdown: str
    seo_title: str | None
    seo_description: str | None
    published_at: datetime
    updated_at: datetime | None
    version: int
    topics: tuple[Topic, ...] = ()
    tags: tuple[Tag, ...] = ()
    media: tuple[AttachedMedia, ...] = ()


class GlossaryTerm(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    term: str
    definition_markdown: str
    synonyms: tuple[str, ...] = ()


class CollectionEntry(msgspec.Struct, frozen=True, kw_only=True):
    type: ContentType
    slug: str
    title: str
    summary: str | None
    published_at: datetime


class Collection(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: str
    description: str | None
    items: tuple[CollectionEntry, ...] = ()


# --- read models: editorial work ---------------------------------------------------


class EditorTerm(msgspec.Struct, frozen=True, kw_only=True):
    """A glossary term as editors see it, in any status."""

    slug: str
    term: str
    definition_markdown: str
    status: str
    synonyms: tuple[str, ...] = ()


class EditorCollection(msgspec.Struct, frozen=True, kw_only=True):
    """A curated collection as editors see it, in any status: its items' ids in order."""

    slug: str
    title: str
    description: str | None
    status: str
    item_ids: tuple[uuid.UUID, ...] = ()


class ItemSummary(msgspec.Struct, frozen=True, kw_only=True):
    """An item in the editors' list, in any status."""

    id: uuid.UUID
    type: ContentType
    slug: str
    title: str
    status: ContentStatus
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime | None
    version: int


class ItemVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One saved version of an item's text."""

    version_no: int
    title: str
    summary: str | None
    body_markdown: str
    created_by: uuid.UUID | None
    created_at: datetime
    assisted_by: str | None = None
    """The assistant that wrote this version's text; None: a person."""


class NewMedia(msgspec.Struct, frozen=True, kw_only=True):
    """A media asset's metadata as an editor registers it (the file lives elsewhere)."""

    kind: str
    storage_key: str
    url: str
    mime_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    alt_text: str | None = None


class MediaAsset(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: str
    storage_key: str
    url: str
    mime_type: str
    size_bytes: int
    width: int | None
    height: int | None
    alt_text: str | None
    created_at: datetime


# --- ports -------------------------------------------------------------------------


class ContentReader(Protocol):
    """Published content only."""

    async def list_published(
        self, f: ListFilter, after: ListCursor | None, limit: int
    ) -> list[ContentSummary]: ...

    async def get_published(self, type_: str, slug: str) -> PublishedItem | None: ...

    async def topics(self) -> list[Topic]: ...

    async def tags(self) -> list[Tag]: ...

    async def glossary(self, q: str | None) -> list[GlossaryTerm]: ...

    async def glossary_term(self, key: str) -> GlossaryTerm | None:
        """By slug, by the term itself or by any of its synonyms (case-insensitive)."""
        ...

    async def collection(self, slug: str) -> Collection | None: ...


class ContentRepository(Protocol):
    async def get(self, item_id: uuid.UUID) -> ContentItem | None: ...

    async def list_items(
        self, status: str | None, type_: str | None, after: ListCursor | None, limit: int
    ) -> list[ItemSummary]: ...

    async def add(
        self, item: ContentItem, actor_id: uuid.UUID, assisted_by: str | None = None
    ) -> None:
        """Store a new draft and its first version (marked ``assisted_by`` an assistant
        when one wrote it); SlugTaken when another item of the same type has the slug."""
        ...

    async def save(self, item: ContentItem, expected_version: int, actor_id: uuid.UUID) -> None:
        """Store the item as a new version (``item.version`` moves on); VersionConflict
        when the stored version is not ``expected_version``, SlugTaken as in ``add``."""
        ...

    async def delete_draft(self, item_id: uuid.UUID) -> bool:
        """Delete a draft that was never published; False for any other item."""
        ...

    async def versions(self, item_id: uuid.UUID) -> list[ItemVersion]:
        """Newest first."""
        ...

    async def set_taxonomy(
        self, item_id: uuid.UUID, topics: tuple[str, ...], tags: tuple[str, ...]
    ) -> None:
        """Replace the item's topics and tags; ValidationFailed naming an unknown one."""
        ...

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

    async def add_media(self, media: NewMedia) -> uuid.UUID: ...

    async def list_media(
        self, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[MediaAsset]: ...

    async def put_collection(
        self, slug: str, title: str, description: str | None, status: str,
        item_ids: tuple[uuid.UUID, ...],
    ) -> None: ...  # fmt: skip

    async def editor_terms(self) -> list[EditorTerm]:
        """Every glossary term in any status, by term."""
        ...

    async def editor_collections(self) -> list[EditorCollection]:
        """Every collection in any status, by title."""
        ...

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
