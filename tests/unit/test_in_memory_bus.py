"""The in-memory unit of work and bus: what use-case unit tests run against."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.events import EventHandlers
from app.application.ports import AuditEntry, NotificationRequest
from app.domain.errors import ValidationFailed
from app.domain.shared.events import Aggregate, DomainEvent


class Greeted(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "test.greeted"
    aggregate_type: ClassVar[str] = "greeter"
    times: int


class Greeter(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.id = uuid.uuid4()

    def greet(self) -> None:
        self.record(
            Greeted(
                event_id=uuid.uuid4(),
                occurred_at=datetime.now(UTC),
                aggregate_id=str(self.id),
                times=1,
            )
        )


def request(key: str) -> NotificationRequest:
    return NotificationRequest(
        channel="email", template_code="auth.login_code", recipient_kind="login_code",
        recipient_id="1", dedupe_key=key, to="a@example.org", variables={"code": "1"},
    )  # fmt: skip


async def test_events_reach_handlers_only_on_commit() -> None:
    handlers = EventHandlers()
    seen: list[Greeted] = []

    async def remember(event: Greeted) -> None:
        seen.append(event)

    handlers.subscribe(Greeted, "remember", remember)
    bus = InMemoryEventBus(handlers)
    uow = InMemoryUnitOfWork(repos=None, bus=bus)

    async with uow:
        greeter = Greeter()
        greeter.greet()
        uow.track(greeter)
        await uow.audit.record(
            AuditEntry(actor_id="s1", actor_role="owner", action="x.y", entity_type="greeter")
        )
        assert await uow.notifications.enqueue(request("k1"))
    assert seen == []  # left without commit: nothing happened
    assert uow.audit_log == []

    async with uow:
        greeter = Greeter()  # a rolled-back aggregate is not reused
        greeter.greet()
        uow.track(greeter)
        await uow.notifications.enqueue(request("k1"))
        await uow.commit()
    assert [e.times for e in seen] == [1]
    assert [n.dedupe_key for n in uow.notifications_queued] == ["k1"]

    async with uow:
        assert not await uow.notifications.enqueue(request("k1"))  # already queued once


async def test_audit_details_must_be_p0() -> None:
    uow = InMemoryUnitOfWork(repos=None, bus=InMemoryEventBus(EventHandlers()))
    async with uow:
        with pytest.raises(ValidationFailed):
            await uow.audit.record(
                AuditEntry(actor_id="s1", actor_role="owner", action="user.update",
                           entity_type="user", details={"email": "a@b.ru"})
            )  # fmt: skip


def test_handler_names_are_unique_per_event() -> None:
    handlers = EventHandlers()

    async def noop(_: Greeted) -> None:
        return None

    handlers.subscribe(Greeted, "a", noop)
    with pytest.raises(ValueError, match="already subscribed"):
        handlers.subscribe(Greeted, "a", noop)
    assert handlers.event_class("test.greeted") is Greeted
    assert handlers.event_class("unknown") is None
