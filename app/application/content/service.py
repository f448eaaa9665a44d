"""Content use cases. Public reads see published content only; every editorial write
is done by an owner or editor, checked against the item's version and audited."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.content.ports import ContentRepos, ListCursor, ListFilter, Row
from app.application.ports import Clock, UnitOfWork
from app.application.recent_reads import RecentReads, write_then_forget
from app.application.transactions import in_transaction
from app.domain.content.model import (
    MAX_SUMMARY,
    MAX_TITLE,
    MEDIA_ROLES,
    ContentItem,
    ContentStatus,
    ContentType,
    MediaUse,
    validate_media,
    validate_slug,
    validate_text,
)
from app.domain.errors import NotFound, ValidationFailed, VersionConflict
from app.domain.identity.model import Role
from app.domain.shared.ids import new_id

ContentUoW = UnitOfWork[ContentRepos]
T = TypeVar("T")
EDITORS = (Role.OWNER, Role.EDITOR)


@dataclass(frozen=True, slots=True)
class ItemFields:
    """The editable fields of an item; None leaves a field as it is (on update)."""

    slug: str | None = None
    title: str | None = None
    summary: str | None = None
    body_markdown: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    topics: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Row]
    next_cursor: ListCursor | None


class ContentService:
    def __init__(
        self,
        uow: Callable[[], ContentUoW],
        clock: Clock,
        max_body_chars: int,
        published: RecentReads[tuple[str, str], Row] | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._max_body = max_body_chars
        self._published = published if published is not None else RecentReads(0, dict)

    # --- public reading ---------------------------------------------------------------

    async def list_published(self, f: ListFilter, after: ListCursor | None, limit: int) -> Page:
        if f.type is not None and f.type not in ContentType.__members__.values():
            raise ValidationFailed("unknown content type", field="type")

        async def work(uow: ContentUoW) -> list[Row]:
            return await uow.repos.reader.list_published(f, after, limit + 1)

        rows = await in_transaction(self._uow, work)
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            position = last["rank"] if f.q else last["published_at"]
            next_cursor = ListCursor(position=position, id=last["id"])
        return Page(items=page, next_cursor=next_cursor)

    async def _read(self, read: Callable[[ContentUoW], Any]) -> Any:
        async def work(uow: ContentUoW) -> Any:
            return await read(uow)

        return await in_transaction(self._uow, work)

    async def get_published(self, type_: str, slug: str) -> Row:
        cached = self._published.get((type_, slug))
        if cached is not None:
            return cached
        row = await self._read(lambda uow: uow.repos.reader.get_published(type_, slug))
        if row is None:
            raise NotFound()
        self._published.put((type_, slug), row)
        return dict(row)

    async def _write(self, work: Callable[[ContentUoW], Awaitable[T]]) -> T:
        """An editorial write: an edit, a transition, a topic renamed or media changed may
        alter any published item this process remembers."""
        return await write_then_forget(self._published, self._uow, work)

    async def topics(self) -> list[Row]:
        return list(await self._read(lambda uow: uow.repos.reader.topics()))

    async def tags(self) -> list[Row]:
        return list(await self._read(lambda uow: uow.repos.reader.tags()))

    async def glossary(self, q: str | None) -> list[Row]:
        return list(await self._read(lambda uow: uow.repos.reader.glossary(q or None)))

    async def glossary_term(self, key: str) -> Row:
        row = await self._read(lambda uow: uow.repos.reader.glossary_term(key))
        if row is None:
            raise NotFound()
        return dict(row)

    async def collection(self, slug: str) -> Row:
        row = await self._read(lambda uow: uow.repos.reader.collection(slug))
        if row is None:
            raise NotFound()
        return dict(row)

    # --- editorial work ---------------------------------------------------------------

    def _validated(self, item: ContentItem) -> ContentItem:
        validate_slug(item.slug)
        validate_text(item.title, "title", MAX_TITLE)
        validate_text(item.body_markdown, "body_markdown", self._max_body, required=False)
        if item.summary is not None:
            validate_text(item.summary, "summary", MAX_SUMMARY, required=False)
        for name, value in (
            ("seo_title", item.seo_title),
            ("seo_description", item.seo_description),
        ):
            if value is not None:
                validate_text(value, name, MAX_SUMMARY, required=False)
        for index, tag in enumerate(item.tags):
            validate_slug(tag, f"tags[{index}]")
        return item

    async def _audit(
        self, uow: ContentUoW, actor: Principal, action: str, entity: str, entity_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        await audit_action(uow, actor, action, entity, entity_id, details)

    async def create(self, actor: Principal, type_: ContentType, fields: ItemFields) -> ContentItem:
        ensure_roles(actor, *EDITORS)
        now = self._clock.now()
        item = self._validated(
            ContentItem(
                id=new_id(),
                type=type_,
                slug=fields.slug or "",
                title=fields.title or "",
                body_markdown=fields.body_markdown or "",
                status=ContentStatus.DRAFT,
                created_at=now,
                updated_at=now,
                summary=fields.summary,
                seo_title=fields.seo_title,
                seo_description=fields.seo_description,
                author_id=actor.user_id,
                topics=fields.topics or (),
                tags=fields.tags or (),
            )
        )

        async def work(uow: ContentUoW) -> ContentItem:
            await uow.repos.items.add(item, actor.user_id)
            await uow.repos.items.set_taxonomy(item.id, item.topics, item.tags)
            await self._audit(uow, actor, "content.create", "content_item", str(item.id),
                              {"type": item.type.value, "slug": item.slug})  # fmt: skip
            return item

        return await self._write(work)

    async def _load(self, uow: ContentUoW, item_id: uuid.UUID, expected: int | None) -> ContentItem:
        item = await uow.repos.items.get(item_id)
        if item is None:
            raise NotFound()
        if expected is not None and expected != item.version:
            raise VersionConflict()
        return item

    async def update(
        self, actor: Principal, item_id: uuid.UUID, fields: ItemFields, expected_version: int | None
    ) -> ContentItem:
        """Save an edit as a new version; a published item stays published."""
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> ContentItem:
            item = await self._load(uow, item_id, expected_version)
            updated = self._validated(
                replace(
                    item,
                    slug=fields.slug if fields.slug is not None else item.slug,
                    title=fields.title if fields.title is not None else item.title,
                    summary=fields.summary if fields.summary is not None else item.summary,
                    body_markdown=(
                        fields.body_markdown
                        if fields.body_markdown is not None
                        else item.body_markdown
                    ),
                    seo_title=fields.seo_title if fields.seo_title is not None else item.seo_title,
                    seo_description=(
                        fields.seo_description
                        if fields.seo_description is not None
                        else item.seo_description
                    ),
                    topics=fields.topics if fields.topics is not None else item.topics,
                    tags=fields.tags if fields.tags is not None else item.tags,
                )
            )
            await uow.repos.items.save(updated, item.version, actor.user_id)
            if fields.topics is not None or fields.tags is not None:
                await uow.repos.items.set_taxonomy(item.id, updated.topics, updated.tags)
            await self._audit(uow, actor, "content.update", "content_item", str(item.id),
                              {"version": updated.version})  # fmt: skip
            return updated

        return await self._write(work)

    async def transition(
        self,
        actor: Principal,
        item_id: uuid.UUID,
        target: ContentStatus,
        expected_version: int | None,
    ) -> ContentItem:
        ensure_roles(actor, *EDITORS)
        action = {
            ContentStatus.REVIEW: "content.submit_review",
            ContentStatus.PUBLISHED: "content.publish",
            ContentStatus.ARCHIVED: "content.archive",
            ContentStatus.DRAFT: "content.to_draft",
        }[target]

        async def work(uow: ContentUoW) -> ContentItem:
            item = await self._load(uow, item_id, expected_version)
            previous = item.version
            item.move_to(target, self._clock.now())
            await uow.repos.items.save(item, previous, actor.user_id)
            await self._audit(uow, actor, action, "content_item", str(item.id),
                              {"status": item.status.value})  # fmt: skip
            return item

        return await self._write(work)

    async def delete_draft(self, actor: Principal, item_id: uuid.UUID) -> None:
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> None:
            item = await self._load(uow, item_id, None)
            if not await uow.repos.items.delete_draft(item.id):
                from app.domain.errors import InvalidState  # noqa: PLC0415

                raise InvalidState("Only a never-published draft can be deleted; archive it.")
            await self._audit(uow, actor, "content.delete", "content_item", str(item.id))

        await self._write(work)

    async def get(self, actor: Principal, item_id: uuid.UUID) -> ContentItem:
        ensure_roles(actor, *EDITORS)
        return await self._read(lambda uow: self._load(uow, item_id, None))  # type: ignore[no-any-return]

    async def list_items(
        self,
        actor: Principal,
        status: str | None,
        type_: str | None,
        after: ListCursor | None,
        limit: int,
    ) -> Page:
        ensure_roles(actor, *EDITORS)
        rows = await self._read(
            lambda uow: uow.repos.items.list_items(status, type_, after, limit + 1)
        )
        page = rows[:limit]
        next_cursor = (
            ListCursor(position=page[-1]["created_at"], id=page[-1]["id"])
            if len(rows) > limit
            else None
        )
        return Page(items=page, next_cursor=next_cursor)

    async def versions(self, actor: Principal, item_id: uuid.UUID) -> list[Row]:
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> list[Row]:
            await self._load(uow, item_id, None)
            return await uow.repos.items.versions(item_id)

        return await in_transaction(self._uow, work)

    async def set_media(
        self,
        actor: Principal,
        item_id: uuid.UUID,
        uses: tuple[MediaUse, ...],
        expected_version: int | None,
    ) -> ContentItem:
        ensure_roles(actor, *EDITORS)
        for index, use in enumerate(uses):
            if use.role not in MEDIA_ROLES:
                raise ValidationFailed("role must be cover, inline or attachment",
                                       field=f"media[{index}].role")  # fmt: skip
        if sum(1 for use in uses if use.role == "cover") > 1:
            raise ValidationFailed("an item has at most one cover", field="media")

        async def work(uow: ContentUoW) -> ContentItem:
            item = await self._load(uow, item_id, expected_version)
            await uow.repos.items.set_media(item.id, uses)
            await uow.repos.items.save(item, item.version, actor.user_id)
            await self._audit(uow, actor, "content.set_media", "content_item", str(item.id),
                              {"media": len(uses)})  # fmt: skip
            return replace(item, media=uses)

        return await self._write(work)

    # --- topics, tags, media, collections, glossary -----------------------------------

    async def add_topic(
        self, actor: Principal, code: str, title: str, description: str | None, sort_order: int
    ) -> None:
        ensure_roles(actor, *EDITORS)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.add_topic(code, title, description, sort_order)
            await self._audit(uow, actor, "topic.create", "topic", code)

        await self._write(work)

    async def update_topic(
        self, actor: Principal, code: str, title: str, description: str | None, sort_order: int
    ) -> None:
        ensure_roles(actor, *EDITORS)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            if not await uow.repos.taxonomy.update_topic(code, title, description, sort_order):
                raise NotFound()
            await self._audit(uow, actor, "topic.update", "topic", code)

        await self._write(work)

    async def add_tag(self, actor: Principal, slug: str, title: str) -> None:
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.add_tag(slug, title)
            await self._audit(uow, actor, "tag.create", "tag", slug)

        await self._write(work)

    async def delete_tag(self, actor: Principal, slug: str) -> None:
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> None:
            if not await uow.repos.taxonomy.delete_tag(slug):
                raise NotFound()
            await self._audit(uow, actor, "tag.delete", "tag", slug)

        await self._write(work)

    async def add_media(self, actor: Principal, media: Row) -> uuid.UUID:
        ensure_roles(actor, *EDITORS)
        validate_media(media["kind"], media["mime_type"], media["size_bytes"], media["url"])

        async def work(uow: ContentUoW) -> uuid.UUID:
            media_id = await uow.repos.taxonomy.add_media(media)
            await self._audit(uow, actor, "media.create", "media_asset", str(media_id))
            return media_id

        return await self._write(work)

    async def list_media(self, actor: Principal, after: uuid.UUID | None, limit: int) -> list[Row]:
        ensure_roles(actor, *EDITORS)
        return list(await self._read(lambda uow: uow.repos.taxonomy.list_media(after, limit)))

    async def put_collection(
        self, actor: Principal, slug: str, title: str, description: str | None, status: str,
        item_ids: tuple[uuid.UUID, ...],
    ) -> None:  # fmt: skip
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.put_collection(slug, title, description, status, item_ids)
            await self._audit(uow, actor, "collection.put", "curated_collection", slug,
                              {"items": len(item_ids)})  # fmt: skip

        await self._write(work)

    async def put_glossary_term(
        self, actor: Principal, slug: str, term: str, definition: str, status: str,
        synonyms: tuple[str, ...],
    ) -> None:  # fmt: skip
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        validate_text(term, "term", MAX_TITLE)
        validate_text(definition, "definition_markdown", self._max_body)
        cleaned = tuple(s.strip() for s in synonyms)
        for index, synonym in enumerate(cleaned):
            validate_text(synonym, f"synonyms[{index}]", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.put_glossary_term(slug, term, definition, status, cleaned)
            await self._audit(uow, actor, "glossary.put", "glossary_term", slug,
                              {"synonyms": len(cleaned)})  # fmt: skip

        await self._write(work)
