"""Running a use case in one transaction, retried when a concurrent one got in the way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from app.application.ports import UnitOfWork
from app.domain.errors import TransientConflict

R = TypeVar("R")
T = TypeVar("T")

logger = structlog.get_logger(__name__)

DEFAULT_ATTEMPTS = 3


async def in_transaction(
    uow_factory: Callable[[], UnitOfWork[R]],
    work: Callable[[UnitOfWork[R]], Awaitable[T]],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
) -> T:
    """Run ``work`` in a fresh unit of work and commit; retry on a transient conflict.

    A deadlock or serialization failure (PostgreSQL 40P01/40001) rolls everything back
    and runs ``work`` again, up to ``attempts`` times; any other error propagates.
    """
    for attempt in range(1, attempts + 1):
        try:
            async with uow_factory() as uow:
                result = await work(uow)
                await uow.commit()
                return result
        except TransientConflict:
            if attempt == attempts:
                raise
            logger.warning("transaction_retried", attempt=attempt)
    raise AssertionError("unreachable")  # pragma: no cover
