"""Questions and reviews as moderators and authors read them, and the moderation flow:
which action may follow which status."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from app.domain.errors import InvalidState

FLOW: dict[str, tuple[str, tuple[str, ...]]] = {
    "approve": ("approved", ("pending",)),
    "reject": ("rejected", ("pending", "approved")),
    "answer": ("answered", ("pending", "approved")),
    "publish": ("published", ("approved", "answered")),
}
"""action -> (the status it leads to, the statuses it may start from)."""


def next_status(action: str, current: str) -> str:
    """The status ``action`` leads to from ``current``; InvalidState when not allowed."""
    status, allowed_from = FLOW[action]
    if current not in allowed_from:
        raise InvalidState(f"Not possible for a {current} item.")
    return status


class ItemState(msgspec.Struct, frozen=True, kw_only=True):
    """An item locked for an action."""

    id: uuid.UUID
    kind: str
    status: str
    version: int


class QueueEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: str
    status: str
    topic_code: str | None
    sla_due_at: datetime
    created_at: datetime
    triggers: list[str]
    urgent: bool
    breached: bool = False


class ItemTrigger(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    source: str


class ItemAction(msgspec.Struct, frozen=True, kw_only=True):
    actor_id: uuid.UUID
    action: str
    reason_code: str | None
    created_at: datetime


class ItemAnswer(msgspec.Struct, frozen=True, kw_only=True):
    author_id: uuid.UUID
    created_at: datetime
    published_content_id: uuid.UUID | None
    body: str


class UgcItem(msgspec.Struct, frozen=True, kw_only=True):
    """An item with its text (P2, decrypted), flags, actions and answers."""

    id: uuid.UUID
    kind: str
    topic_code: str | None
    status: str
    sla_due_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int
    text: str
    triggers: list[ItemTrigger]
    actions: list[ItemAction]
    answers: list[ItemAnswer]


class Crisis(msgspec.Struct, frozen=True, kw_only=True):
    triggered: bool
    resources: dict[str, Any] | None = None


class Submitted(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    status: str
    crisis: Crisis
    reading_token: str | None = None
    """An author without an account reads the answer with it; shown once, stored hashed."""
    reading_url: str | None = None
    """The site's page that reads the answer with that token."""
