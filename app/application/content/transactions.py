"""How content use cases run: a read in one transaction; an editorial write in one
transaction after which every process forgets the published items and the pages of
them it remembers (an edit, a transition, a renamed topic or changed media may alter
any of them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.application.content.ports import (
    ContentRepos,
    ContentSummary,
    ListCursor,
    ListFilter,
    Page,
    PublishedItem,
)
from app.application.ports import UnitOfWork
from app.application.recent_reads import RecentReads, write_then_forget
from app.application.transactions import in_transaction
from app.domain.identity.model import Role

T = TypeVar("T")
ContentUoW = UnitOfWork[ContentRepos]
PublishedMemory = RecentReads[tuple[str, str], PublishedItem]
# A page of the public list by (filter, cursor, limit).
PageMemory = RecentReads[tuple[ListFilter, ListCursor | None, int], Page[ContentSummary]]
EDITORS = (Role.OWNER, Role.EDITOR)


class ContentTransactions:
    def __init__(
        self,
        uow: Callable[[], ContentUoW],
        published: PublishedMemory,
        pages: PageMemory | None = None,
    ) -> None:
        """``pages`` shares the name of ``published``: the announcement after a write
        makes the other processes forget both."""
        self._uow = uow
        self._published = published
        self._pages = pages

    async def read(self, work: Callable[[ContentUoW], Awaitable[T]]) -> T:
        return await in_transaction(self._uow, work)

    async def write(self, work: Callable[[ContentUoW], Awaitable[T]]) -> T:
        try:
            return await write_then_forget(self._published, self._uow, work)
        finally:
            if self._pages is not None:
                self._pages.clear()
