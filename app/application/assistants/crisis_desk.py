"""What crisis words written to an assistant get besides the crisis resources: a P0 flag
(counted, not attributed) and the staff alert, in one transaction (the alert goes
through the outbox)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.assistants.events import AssistantCrisisSignalled
from app.domain.shared.ids import new_id


class CrisisRecords(Protocol):
    async def record_crisis_flag(self, channel: str) -> None:
        """A P0 analytics flag naming nobody (the hour and the channel only)."""
        ...

    async def crisis_resources(self) -> dict[str, Any]:
        """The ``crisis.resources`` setting ({} when none is set)."""
        ...


class AssistantCrisisDesk:
    def __init__(self, uow: Callable[[], UnitOfWork[CrisisRecords]], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def signal(self, channel: str) -> None:
        async def work(uow: UnitOfWork[CrisisRecords]) -> None:
            await uow.repos.record_crisis_flag(channel)
            signal = new_id()  # the event names no person and no conversation
            uow.publish(
                AssistantCrisisSignalled(
                    event_id=signal, occurred_at=self._clock.now(), aggregate_id=str(signal)
                )
            )

        await in_transaction(self._uow, work)

    async def resources(self) -> dict[str, Any]:
        async def work(uow: UnitOfWork[CrisisRecords]) -> dict[str, Any]:
            return await uow.repos.crisis_resources()

        return await in_transaction(self._uow, work)
