"""HTTP endpoints of content: public reading (cacheable) and the editorial admin."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED

from app.adapters.http.identity import NO_STORE, _if_match
from app.adapters.http.pagination import (
    MAX_LIMIT,
    AwareDatetime,
    InvalidCursor,
    decode_position,
    page_of,
)
from app.adapters.http.read_models import as_response
from app.application.access import Principal
from app.application.content.editorial import ItemFields
from app.application.content.ports import ListCursor, ListFilter, NewMedia
from app.application.content.service import ContentService
from app.domain.content.model import MIME, ContentItem, ContentStatus, ContentType, MediaUse
from app.domain.errors import ValidationFailed

PUBLIC_CACHE = CacheControlHeader(public=True, max_age=60)

TypeName = Literal["article", "note", "practice", "faq", "qa", "page"]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=1000)]
Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, QueryParameter(name="cursor", max_length=200)]


class _CursorData(msgspec.Struct):
    p: str | float
    i: uuid.UUID


def encode_list_cursor(cursor: ListCursor | None) -> str | None:
    if cursor is None:
        return None
    position = (
        cursor.position.isoformat() if isinstance(cursor.position, datetime) else cursor.position
    )
    raw = msgspec.json.encode(_CursorData(p=position, i=cursor.id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_list_cursor(value: str | None, *, ranked: bool) -> ListCursor | None:
    if not value:
        return None
    try:
        data = msgspec.json.decode(base64.urlsafe_b64decode(value + "=="), type=_CursorData)
        if ranked:
            return ListCursor(position=float(data.p), id=data.i)
        return ListCursor(position=datetime.fromisoformat(str(data.p)), id=data.i)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidCursor("cursor is not valid", field="cursor") from None


# --- public ------------------------------------------------------------------------


class TopicOut(msgspec.Struct):
    code: str
    title: str
    description: str | None = None


class TagOut(msgspec.Struct):
    slug: str
    title: str


class ContentSummaryOut(msgspec.Struct):
    id: uuid.UUID
    type: str
    slug: str
    title: str
    summary: str | None
    published_at: datetime
    topics: list[str]
    tags: list[str]


class ContentPage(msgspec.Struct):
    items: list[ContentSummaryOut]
    next_cursor: str | None


class MediaOut(msgspec.Struct):
    id: uuid.UUID
    role: str
    kind: str
    url: str
    mime_type: str
    width: int | None
    height: int | None
    alt_text: str | None


class ContentOut(msgspec.Struct):
    id: uuid.UUID
    type: str
    slug: str
    title: str
    summary: str | None
    body_markdown: str
    seo_title: str | None
    seo_description: str | None
    published_at: datetime
    updated_at: datetime | None
    version: int
    topics: list[TopicOut]
    tags: list[TagOut]
    media: list[MediaOut]


class GlossaryTermOut(msgspec.Struct):
    slug: str
    term: str
    definition_markdown: str
    synonyms: list[str]


class GlossaryOut(msgspec.Struct):
    items: list[GlossaryTermOut]


class CollectionItemOut(msgspec.Struct):
    type: str
    slug: str
    title: str
    summary: str | None
    published_at: datetime


class CollectionOut(msgspec.Struct):
    slug: str
    title: str
    description: str | None
    items: list[CollectionItemOut]


class TopicsOut(msgspec.Struct):
    items: list[TopicOut]


class TagsOut(msgspec.Struct):
    items: list[TagOut]


def _etag(item_id: uuid.UUID, version: int) -> str:
    return '"' + hashlib.sha256(f"{item_id}:{version}".encode()).hexdigest()[:32] + '"'


class PublicContentController(Controller):
    path = "/api/v1"
    tags = ["content"]  # noqa: RUF012
    cache_control = PUBLIC_CACHE

    @get("/topics", summary="All topics")
    async def list_topics(self, content: NamedDependency[ContentService]) -> TopicsOut:
        return TopicsOut(as_response(await content.public.topics(), list[TopicOut]))

    @get("/tags", summary="All tags")
    async def list_tags(self, content: NamedDependency[ContentService]) -> TagsOut:
        return TagsOut(as_response(await content.public.tags(), list[TagOut]))

    @get("/content", summary="Published content, newest first, or ranked by `q` (Russian)")
    async def list_content(
        self,
        content: NamedDependency[ContentService],
        type_: Annotated[TypeName | None, QueryParameter(name="type")] = None,
        topic: Annotated[str | None, QueryParameter(name="topic", max_length=64)] = None,
        tag: Annotated[str | None, QueryParameter(name="tag", max_length=200)] = None,
        q: Annotated[str | None, QueryParameter(name="q", max_length=200)] = None,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> ContentPage:
        query = q.strip() if q else None
        filters = ListFilter(type=type_, topic=topic, tag=tag, q=query or None)
        page = await content.public.list_published(
            filters, decode_list_cursor(cursor, ranked=bool(filters.q)), limit
        )
        return ContentPage(
            items=as_response(page.items, list[ContentSummaryOut]),
            next_cursor=encode_list_cursor(page.next_cursor),
        )

    @get(
        "/content/{type_name:str}/{slug:str}",
        summary="One published item with its topics, tags and media (ETag, 304)",
        responses={304: ResponseSpec(None, description="Not modified (If-None-Match matched)")},
    )
    async def get_content(
        self,
        request: Request[Any, Any, Any],
        type_name: FromPath[TypeName],
        slug: FromPath[str],
        content: NamedDependency[ContentService],
    ) -> Response[ContentOut | None]:
        if type_name not in ContentType.__members__.values():
            raise ValidationFailed("unknown content type", field="type")
        item = as_response(await content.public.get_published(type_name, slug), ContentOut)
        etag = _etag(item.id, item.version)
        headers = {"ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(item, headers=headers)

    @get("/glossary", summary="Published glossary terms; `q` matches terms and synonyms")
    async def glossary(
        self,
        content: NamedDependency[ContentService],
        q: Annotated[str | None, QueryParameter(name="q", max_length=100)] = None,
    ) -> GlossaryOut:
        return GlossaryOut(as_response(await content.public.glossary(q), list[GlossaryTermOut]))

    @get("/glossary/{key:str}", summary="A term by its slug, its name or a synonym")
    async def glossary_term(
        self, key: FromPath[str], content: NamedDependency[ContentService]
    ) -> GlossaryTermOut:
        return as_response(await content.public.glossary_term(key), GlossaryTermOut)

    @get("/collections/{slug:str}", summary="A curated collection in its order")
    async def collection(
        self, slug: FromPath[str], content: NamedDependency[ContentService]
    ) -> CollectionOut:
        return as_response(await content.public.collection(slug), CollectionOut)


# --- admin -------------------------------------------------------------------------


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    type: TypeName
    slug: Slug
    title: Title
    body_markdown: str = ""
    summary: LongText | None = None
    seo_title: Title | None = None
    seo_description: LongText | None = None
    topics: list[Code] = []
    tags: list[Slug] = []


class ItemPatch(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug | None = None
    title: Title | None = None
    body_markdown: str | None = None
    summary: LongText | None = None
    seo_title: Title | None = None
    seo_description: LongText | None = None
    topics: list[Code] | None = None
    tags: list[Slug] | None = None


class MediaUseIn(msgspec.Struct, forbid_unknown_fields=True):
    media_id: uuid.UUID
    role: Literal["cover", "inline", "attachment"]
    sort_order: int = 0


class MediaUsesIn(msgspec.Struct, forbid_unknown_fields=True):
    media: list[MediaUseIn]


class MediaUseOut(msgspec.Struct):
    media_id: uuid.UUID
    role: str
    sort_order: int


class AdminItemOut(msgspec.Struct):
    id: uuid.UUID
    type: str
    slug: str
    title: str
    summary: str | None
    body_markdown: str
    status: str
    seo_title: str | None
    seo_description: str | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime | None
    version: int
    topics: list[str]
    tags: list[str]
    media: list[MediaUseOut]

    @classmethod
    def of(cls, item: ContentItem) -> AdminItemOut:
        return cls(
            id=item.id, type=item.type.value, slug=item.slug, title=item.title,
            summary=item.summary, body_markdown=item.body_markdown, status=item.status.value,
            seo_title=item.seo_title, seo_description=item.seo_description,
            published_at=item.published_at, created_at=item.created_at,
            updated_at=item.updated_at, version=item.version, topics=list(item.topics),
            tags=list(item.tags),
            media=[MediaUseOut(m.media_id, m.role, m.sort_order) for m in item.media],
        )  # fmt: skip


class AdminItemSummary(msgspec.Struct):
    id: uuid.UUID
    type: str
    slug: str
    title: str
    status: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime | None
    version: int


class AdminItemsPage(msgspec.Struct):
    items: list[AdminItemSummary]
    next_cursor: str | None


class VersionOut(msgspec.Struct):
    version_no: int
    title: str
    summary: str | None
    body_markdown: str
    created_by: uuid.UUID | None
    created_at: datetime
    assisted_by: Annotated[
        str | None,
        msgspec.Meta(description="The assistant that wrote this version's text; null: a person"),
    ] = None


class VersionsOut(msgspec.Struct):
    items: list[VersionOut]


class TopicIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    title: Title
    description: LongText | None = None
    sort_order: int = 0


class TopicPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    description: LongText | None = None
    sort_order: int = 0


class TagIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    title: Title


class MediaIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["image", "audio", "video", "file"]
    storage_key: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    mime_type: Annotated[str, msgspec.Meta(pattern=MIME.pattern, max_length=120)]
    size_bytes: Annotated[int, msgspec.Meta(ge=0)]
    width: Annotated[int, msgspec.Meta(ge=1, le=20000)] | None = None
    height: Annotated[int, msgspec.Meta(ge=1, le=20000)] | None = None
    alt_text: LongText | None = None


class MediaAssetOut(msgspec.Struct):
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


class MediaAssetsOut(msgspec.Struct):
    items: list[MediaAssetOut]
    next_cursor: str | None = None


class Created(msgspec.Struct):
    id: uuid.UUID


class CollectionIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    description: LongText | None = None
    status: Literal["draft", "published", "archived"] = "draft"
    items: list[uuid.UUID] = []


class GlossaryIn(msgspec.Struct, forbid_unknown_fields=True):
    term: Title
    definition_markdown: Annotated[str, msgspec.Meta(min_length=1)]
    status: Literal["draft", "published", "archived"] = "draft"
    synonyms: list[Title] = []


IfMatch = Annotated[str | None, HeaderParameter(name="If-Match")]


def _fields(data: ItemIn | ItemPatch) -> ItemFields:
    return ItemFields(
        slug=data.slug, title=data.title, summary=data.summary, body_markdown=data.body_markdown,
        seo_title=data.seo_title, seo_description=data.seo_description,
        topics=tuple(data.topics) if data.topics is not None else None,
        tags=tuple(data.tags) if data.tags is not None else None,
    )  # fmt: skip


class AdminContentController(Controller):
    """Content items and their workflow (draft, review, published, archived), versions
    and attached media. Owner and editor only (checked in each use case, audited)."""

    path = "/api/v1/admin"
    tags = ["admin: content"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/content", summary="Create a draft")
    async def create(
        self, data: JSONBody[ItemIn], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> AdminItemOut:  # fmt: skip
        item = await content.editorial.create(principal, ContentType(data.type), _fields(data))
        return AdminItemOut.of(item)

    @get("/content", summary="All content in any status, newest first")
    async def list_items(
        self, principal: NamedDependency[Principal], content: NamedDependency[ContentService],
        status: Annotated[Literal["draft", "review", "published", "archived"] | None,
                          QueryParameter(name="status")] = None,
        type_: Annotated[TypeName | None, QueryParameter(name="type")] = None,
        limit: Limit = 50, cursor: Cursor = None,
    ) -> AdminItemsPage:  # fmt: skip
        page = await content.editorial.list_items(
            principal, status, type_, decode_list_cursor(cursor, ranked=False), limit
        )
        return AdminItemsPage(
            items=as_response(page.items, list[AdminItemSummary]),
            next_cursor=encode_list_cursor(page.next_cursor),
        )

    @get("/content/{item_id:uuid}", summary="One item in any status")
    async def get_item(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> AdminItemOut:  # fmt: skip
        return AdminItemOut.of(await content.editorial.get(principal, item_id))

    @patch("/content/{item_id:uuid}", summary="Edit (a new version); send If-Match: <version>")
    async def update(
        self, item_id: FromPath[uuid.UUID], data: JSONBody[ItemPatch],
        principal: NamedDependency[Principal], content: NamedDependency[ContentService],
        if_match: IfMatch = None,
    ) -> AdminItemOut:  # fmt: skip
        item = await content.editorial.update(
            principal, item_id, _fields(data), _if_match(if_match)
        )
        return AdminItemOut.of(item)

    @delete("/content/{item_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            summary="Delete a never-published draft")  # fmt: skip
    async def delete_draft(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> None:  # fmt: skip
        await content.editorial.delete_draft(principal, item_id)

    async def _move(
        self, content: ContentService, principal: Principal, item_id: uuid.UUID,
        target: ContentStatus, if_match: str | None,
    ) -> AdminItemOut:  # fmt: skip
        item = await content.editorial.transition(principal, item_id, target, _if_match(if_match))
        return AdminItemOut.of(item)

    @post("/content/{item_id:uuid}/submit-review", status_code=HTTP_200_OK,
          summary="draft → review")  # fmt: skip
    async def submit_review(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService], if_match: IfMatch = None,
    ) -> AdminItemOut:  # fmt: skip
        return await self._move(content, principal, item_id, ContentStatus.REVIEW, if_match)

    @post("/content/{item_id:uuid}/publish", status_code=HTTP_200_OK,
          summary="review → published")  # fmt: skip
    async def publish(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService], if_match: IfMatch = None,
    ) -> AdminItemOut:  # fmt: skip
        return await self._move(content, principal, item_id, ContentStatus.PUBLISHED, if_match)

    @post("/content/{item_id:uuid}/archive", status_code=HTTP_200_OK,
          summary="published → archived")  # fmt: skip
    async def archive(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService], if_match: IfMatch = None,
    ) -> AdminItemOut:  # fmt: skip
        return await self._move(content, principal, item_id, ContentStatus.ARCHIVED, if_match)

    @post("/content/{item_id:uuid}/to-draft", status_code=HTTP_200_OK,
          summary="review or archived → draft")  # fmt: skip
    async def to_draft(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService], if_match: IfMatch = None,
    ) -> AdminItemOut:  # fmt: skip
        return await self._move(content, principal, item_id, ContentStatus.DRAFT, if_match)

    @get("/content/{item_id:uuid}/versions", summary="Saved versions, newest first")
    async def versions(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> VersionsOut:  # fmt: skip
        versions = await content.editorial.versions(principal, item_id)
        return VersionsOut(as_response(versions, list[VersionOut]))

    @put("/content/{item_id:uuid}/media", summary="Replace the media attached to an item")
    async def set_media(
        self, item_id: FromPath[uuid.UUID], data: JSONBody[MediaUsesIn],
        principal: NamedDependency[Principal], content: NamedDependency[ContentService],
        if_match: IfMatch = None,
    ) -> AdminItemOut:  # fmt: skip
        uses = tuple(MediaUse(m.media_id, m.role, m.sort_order) for m in data.media)
        return AdminItemOut.of(
            await content.editorial.set_media(principal, item_id, uses, _if_match(if_match))
        )


class AdminTaxonomyController(Controller):
    """Topics, tags, collections and the glossary. Owner and editor only (checked in
    each use case, audited)."""

    path = "/api/v1/admin"
    tags = ["admin: content"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/topics", status_code=HTTP_204_NO_CONTENT, summary="Add a topic")
    async def add_topic(
        self, data: JSONBody[TopicIn], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> None:  # fmt: skip
        await content.taxonomy.add_topic(
            principal, data.code, data.title, data.description, data.sort_order
        )

    @put("/topics/{code:str}", status_code=HTTP_204_NO_CONTENT, summary="Change a topic")
    async def update_topic(
        self, code: FromPath[str], data: JSONBody[TopicPatch],
        principal: NamedDependency[Principal], content: NamedDependency[ContentService],
    ) -> None:  # fmt: skip
        await content.taxonomy.update_topic(
            principal, code, data.title, data.description, data.sort_order
        )

    @post("/tags", status_code=HTTP_204_NO_CONTENT, summary="Add a tag")
    async def add_tag(
        self, data: JSONBody[TagIn], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> None:  # fmt: skip
        await content.taxonomy.add_tag(principal, data.slug, data.title)

    @delete("/tags/{slug:str}", status_code=HTTP_204_NO_CONTENT, summary="Delete an unused tag")
    async def delete_tag(
        self, slug: FromPath[str], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> None:  # fmt: skip
        await content.taxonomy.delete_tag(principal, slug)

    @put("/collections/{slug:str}", status_code=HTTP_204_NO_CONTENT,
         summary="Create or replace a collection and its ordered items")  # fmt: skip
    async def put_collection(
        self, slug: FromPath[str], data: JSONBody[CollectionIn],
        principal: NamedDependency[Principal], content: NamedDependency[ContentService],
    ) -> None:  # fmt: skip
        await content.taxonomy.put_collection(
            principal, slug, data.title, data.description, data.status, tuple(data.items)
        )

    @put("/glossary/{slug:str}", status_code=HTTP_204_NO_CONTENT,
         summary="Create or replace a glossary term and its synonyms")  # fmt: skip
    async def put_glossary_term(
        self, slug: FromPath[str], data: JSONBody[GlossaryIn],
        principal: NamedDependency[Principal], content: NamedDependency[ContentService],
    ) -> None:  # fmt: skip
        await content.taxonomy.put_glossary_term(
            principal, slug, data.term, data.definition_markdown, data.status,
            tuple(data.synonyms),
        )  # fmt: skip


class AdminMediaController(Controller):
    """The media library (metadata only). Owner and editor only (checked in each use
    case, audited)."""

    path = "/api/v1/admin"
    tags = ["admin: content"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/media", summary="Register a media asset (metadata only)")
    async def add_media(
        self, data: JSONBody[MediaIn], principal: NamedDependency[Principal],
        content: NamedDependency[ContentService],
    ) -> Created:  # fmt: skip
        media = NewMedia(
            kind=data.kind, storage_key=data.storage_key, url=data.url,
            mime_type=data.mime_type, size_bytes=data.size_bytes, width=data.width,
            height=data.height, alt_text=data.alt_text,
        )  # fmt: skip
        return Created(await content.media.add_media(principal, media))

    @get("/media", summary="Media assets, newest first")
    async def list_media(
        self, principal: NamedDependency[Principal], content: NamedDependency[ContentService],
        limit: Limit = 50, cursor: Cursor = None,
    ) -> MediaAssetsOut:  # fmt: skip
        after = decode_position(cursor, tuple[AwareDatetime, uuid.UUID])
        assets = await content.media.list_media(principal, after, limit + 1)
        page, next_cursor = page_of(assets, limit, lambda m: (m.created_at, m.id))
        return MediaAssetsOut(as_response(page, list[MediaAssetOut]), next_cursor)


CONTENT_CONTROLLERS = [
    PublicContentController,
    AdminContentController,
    AdminTaxonomyController,
    AdminMediaController,
]
