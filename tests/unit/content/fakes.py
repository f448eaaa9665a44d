"""Content's ports in memory: what the SQL in sql/content/ does, kept to the rules the use
cases rely on (published only for readers, optimistic locking, unique slugs, known
topics and tags, keyset pages)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from app.application.content.ports import (
    AttachedMedia,
    Collection,
    CollectionEntry,
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
from app.domain.content.model import ContentItem, ContentStatus, MediaUse
from app.domain.errors import AlreadyExists, SlugTaken, ValidationFailed, VersionConflict
from tests.unit.memory import ManualClock, RollbackUnitOfWork


@dataclass
class StoredCollection:
    title: str
    description: str | None
    status: str
    item_ids: tuple[uuid.UUID, ...]


@dataclass
class StoredTerm:
    term: str
    definition: str
    status: str
    synonyms: tuple[str, ...]


@dataclass
class ContentState:
    items: dict[uuid.UUID, ContentItem] = field(default_factory=dict)
    versions: dict[uuid.UUID, list[ItemVersion]] = field(default_factory=dict)
    topics: dict[str, tuple[Topic, int]] = field(default_factory=dict)  # code -> (topic, order)
    tags: dict[str, Tag] = field(default_factory=dict)
    media: dict[uuid.UUID, MediaAsset] = field(default_factory=dict)
    collections: dict[str, StoredCollection] = field(default_factory=dict)
    glossary: dict[str, StoredTerm] = field(default_factory=dict)


def _copy(item: ContentItem) -> ContentItem:
    return msgspec.structs.replace(item)


class FakeContentReader:
    def __init__(self, state: ContentState) -> None:
        self._state = state

    def _published(self) -> list[ContentItem]:
        return [i for i in self._state.items.values() if i.status is ContentStatus.PUBLISHED]

    async def list_published(
        self, f: ListFilter, after: ListCursor | None, limit: int
    ) -> list[ContentSummary]:
        found = [
            i for i in self._published()
            if (f.type is None or i.type == f.type)
            and (f.topic is None or f.topic in i.topics)
            and (f.tag is None or f.tag in i.tags)
        ]  # fmt: skip
        if f.q:
            # A word of the query in the title ranks above one in the summary or body.
            word = f.q.lower()
            ranked = [
                (float(3 * (word in i.title.lower()) + (word in (i.summary or "").lower())
                       + (word in i.body_markdown.lower())), i)
                for i in found
            ]  # fmt: skip
            keyed = [((rank, i.id), rank, i) for rank, i in ranked if rank > 0]
        else:
            keyed = [((i.published_at, i.id), None, i) for i in found]
        keyed.sort(key=lambda k: k[0], reverse=True)
        if after is not None:
            keyed = [k for k in keyed if k[0] < (after.position, after.id)]
        return [
            ContentSummary(
                id=i.id,
                type=i.type,
                slug=i.slug,
                title=i.title,
                summary=i.summary,
                published_at=i.published_at,
                version=i.version,
                topics=i.topics,
                tags=i.tags,
                rank=rank,
            )
            for _, rank, i in keyed[:limit]
            if i.published_at is not None
        ]

    async def get_published(self, type_: str, slug: str) -> PublishedItem | None:
        for i in self._published():
            if i.type == type_ and i.slug == slug and i.published_at is not None:
                return PublishedItem(
                    id=i.id, type=i.type, slug=i.slug, title=i.title, summary=i.summary,
                    body_markdown=i.body_markdown, seo_title=i.seo_title,
                    seo_description=i.seo_description, published_at=i.published_at,
                    updated_at=i.updated_at, version=i.version,
                    topics=tuple(
                        Topic(code=code, title=self._state.topics[code][0].title)
                        for code in i.topics
                    ),
                    tags=tuple(self._state.tags[slug] for slug in i.tags),
                    media=tuple(self._attached(use) for use in i.media),
                )  # fmt: skip
        return None

    def _attached(self, use: MediaUse) -> AttachedMedia:
        asset = self._state.media[use.media_id]
        return AttachedMedia(
            id=asset.id, role=use.role, kind=asset.kind, url=asset.url,
            mime_type=asset.mime_type, width=asset.width, height=asset.height,
            alt_text=asset.alt_text,
        )  # fmt: skip

    async def topics(self) -> list[Topic]:
        ordered = sorted(self._state.topics.values(), key=lambda t: (t[1], t[0].code))
        return [topic for topic, _ in ordered]

    async def tags(self) -> list[Tag]:
        return sorted(self._state.tags.values(), key=lambda t: (t.title, t.slug))

    def _term(self, slug: str, stored: StoredTerm) -> GlossaryTerm:
        return GlossaryTerm(slug=slug, term=stored.term, definition_markdown=stored.definition,
                            synonyms=tuple(sorted(stored.synonyms)))  # fmt: skip

    async def glossary(self, q: str | None) -> list[GlossaryTerm]:
        def matches(t: StoredTerm) -> bool:
            names = (t.term, *t.synonyms)
            return q is None or any(q.lower() in name.lower() for name in names)

        found = [
            self._term(slug, t)
            for slug, t in self._state.glossary.items()
            if t.status == "published" and matches(t)
        ]
        return sorted(found, key=lambda t: t.term.lower())

    async def glossary_term(self, key: str) -> GlossaryTerm | None:
        for slug, t in self._state.glossary.items():
            names = {t.term.lower(), *(s.lower() for s in t.synonyms)}
            if t.status == "published" and (slug == key or key.lower() in names):
                return self._term(slug, t)
        return None

    async def collection(self, slug: str) -> Collection | None:
        stored = self._state.collections.get(slug)
        if stored is None or stored.status != "published":
            return None
        items = [self._state.items.get(item_id) for item_id in stored.item_ids]
        return Collection(
            slug=slug, title=stored.title, description=stored.description,
            items=tuple(
                CollectionEntry(type=i.type, slug=i.slug, title=i.title, summary=i.summary,
                                published_at=i.published_at)
                for i in items
                if i is not None and i.is_public and i.published_at is not None
            ),
        )  # fmt: skip


class FakeContentRepository:
    def __init__(self, state: ContentState, clock: ManualClock) -> None:
        self._state = state
        self._clock = clock

    async def get(self, item_id: uuid.UUID) -> ContentItem | None:
        item = self._state.items.get(item_id)
        return None if item is None else _copy(item)

    async def list_items(
        self, status: str | None, type_: str | None, after: ListCursor | None, limit: int
    ) -> list[ItemSummary]:
        found = sorted(
            (i for i in self._state.items.values()
             if (status is None or i.status == status) and (type_ is None or i.type == type_)),
            key=lambda i: (i.created_at, i.id), reverse=True,
        )  # fmt: skip
        if after is not None:
            found = [i for i in found if (i.created_at, i.id) < (after.position, after.id)]
        return [
            ItemSummary(
                id=i.id,
                type=i.type,
                slug=i.slug,
                title=i.title,
                status=i.status,
                published_at=i.published_at,
                created_at=i.created_at,
                updated_at=i.updated_at,
                version=i.version,
            )
            for i in found[:limit]
        ]

    def _ensure_slug_free(self, item: ContentItem) -> None:
        for other in self._state.items.values():
            if other.id != item.id and other.type == item.type and other.slug == item.slug:
                raise SlugTaken()

    def _record_version(
        self, item: ContentItem, actor_id: uuid.UUID, assisted_by: str | None = None
    ) -> None:
        self._state.versions.setdefault(item.id, []).insert(
            0,
            ItemVersion(
                version_no=item.version,
                title=item.title,
                summary=item.summary,
                body_markdown=item.body_markdown,
                created_by=actor_id,
                created_at=self._clock.now(),
                assisted_by=assisted_by,
            ),
        )

    async def add(
        self, item: ContentItem, actor_id: uuid.UUID, assisted_by: str | None = None
    ) -> None:
        self._ensure_slug_free(item)
        # Topics, tags and media are stored by set_taxonomy and set_media.
        stored = msgspec.structs.replace(item, version=1, topics=(), tags=(), media=())
        self._state.items[item.id] = stored
        self._record_version(stored, actor_id, assisted_by)

    async def save(self, item: ContentItem, expected_version: int, actor_id: uuid.UUID) -> None:
        stored = self._state.items.get(item.id)
        if stored is None or stored.version != expected_version:
            raise VersionConflict()
        self._ensure_slug_free(item)
        item.version = expected_version + 1
        item.updated_at = self._clock.now()
        self._state.items[item.id] = msgspec.structs.replace(
            item, topics=stored.topics, tags=stored.tags, media=stored.media
        )
        self._record_version(item, actor_id)

    async def delete_draft(self, item_id: uuid.UUID) -> bool:
        item = self._state.items.get(item_id)
        if item is None or item.status is not ContentStatus.DRAFT or item.published_at:
            return False
        del self._state.items[item_id]
        return True

    async def versions(self, item_id: uuid.UUID) -> list[ItemVersion]:
        return list(self._state.versions.get(item_id, []))

    async def set_taxonomy(
        self, item_id: uuid.UUID, topics: tuple[str, ...], tags: tuple[str, ...]
    ) -> None:
        for index, code in enumerate(topics):
            if code not in self._state.topics:
                raise ValidationFailed("unknown topic", field=f"topics[{index}]")
        for index, slug in enumerate(tags):
            if slug not in self._state.tags:
                raise ValidationFailed("unknown tag", field=f"tags[{index}]")
        item = self._state.items[item_id]
        self._state.items[item_id] = msgspec.structs.replace(
            item, topics=tuple(sorted(topics)), tags=tuple(sorted(tags))
        )

    async def set_media(self, item_id: uuid.UUID, uses: tuple[MediaUse, ...]) -> None:
        if any(use.media_id not in self._state.media for use in uses):
            raise ValidationFailed("The request refers to something that does not exist.")
        item = self._state.items[item_id]
        self._state.items[item_id] = msgspec.structs.replace(item, media=uses)


class FakeTaxonomyRepository:
    def __init__(self, state: ContentState, clock: ManualClock) -> None:
        self._state = state
        self._clock = clock

    async def add_topic(
        self, code: str, title: str, description: str | None, sort_order: int
    ) -> None:
        if code in self._state.topics:
            raise AlreadyExists()
        self._state.topics[code] = (Topic(code=code, title=title, description=description),
                                    sort_order)  # fmt: skip

    async def update_topic(
        self, code: str, title: str, description: str | None, sort_order: int
    ) -> bool:
        if code not in self._state.topics:
            return False
        self._state.topics[code] = (Topic(code=code, title=title, description=description),
                                    sort_order)  # fmt: skip
        return True

    async def add_tag(self, slug: str, title: str) -> None:
        if slug in self._state.tags:
            raise SlugTaken()
        self._state.tags[slug] = Tag(slug=slug, title=title)

    async def delete_tag(self, slug: str) -> bool:
        return self._state.tags.pop(slug, None) is not None

    async def add_media(self, media: NewMedia) -> uuid.UUID:
        media_id = uuid.uuid4()
        self._state.media[media_id] = MediaAsset(
            id=media_id, created_at=self._clock.now(), **msgspec.structs.asdict(media)
        )
        return media_id

    async def list_media(
        self, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[MediaAsset]:
        newest = sorted(self._state.media.values(), key=lambda m: (m.created_at, m.id),
                        reverse=True)  # fmt: skip
        return [m for m in newest if after is None or (m.created_at, m.id) < after][:limit]

    async def editor_terms(self) -> list[EditorTerm]:
        terms = [
            EditorTerm(slug=slug, term=t.term, definition_markdown=t.definition, status=t.status,
                       synonyms=tuple(sorted(t.synonyms)))
            for slug, t in self._state.glossary.items()
        ]  # fmt: skip
        return sorted(terms, key=lambda t: (t.term.lower(), t.slug))

    async def editor_collections(self) -> list[EditorCollection]:
        found = [
            EditorCollection(slug=slug, title=c.title, description=c.description,
                             status=c.status, item_ids=c.item_ids)
            for slug, c in self._state.collections.items()
        ]  # fmt: skip
        return sorted(found, key=lambda c: (c.title.lower(), c.slug))

    async def put_collection(
        self, slug: str, title: str, description: str | None, status: str,
        item_ids: tuple[uuid.UUID, ...],
    ) -> None:  # fmt: skip
        if any(item_id not in self._state.items for item_id in item_ids):
            raise ValidationFailed("The request refers to something that does not exist.")
        self._state.collections[slug] = StoredCollection(title, description, status, item_ids)

    async def put_glossary_term(
        self, slug: str, term: str, definition: str, status: str, synonyms: tuple[str, ...]
    ) -> None:
        for other_slug, other in self._state.glossary.items():
            if other_slug != slug and other.term == term:
                raise AlreadyExists("A glossary term with this name exists.")
            if other_slug != slug and set(other.synonyms) & set(synonyms):
                raise AlreadyExists("This synonym already leads to another term.")
        self._state.glossary[slug] = StoredTerm(term, definition, status, synonyms)


class FakeContentRepos:
    def __init__(self, state: ContentState, clock: ManualClock) -> None:
        self.reader = FakeContentReader(state)
        self.items = FakeContentRepository(state, clock)
        self.taxonomy = FakeTaxonomyRepository(state, clock)


def content_world(clock: ManualClock) -> tuple[ContentState, RollbackUnitOfWork[FakeContentRepos]]:
    state = ContentState()
    return state, RollbackUnitOfWork(FakeContentRepos(state, clock), state)
