"""Database errors become domain errors in one table; transient ones are retried."""

from __future__ import annotations

import pytest
from psycopg import errors as pg

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.adapters.postgres.errors import BY_CONSTRAINT, translate
from app.application.events import EventHandlers
from app.application.transactions import in_transaction
from app.domain.errors import (
    AlreadyExists,
    InvalidState,
    SlotUnavailable,
    TransientConflict,
    ValidationFailed,
)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (pg.UniqueViolation(), AlreadyExists),
        (pg.ForeignKeyViolation(), ValidationFailed),
        (pg.CheckViolation(), InvalidState),
        (pg.NotNullViolation(), ValidationFailed),
        (pg.ExclusionViolation(), SlotUnavailable),
        (pg.IntegrityConstraintViolation(), InvalidState),
        (pg.InsufficientPrivilege(), InvalidState),
        (pg.DeadlockDetected(), TransientConflict),
        (pg.SerializationFailure(), TransientConflict),
    ],
)
def test_sqlstate_defaults(error: Exception, expected: type[Exception]) -> None:
    assert isinstance(translate(error), expected)


def test_unrelated_errors_are_left_alone() -> None:
    assert translate(ValueError("x")) is None
    assert translate(pg.UndefinedTable()) is None


def test_every_business_rule_constraint_has_a_coded_error() -> None:
    for name, factory in BY_CONSTRAINT.items():
        error = factory()
        assert error.code != "domain_error", name


async def test_transient_conflicts_are_retried_then_succeed() -> None:
    bus = InMemoryEventBus(EventHandlers())
    uow = InMemoryUnitOfWork(repos=None, bus=bus)
    calls = 0

    async def work(_: InMemoryUnitOfWork[None]) -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise TransientConflict("DeadlockDetected")
        return "booked"

    assert await in_transaction(lambda: uow, work) == "booked"
    assert calls == 3
    assert uow.committed


async def test_retries_are_bounded() -> None:
    uow = InMemoryUnitOfWork(repos=None, bus=InMemoryEventBus(EventHandlers()))

    async def work(_: InMemoryUnitOfWork[None]) -> None:
        raise TransientConflict("SerializationFailure")

    with pytest.raises(TransientConflict):
        await in_transaction(lambda: uow, work, attempts=2)
    assert not uow.committed
