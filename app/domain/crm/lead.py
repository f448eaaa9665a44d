"""Leads as staff read them: the list row, and one lead with its identities, P0
timeline, notes (decrypted) and the other leads that gave one of its contacts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class LeadSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    status: str
    source: str
    display_name: str | None
    assigned_to: uuid.UUID | None
    converted_user_id: uuid.UUID | None
    first_touch: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int


class LeadIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """A contact the lead gave: a claim, never proof of who gave it."""

    kind: str
    value: str
    created_at: datetime


class TimelineEvent(msgspec.Struct, frozen=True, kw_only=True):
    event_type: str
    occurred_at: datetime
    props: dict[str, Any]


class LeadNote(msgspec.Struct, frozen=True, kw_only=True):
    author_id: uuid.UUID | None
    created_at: datetime
    body: str


class MergeSuggestion(msgspec.Struct, frozen=True, kw_only=True):
    """Another lead that gave the same contact of this kind; staff decide."""

    id: uuid.UUID
    kind: str


class Lead(LeadSummary, frozen=True, kw_only=True):
    identities: list[LeadIdentity]
    timeline: list[TimelineEvent]
    notes: list[LeadNote]
    merge_suggestions: list[MergeSuggestion]


class ClientMatch(msgspec.Struct, frozen=True, kw_only=True):
    """An account or a lead whose contact is exactly the one staff looked up.
    ``verified``: the account confirmed that contact (a lead's contacts are claims)."""

    kind: str  # "user" | "lead"
    id: uuid.UUID
    display_name: str | None
    status: str
    verified: bool
