"""Public reading: published content only, a published item and a page of the list
remembered for a few seconds per process."""

from __future__ import annotations

from app.application.content.ports import (
    Collection,
    ContentSummary,
    GlossaryTerm,
    ListCursor,
    ListFilter,
    Page,
    PublishedItem,
    Tag,
    Topic,
)
from app.application.content.transactions import ContentTransactions, PageMemory, PublishedMemory
from app.application.recent_reads import RecentReads
from app.domain.content.model import ContentType
from app.domain.errors import NotFound, ValidationFailed


class PublicContent:
    def __init__(
        self, tx: ContentTransactions, published: PublishedMemory, pages: PageMemory | None = None
    ) -> None:
        self._tx = tx
        self._published = published
        self._pages: PageMemory = pages if pages is not None else RecentReads(0, lambda p: p)

    async def list_published(
        self, f: ListFilter, after: ListCursor | None, limit: int
    ) -> Page[ContentSummary]:
        """Newest first, or by rank when ``f.q`` searches; one more than ``limit`` is read
        to know whether another page follows."""
        if f.type is not None and f.type not in ContentType.__members__.values():
            raise ValidationFailed("unknown content type", field="type")
        key = (f, after, limit)
        remembered = self._pages.get(key)
        if remembered is not None:
            return remembered
        rows = await self._tx.read(lambda uow: uow.repos.reader.list_published(f, after, limit + 1))
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            position = last.rank if f.q and last.rank is not None else last.published_at
            next_cursor = ListCursor(position=position, id=last.id)
        answer = Page(items=page, next_cursor=next_cursor)
        self._pages.put(key, answer)
        return answer

    async def get_published(self, type_: str, slug: str) -> PublishedItem:
        remembered = self._published.get((type_, slug))
        if remembered is not None:
            return remembered
        item = await self._tx.read(lambda uow: uow.repos.reader.get_published(type_, slug))
        if item is None:
            raise NotFound()
        self._published.put((type_, slug), item)
        return item

    async def topics(self) -> list[Topic]:
        return await self._tx.read(lambda uow: uow.repos.reader.topics())

    async def tags(self) -> list[Tag]:
        return await self._tx.read(lambda uow: uow.repos.reader.tags())

    async def glossary(self, q: str | None) -> list[GlossaryTerm]:
        return await self._tx.read(lambda uow: uow.repos.reader.glossary(q or None))

    async def glossary_term(self, key: str) -> GlossaryTerm:
        term = await self._tx.read(lambda uow: uow.repos.reader.glossary_term(key))
        if term is None:
            raise NotFound()
        return term

    async def collection(self, slug: str) -> Collection:
        found = await self._tx.read(lambda uow: uow.repos.reader.collection(slug))
        if found is None:
            raise NotFound()
        return found
