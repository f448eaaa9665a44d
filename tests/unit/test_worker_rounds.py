"""The worker loop tells its observer how each round ended (the worker's counters and
its liveness probe are built on that)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from app.application.notifications import NotificationSender
from app.application.outbox_relay import OutboxRelay
from app.application.scheduler import Scheduler
from app.application.worker import run_worker


class Relay:
    def __init__(self, failures: int) -> None:
        self.failures = failures

    async def run_once(self) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database away")
        return 0


class Sender:
    async def run_once(self) -> int:
        return 0


class NoJobs:
    jobs: tuple[Any, ...] = ()

    async def run_due(self) -> list[str]:
        return []


class Observer:
    def __init__(self, stop: asyncio.Event, rounds: int) -> None:
        self.ended: list[bool] = []
        self._stop, self._rounds = stop, rounds

    def round_finished(self, *, failed: bool) -> None:
        self.ended.append(failed)
        if len(self.ended) == self._rounds:
            self._stop.set()


class NoWait:
    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(0)


async def test_each_round_is_reported_failed_or_not() -> None:
    stop = asyncio.Event()
    observer = Observer(stop, rounds=3)
    await asyncio.wait_for(
        run_worker(
            cast(OutboxRelay, Relay(failures=2)), cast(NotificationSender, Sender()),
            cast(Scheduler, NoJobs()), NoWait(), stop, observer=observer,
        ),
        timeout=5,
    )  # fmt: skip
    assert observer.ended == [True, True, False]
