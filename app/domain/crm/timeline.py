"""What a lead's timeline and first touch may hold: P0 only, and only the keys each event
type names. Staff read the timeline; a person's words or contacts never reach it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.errors import ValidationFailed
from app.domain.shared.privacy import ensure_p0

MAX_SHORT = 64
"""A timeline value is a code, an id or a level: longer strings are free text."""

EVENT_PROPS: Mapping[str, frozenset[str]] = {
    "web_form.submitted": frozenset({"topic", "entry_point"}),
    "booking.held": frozenset({"service", "appointment"}),
    # The rest of a booking's life, recorded from the appointment's events: which
    # appointment only (never its time, place or the reason given).
    "booking.paid": frozenset({"appointment"}),
    "booking.confirmed": frozenset({"appointment"}),
    "booking.rescheduled": frozenset({"appointment", "new_appointment"}),
    "booking.canceled": frozenset({"appointment"}),
    "booking.completed": frozenset({"appointment"}),
    "booking.no_show": frozenset({"appointment"}),
    # Which self-check, never its result: a band or crisis flag beside the lead's contact
    # details is a health fact about a person (P2).
    "interactive.completed": frozenset({"interactive"}),
    "telegram.started": frozenset({"purpose"}),
    "lead.created": frozenset(),
    "lead.status_changed": frozenset({"from", "to"}),
    "lead.assigned": frozenset(),
    "lead.converted": frozenset(),
    "lead.note_added": frozenset(),
    "lead.merged": frozenset(),
}
FIRST_TOUCH_KEYS = frozenset(
    {"entry_point", "topic", "purpose", "page", "deep_link", "utm_source", "utm_medium",
     "utm_campaign", "utm_content", "utm_term", "referrer"}
)  # fmt: skip
LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "lost")
BOOKING_LIFECYCLE = frozenset(
    {"booking.paid", "booking.confirmed", "booking.rescheduled", "booking.canceled",
     "booking.completed", "booking.no_show"}
)  # fmt: skip
"""Timeline events recorded once per appointment from the appointment's own events."""


def _short_values(props: Mapping[str, Any], where: str) -> None:
    for key, value in props.items():
        if isinstance(value, str) and len(value) > MAX_SHORT:
            raise ValidationFailed(f"{where}: field '{key}' is too long for a code", field=key)
        if isinstance(value, Mapping | list | tuple):
            raise ValidationFailed(f"{where}: field '{key}' must be a plain value", field=key)


def validate_event(event_type: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """The props of a timeline event, or ValidationFailed: a known event type, keys from
    its allow-list, short plain values that look like neither e-mail nor phone."""
    allowed = EVENT_PROPS.get(event_type)
    if allowed is None:
        raise ValidationFailed(f"unknown timeline event {event_type}", field="event_type")
    unknown = sorted(set(props) - allowed)
    if unknown:
        raise ValidationFailed(f"{event_type} does not carry '{unknown[0]}'", field=unknown[0])
    _short_values(props, event_type)
    ensure_p0(props, where=event_type)
    return dict(props)


def validate_first_touch(values: Mapping[str, Any]) -> dict[str, Any]:
    """Where a lead came from: entry point, topic, deep link, UTM tags (P0 only)."""
    unknown = sorted(set(values) - FIRST_TOUCH_KEYS)
    if unknown:
        raise ValidationFailed(f"metadata does not carry '{unknown[0]}'", field="metadata")
    _short_values(values, "metadata")
    ensure_p0(values, where="metadata")
    return dict(values)
