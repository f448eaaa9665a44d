"""The client's private diary: only its author reads it, only with the ``health_data``
consent, and the body (mood, text, tags) is stored encrypted."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TypeVar

import structlog

from app.application.access import Principal
from app.application.cabinet.ports import DiaryEntry, DiaryEntryInput, DiaryStore
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.errors import ConsentRequired, NotFound, ValidationFailed, VersionConflict

logger = structlog.get_logger(__name__)

T = TypeVar("T")
MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=30)
DiaryUoW = UnitOfWork[DiaryStore]


class DiaryService:
    def __init__(self, uow: Callable[[], DiaryUoW], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def _run(self, principal: Principal, work: Callable[[DiaryUoW], Awaitable[T]]) -> T:
        async def guarded(uow: DiaryUoW) -> T:
            if not await uow.repos.has_health_consent(principal.user_id):
                raise ConsentRequired("The health_data consent is required for the diary.")
            return await work(uow)

        return await in_transaction(self._uow, guarded)

    async def entries(
        self, principal: Principal, date_from: date | None, date_to: date | None
    ) -> list[DiaryEntry]:
        """Entries between two days (both included; the last 30 days by default)."""
        date_to = date_to or self._clock.now().date()
        date_from = date_from or date_to - DEFAULT_RANGE
        if date_from > date_to:
            raise ValidationFailed("from must not be after to", field="from")
        if date_to - date_from > MAX_RANGE:
            raise ValidationFailed("at most 366 days at a time", field="from")

        async def work(uow: DiaryUoW) -> list[DiaryEntry]:
            return await uow.repos.entries(principal.user_id, date_from, date_to)

        return await self._run(principal, work)

    async def entry(self, principal: Principal, entry_id: uuid.UUID) -> DiaryEntry:
        async def work(uow: DiaryUoW) -> DiaryEntry:
            found = await uow.repos.entry(principal.user_id, entry_id)
            if found is None:  # someone else's entry is as absent as a missing one
                raise NotFound()
            return found

        return await self._run(principal, work)

    async def create(self, principal: Principal, entry: DiaryEntryInput) -> DiaryEntry:
        async def work(uow: DiaryUoW) -> DiaryEntry:
            entry_id = await uow.repos.add(principal.user_id, entry)
            found = await uow.repos.entry(principal.user_id, entry_id)
            assert found is not None  # noqa: S101 (written in this transaction)
            return found

        created = await self._run(principal, work)
        logger.info("diary_entry_created")
        return created

    async def update(
        self, principal: Principal, entry_id: uuid.UUID, version: int, entry: DiaryEntryInput
    ) -> DiaryEntry:
        """Rewrite an entry of one's own at the version it was read (else a conflict)."""

        async def work(uow: DiaryUoW) -> DiaryEntry:
            if await uow.repos.entry(principal.user_id, entry_id) is None:
                raise NotFound()
            if not await uow.repos.update(principal.user_id, entry_id, version, entry):
                raise VersionConflict()
            found = await uow.repos.entry(principal.user_id, entry_id)
            assert found is not None  # noqa: S101 (written in this transaction)
            return found

        return await self._run(principal, work)

    async def delete(self, principal: Principal, entry_id: uuid.UUID) -> None:
        async def work(uow: DiaryUoW) -> None:
            if not await uow.repos.delete(principal.user_id, entry_id):
                raise NotFound()

        await self._run(principal, work)
        logger.info("diary_entry_deleted")
