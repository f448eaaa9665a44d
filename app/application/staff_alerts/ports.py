"""What staff alerts need: the staff who may receive a kind (with their choice), the
person's own choices, and the few P0 facts an alert names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.application.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff member as an alert sees them: where to write and what they chose."""

    user_id: uuid.UUID
    roles: frozenset[str]
    email: str | None
    telegram_chat_id: int | None
    """Their linked Telegram chat, unless they blocked the bot or sent /stop."""
    choice: bool | None
    """Their choice for the kind asked about; None when they made none (the default)."""


@dataclass(frozen=True, slots=True)
class AppointmentFacts:
    service_title: str
    start_at: datetime
    rescheduled: bool = False
    """It replaces an appointment that was moved (its confirmation is no new booking)."""


@dataclass(frozen=True, slots=True)
class SlaItem:
    item_id: uuid.UUID
    sla_due_at: datetime


class StaffAlertStore(Protocol):
    async def staff_for(self, kind: str) -> list[StaffMember]:
        """Every active staff member, with their choice for ``kind``."""
        ...

    async def choices(self, user_id: uuid.UUID) -> dict[str, bool]: ...

    async def set_choice(
        self, user_id: uuid.UUID, kind: str, enabled: bool, now: datetime
    ) -> None: ...

    async def appointment(self, appointment_id: uuid.UUID) -> AppointmentFacts | None: ...

    async def items_near_sla(self, until: datetime, limit: int) -> list[SlaItem]:
        """Pending moderation items whose SLA ends by ``until`` (earliest first)."""
        ...


StaffAlertsUoW = UnitOfWork[StaffAlertStore]
