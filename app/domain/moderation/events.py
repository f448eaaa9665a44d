"""Moderation's events (ids and times only: never the text, never the author)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from app.domain.shared.events import DomainEvent


class CrisisQuestionReceived(DomainEvent, frozen=True, kw_only=True):
    """A question with a crisis flag arrived; the item (``aggregate_id``) names no author."""

    event_type: ClassVar[str] = "moderation.crisis_question_received"
    aggregate_type: ClassVar[str] = "ugc_item"
    sla_due_at: datetime
