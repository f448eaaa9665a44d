"""The run-time settings staff may change, each with the shape its value must have."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec

from app.domain.errors import NotFound, ValidationFailed


class CrisisContact(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class CrisisResources(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    contacts: Annotated[list[CrisisContact], msgspec.Meta(min_length=1, max_length=10)]


Hours = Annotated[int, msgspec.Meta(ge=1, le=168)]
SCHEMAS: Mapping[str, Any] = {
    "practitioner.timezone": Annotated[str, msgspec.Meta(min_length=1, max_length=64)],
    "booking.hold_minutes": Annotated[int, msgspec.Meta(ge=5, le=120)],
    "booking.reminder_offsets_hours": Annotated[list[Hours], msgspec.Meta(max_length=5)],
    "moderation.sla_hours": Hours,
    "moderation.crisis_sla_hours": Annotated[int, msgspec.Meta(ge=1, le=24)],
    "retention.analytics_days": Annotated[int, msgspec.Meta(ge=30, le=3650)],
    "retention.webhook_events_days": Annotated[int, msgspec.Meta(ge=7, le=3650)],
    "retention.notification_deliveries_days": Annotated[int, msgspec.Meta(ge=7, le=3650)],
    "crisis.resources": CrisisResources,
}


def validate_setting(key: str, value: Any) -> Any:
    """The value as JSON-ready data, or NotFound (unknown key) / ValidationFailed."""
    schema = SCHEMAS.get(key)
    if schema is None:
        raise NotFound()
    try:
        checked = msgspec.convert(value, schema)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"{key}: {exc}", field="value") from None
    if key == "practitioner.timezone":
        try:
            ZoneInfo(checked)
        except (KeyError, ValueError):
            raise ValidationFailed("not an IANA time zone", field="value") from None
    if key == "booking.reminder_offsets_hours" and len(set(checked)) != len(checked):
        raise ValidationFailed("offsets must differ", field="value")
    return msgspec.to_builtins(checked)
