"""How content use cases run: a read in one transaction; an editorial write in one
transaction after which every process forgets the published items it remembers (an
edit, a transition, a renamed topic or changed media may alter any of them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.application.content.ports import ContentRepos, PublishedItem
from app.application.ports import UnitOfWork
from app.application.recent_reads import RecentReads, write_then_forget
from app.application.transactions import in_transaction
from app.domain.identity.model import Role

T = TypeVar("T")
ContentUoW = UnitOfWork[ContentRepos]
PublishedMemory = RecentReads[tuple[str, str], PublishedItem]
EDITORS = (Role.OWNER, Role.EDITOR)


class ContentTransactions:
    def __init__(self, uow: Callable[[], ContentUoW], published: PublishedMemory) -> None:
        self._uow = uow
        self._published = published

    async def read(self, work: Callable[[ContentUoW], Awaitable[T]]) -> T:
        return await in_transaction(self._uow, work)

    async def write(self, work: Callable[[ContentUoW], Awaitable[T]]) -> T:
        return await write_then_forget(self._published, self._uow, work)
