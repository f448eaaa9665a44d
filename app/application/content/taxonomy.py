"""How content is organised: topics, tags, curated collections and the glossary.
Owners and editors only; every write is audited."""

from __future__ import annotations

import uuid

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.content.ports import EditorCollection, EditorTerm
from app.application.content.transactions import EDITORS, ContentTransactions, ContentUoW
from app.domain.content.model import MAX_TITLE, validate_slug, validate_text
from app.domain.errors import NotFound


class Taxonomy:
    def __init__(self, tx: ContentTransactions, max_body_chars: int) -> None:
        self._tx = tx
        self._max_body = max_body_chars

    async def add_topic(
        self, actor: Principal, code: str, title: str, description: str | None, sort_order: int
    ) -> None:
        ensure_roles(actor, *EDITORS)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.add_topic(code, title, description, sort_order)
            await audit_action(uow, actor, "topic.create", "topic", code)

        await self._tx.write(work)

    async def update_topic(
        self, actor: Principal, code: str, title: str, description: str | None, sort_order: int
    ) -> None:
        ensure_roles(actor, *EDITORS)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            if not await uow.repos.taxonomy.update_topic(code, title, description, sort_order):
                raise NotFound()
            await audit_action(uow, actor, "topic.update", "topic", code)

        await self._tx.write(work)

    async def add_tag(self, actor: Principal, slug: str, title: str) -> None:
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.add_tag(slug, title)
            await audit_action(uow, actor, "tag.create", "tag", slug)

        await self._tx.write(work)

    async def delete_tag(self, actor: Principal, slug: str) -> None:
        ensure_roles(actor, *EDITORS)

        async def work(uow: ContentUoW) -> None:
            if not await uow.repos.taxonomy.delete_tag(slug):
                raise NotFound()
            await audit_action(uow, actor, "tag.delete", "tag", slug)

        await self._tx.write(work)

    async def put_collection(
        self, actor: Principal, slug: str, title: str, description: str | None, status: str,
        item_ids: tuple[uuid.UUID, ...],
    ) -> None:  # fmt: skip
        """Create or replace a collection and its items, in the order given."""
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        validate_text(title, "title", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.put_collection(slug, title, description, status, item_ids)
            await audit_action(uow, actor, "collection.put", "curated_collection", slug,
                               {"items": len(item_ids)})  # fmt: skip

        await self._tx.write(work)

    async def glossary_terms(self, actor: Principal) -> list[EditorTerm]:
        """Every term in any status (readers see the published ones only)."""
        ensure_roles(actor, *EDITORS)
        return await self._tx.read(lambda uow: uow.repos.taxonomy.editor_terms())

    async def collections(self, actor: Principal) -> list[EditorCollection]:
        """Every collection in any status, with its items' ids in their order."""
        ensure_roles(actor, *EDITORS)
        return await self._tx.read(lambda uow: uow.repos.taxonomy.editor_collections())

    async def put_glossary_term(
        self, actor: Principal, slug: str, term: str, definition: str, status: str,
        synonyms: tuple[str, ...],
    ) -> None:  # fmt: skip
        """Create or replace a term and its synonyms (trimmed)."""
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        validate_text(term, "term", MAX_TITLE)
        validate_text(definition, "definition_markdown", self._max_body)
        cleaned = tuple(s.strip() for s in synonyms)
        for index, synonym in enumerate(cleaned):
            validate_text(synonym, f"synonyms[{index}]", MAX_TITLE)

        async def work(uow: ContentUoW) -> None:
            await uow.repos.taxonomy.put_glossary_term(slug, term, definition, status, cleaned)
            await audit_action(uow, actor, "glossary.put", "glossary_term", slug,
                               {"synonyms": len(cleaned)})  # fmt: skip

        await self._tx.write(work)
