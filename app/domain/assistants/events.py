"""Assistants' events. A crisis signal carries a fresh id of its own: no conversation,
no person (a crisis flag beside an identity is a health fact about them)."""

from __future__ import annotations

from typing import ClassVar

from app.domain.shared.events import DomainEvent


class AssistantCrisisSignalled(DomainEvent, frozen=True, kw_only=True):
    """Someone wrote crisis words to the booking concierge; staff are alerted."""

    event_type: ClassVar[str] = "assistants.crisis_signalled"
    aggregate_type: ClassVar[str] = "crisis_signal"
