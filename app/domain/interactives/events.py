"""Self-checks' events. A crisis signal carries a fresh id of its own: no run, no person
(a crisis flag beside an identity is a health fact about them)."""

from __future__ import annotations

from typing import ClassVar

from app.domain.shared.events import DomainEvent


class SelfCheckCrisisSignalled(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "interactives.crisis_signalled"
    aggregate_type: ClassVar[str] = "crisis_signal"
