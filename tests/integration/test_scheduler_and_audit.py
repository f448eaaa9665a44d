"""Periodic jobs run once per interval however many workers there are; the audit
trail is written with the change and refuses personal data."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from app.adapters.postgres.jobs import PostgresJobLock
from app.application.ports import AuditEntry
from app.application.scheduler import PeriodicJob, Scheduler
from app.bootstrap import Core
from app.domain.errors import ValidationFailed


async def test_a_job_runs_once_per_interval_across_workers(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    runs: list[datetime] = []
    started = asyncio.Event()

    async def expire_holds(now: datetime) -> None:
        runs.append(now)
        started.set()
        await asyncio.sleep(0.05)  # still running while the other worker looks

    workers = [Scheduler(PostgresJobLock(core.database), core.clock) for _ in range(3)]
    for scheduler in workers:
        scheduler.register(PeriodicJob("booking.expire_holds", timedelta(minutes=1), expire_holds))

    await asyncio.gather(*(w.run_due() for w in workers))
    assert len(runs) == 1
    assert await workers[1].run_due() == []  # within the interval: nobody runs it
    core.clock.advance(minutes=1, seconds=1)  # type: ignore[attr-defined]
    assert await workers[2].run_due() == ["booking.expire_holds"]
    assert len(runs) == 2
    postgresql.commit()
    row = postgresql.execute(
        "SELECT run_count, last_error, last_finished_at IS NOT NULL FROM job_runs"
    ).fetchone()
    assert row == (2, None, True)


async def test_a_failing_job_is_recorded_and_does_not_stop_the_others(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    ran: list[str] = []

    async def broken(_: datetime) -> None:
        raise RuntimeError("boom")

    async def fine(_: datetime) -> None:
        ran.append("fine")

    scheduler = Scheduler(PostgresJobLock(core.database), core.clock)
    scheduler.register(PeriodicJob("test.broken", timedelta(minutes=5), broken))
    scheduler.register(PeriodicJob("test.fine", timedelta(minutes=5), fine))
    assert await scheduler.run_due() == ["test.broken", "test.fine"]
    assert ran == ["fine"]
    postgresql.commit()
    assert postgresql.execute(
        "SELECT last_error FROM job_runs WHERE name = 'test.broken'"
    ).fetchone() == ("RuntimeError",)
    with pytest.raises(ValueError, match="registered twice"):
        scheduler.register(PeriodicJob("test.fine", timedelta(minutes=5), fine))


async def test_audit_entries_commit_with_the_change(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    uow = core.unit_of_work(lambda s: s)
    entry = AuditEntry(
        actor_id=None, actor_role="owner", action="intake_form.read",
        entity_type="intake_form", entity_id="f1", details={"appointment_id": "a1"},
    )  # fmt: skip
    async with uow() as work:
        await work.audit.record(entry)  # rolled back: not committed
    async with uow() as work:
        await work.audit.record(entry)
        await work.commit()
    postgresql.commit()
    assert postgresql.execute(
        "SELECT actor_role, action, entity_type, entity_id, details FROM audit_log_entries"
    ).fetchall() == [("owner", "intake_form.read", "intake_form", "f1", {"appointment_id": "a1"})]
    with pytest.raises(ValidationFailed):
        async with uow() as work:
            await work.audit.record(
                AuditEntry(actor_id=None, actor_role="owner", action="user.update",
                           entity_type="user", details={"phone": "+79991234567"})
            )  # fmt: skip
