"""Periodic jobs (hold expiry, reminders, reconciliation, retention, ...).

A job runs at most once per interval across every worker: the lock port makes one
worker win (a transaction-level advisory lock in PostgreSQL) and records the run.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from app.application.outbox_relay import error_label
from app.application.ports import Clock
from app.application.request_id import working_for

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    interval: timedelta
    run: Callable[[datetime], Awaitable[None]]


class JobLock(Protocol):
    def claim(
        self, name: str, now: datetime, interval: timedelta
    ) -> AbstractAsyncContextManager[JobRun | None]:
        """A ``JobRun`` when this worker should run the job now, else None."""
        ...


class JobRun(Protocol):
    async def finish(self, now: datetime, error: str | None) -> None: ...


class Scheduler:
    def __init__(self, lock: JobLock, clock: Clock) -> None:
        self._lock = lock
        self._clock = clock
        self._jobs: dict[str, PeriodicJob] = {}

    def register(self, job: PeriodicJob) -> None:
        if job.name in self._jobs:
            raise ValueError(f"job {job.name} is registered twice")
        self._jobs[job.name] = job

    @property
    def jobs(self) -> tuple[PeriodicJob, ...]:
        return tuple(self._jobs.values())

    async def run_due(self) -> list[str]:
        """Run every job whose interval has passed; returns the names run here."""
        ran: list[str] = []
        for job in self._jobs.values():
            now = self._clock.now()
            async with self._lock.claim(job.name, now, job.interval) as run:
                if run is None:
                    continue
                error: str | None = None
                # The run's own id goes on its log lines and on what it writes.
                with working_for(f"job-{uuid.uuid4().hex}", job=job.name):
                    try:
                        await job.run(now)
                    except Exception as exc:  # one failing job must not stop the others
                        error = error_label(exc)
                        logger.error("job_failed", job=job.name, error=error)
                    else:
                        logger.info("job_finished", job=job.name)
                await run.finish(self._clock.now(), error)
                ran.append(job.name)
        return ran
