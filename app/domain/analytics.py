"""The tracking plan: which events the site may send and what their props may hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.errors import ValidationFailed
from app.domain.shared.privacy import ensure_p0

EVENT_NAMES = frozenset(
    {
        "page.viewed", "content.viewed", "interactive.started", "interactive.completed",
        "booking.started", "booking.slot_selected", "booking.held", "booking.paid",
        "telegram.started", "question.submitted",
    }
)  # fmt: skip
MAX_PROPS = 20
MAX_VALUE = 100
HEALTH_KEYS = frozenset(
    {"result", "result_level", "result_profile", "level", "profile", "score", "crisis",
     "crisis_triggered", "triggers"}
)  # fmt: skip
"""An event carries the visitor's id (and the user's, when signed in): a self-check's
result or a crisis flag beside it would be a health fact about a person (P2)."""


def validate_event(name: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """An allowed name and P0 props: at most 20 plain values, nothing that looks like
    contact data or free text, and no result or crisis flag."""
    if name not in EVENT_NAMES:
        raise ValidationFailed("this event is not in the tracking plan", field="name")
    if len(props) > MAX_PROPS:
        raise ValidationFailed(f"at most {MAX_PROPS} props", field="props")
    for key, value in props.items():
        if key.lower() in HEALTH_KEYS:
            raise ValidationFailed(f"props: '{key}' would be a health fact", field="props")
        if isinstance(value, Mapping | list | tuple):
            raise ValidationFailed(f"props: '{key}' must be a plain value", field="props")
        if isinstance(value, str) and len(value) > MAX_VALUE:
            raise ValidationFailed(f"props: '{key}' is too long", field="props")
    ensure_p0(props, where="props")
    return dict(props)
