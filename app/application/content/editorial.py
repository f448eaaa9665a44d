"""The editorial workflow: drafts, edits as new versions, draft → review → published →
archived, media attached to an item. Owners and editors only; every write is checked
against the item's version when the editor sends one, and audited."""

from __future__ import annotations

import dataclasses
import uuid

import msgspec

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.content.ports import ItemSummary, ItemVersion, ListCursor, Page
from app.application.content.transactions import EDITORS, ContentTransactions, ContentUoW
from app.application.ports import Clock
from app.domain.content.model import (
    ContentItem,
    ContentStatus,
    ContentType,
    MediaUse,
    validate_media_uses,
)
from app.domain.errors import InvalidState, NotFound, VersionConflict
from app.domain.shared.ids import new_id

ENTITY = "content_item"
TRANSITION_ACTIONS = {
    ContentStatus.REVIEW: "content.submit_review",
    ContentStatus.PUBLISHED: "content.publish",
    ContentStatus.ARCHIVED: "content.archive",
    ContentStatus.DRAFT: "content.to_draft",
}


@dataclasses.dataclass(frozen=True, slots=True)
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

    def applied_to(self, item: ContentItem) -> ContentItem:
        """A copy of ``item`` with the fields that are given."""
        given = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return msgspec.structs.replace(
            item, **{name: value for name, value in given.items() if value is not None}
        )


class Editorial:
    def __init__(self, tx: ContentTransactions, clock: Clock, max_body_chars: int) -> None:
        self._tx = tx
        self._clock = clock
        self._max_body = max_body_chars

    async def create(
        self, actor: Principal, type_: ContentType, fields: ItemFields,
        assisted_by: str | None = None,
    ) -> ContentItem:  # fmt: skip
        """A new draft; ``assisted_by`` names the assistant that wrote its text (kept on
        the first version and in the audit entry)."""
        ensure_roles(actor, *EDITORS)
        now = self._clock.now()
        item = ContentItem(
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
        ).validate(self._max_body)

        async def work(uow: ContentUoW) -> ContentItem:
            await uow.repos.items.add(item, actor.user_id, assisted_by)
            await uow.repos.items.set_taxonomy(item.id, item.topics, item.tags)
            details = {"type": item.type.value, "slug": item.slug}
            if assisted_by is not None:
                details["assisted_by"] = assisted_by
            await audit_action(uow, actor, "content.create", ENTITY, str(item.id), details)
            return item

        return await self._tx.write(work)

    async def update(
        self, actor: Principal, item_id: uuid.UUID, fields: ItemFields, expected_version: int | None
    ) -> ContentItem:
        """Save an edit as a new version; a published item stays published."""
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> ContentItem:
            item = await _load(uow, item_id, expected_version)
            updated = fields.applied_to(item).validate(self._max_body)
            await uow.repos.items.save(updated, item.version, actor.user_id)
            if fields.topics is not None or fields.tags is not None:
                await uow.repos.items.set_taxonomy(item.id, updated.topics, updated.tags)
            await audit_action(uow, actor, "content.update", ENTITY, str(item.id),
                               {"version": updated.version})  # fmt: skip
            return updated

        return await self._tx.write(work)

    async def transition(
        self,
        actor: Principal,
        item_id: uuid.UUID,
        target: ContentStatus,
        expected_version: int | None,
    ) -> ContentItem:
        """Move the item along the workflow (``TRANSITIONS``); the first publication
        sets ``published_at``, which later ones keep."""
        ensure_roles(actor, *EDITORS)
        action = TRANSITION_ACTIONS[target]

        async def work(uow: ContentUoW) -> ContentItem:
            item = await _load(uow, item_id, expected_version)
            previous = item.version
            item.move_to(target, self._clock.now())
            await uow.repos.items.save(item, previous, actor.user_id)
            await audit_action(uow, actor, action, ENTITY, str(item.id),
                               {"status": item.status.value})  # fmt: skip
            return item

        return await self._tx.write(work)

    async def delete_draft(self, actor: Principal, item_id: uuid.UUID) -> None:
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> None:
            item = await _load(uow, item_id, None)
            if not await uow.repos.items.delete_draft(item.id):
                raise InvalidState("Only a never-published draft can be deleted; archive it.")
            await audit_action(uow, actor, "content.delete", ENTITY, str(item.id))

        await self._tx.write(work)

    async def get(self, actor: Principal, item_id: uuid.UUID) -> ContentItem:
        ensure_roles(actor, *EDITORS)
        return await self._tx.read(lambda uow: _load(uow, item_id, None))

    async def list_items(
        self,
        actor: Principal,
        status: str | None,
        type_: str | None,
        after: ListCursor | None,
        limit: int,
    ) -> Page[ItemSummary]:
        """Any status, newest first."""
        ensure_roles(actor, *EDITORS)
        rows = await self._tx.read(
            lambda uow: uow.repos.items.list_items(status, type_, after, limit + 1)
        )
        page = rows[:limit]
        next_cursor = (
            ListCursor(position=page[-1].created_at, id=page[-1].id) if len(rows) > limit else None
        )
        return Page(items=page, next_cursor=next_cursor)

    async def versions(self, actor: Principal, item_id: uuid.UUID) -> list[ItemVersion]:
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> list[ItemVersion]:
            await _load(uow, item_id, None)
            return await uow.repos.items.versions(item_id)

        return await self._tx.read(work)

    async def set_media(
        self,
        actor: Principal,
        item_id: uuid.UUID,
        uses: tuple[MediaUse, ...],
        expected_version: int | None,
    ) -> ContentItem:
        """Replace the item's media (a new version of the item)."""
        ensure_roles(actor, *EDITORS)
        validate_media_uses(uses)

        async def work(uow: ContentUoW) -> ContentItem:
            item = await _load(uow, item_id, expected_version)
            await uow.repos.items.set_media(item.id, uses)
            await uow.repos.items.save(item, item.version, actor.user_id)
            await audit_action(uow, actor, "content.set_media", ENTITY, str(item.id),
                               {"media": len(uses)})  # fmt: skip
            return msgspec.structs.replace(item, media=uses)

        return await self._tx.write(work)


async def _load(uow: ContentUoW, item_id: uuid.UUID, expected: int | None) -> ContentItem:
    item = await uow.repos.items.get(item_id)
    if item is None:
        raise NotFound()
    if expected is not None and expected != item.version:
        raise VersionConflict()
    return item
