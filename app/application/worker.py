"""The worker loop: relay events, send notifications, run periodic jobs, repeat.

When there is nothing to do it sleeps until an event is committed (or a poll interval
passes). A stop request lets the current round finish: nothing is cut in half.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import structlog

from app.application.notifications import NotificationSender
from app.application.outbox_relay import OutboxRelay, error_label
from app.application.scheduler import Scheduler

logger = structlog.get_logger(__name__)

# The longest an idle worker waits for a wake-up before it looks for due work anyway.
POLL_SECONDS = 5.0


class Wakeup(Protocol):
    async def wait(self, seconds: float) -> None: ...


class RoundObserver(Protocol):
    """Told when each round ends (metrics and the worker's liveness probe)."""

    def round_finished(self, *, failed: bool) -> None: ...


class _Unobserved:
    def round_finished(self, *, failed: bool) -> None:
        pass


async def run_round(relay: OutboxRelay, sender: NotificationSender, scheduler: Scheduler) -> int:
    """One round of work; returns how many events and messages were handled."""
    busy = await relay.run_once()
    busy += await sender.run_once()
    await scheduler.run_due()
    return busy


async def run_worker(
    relay: OutboxRelay,
    sender: NotificationSender,
    scheduler: Scheduler,
    wakeup: Wakeup,
    stop: asyncio.Event,
    *,
    poll_seconds: float = POLL_SECONDS,
    observer: RoundObserver | None = None,
) -> None:
    observer = observer or _Unobserved()
    logger.info("worker_started", jobs=[job.name for job in scheduler.jobs])
    while not stop.is_set():
        try:
            busy = await run_round(relay, sender, scheduler)
        except Exception as exc:  # e.g. the database is briefly unreachable
            logger.error("worker_round_failed", error=error_label(exc))
            observer.round_finished(failed=True)
            busy = 0
        else:
            observer.round_finished(failed=False)
        if busy or stop.is_set():
            continue
        waiting = asyncio.ensure_future(wakeup.wait(poll_seconds))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, stopping):
            task.cancel()
        await asyncio.gather(waiting, stopping, return_exceptions=True)
    logger.info("worker_stopped")
