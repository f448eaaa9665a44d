"""Identity events (P0: ids only)."""

from __future__ import annotations

from typing import ClassVar

from app.domain.shared.events import DomainEvent


class DataExportRequested(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "identity.data_export_requested"
    aggregate_type: ClassVar[str] = "user"
    export_id: str


class ErasureRequested(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "identity.erasure_requested"
    aggregate_type: ClassVar[str] = "user"
    request_id: str
