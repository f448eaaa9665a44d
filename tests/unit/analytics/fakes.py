"""Analytics storage in memory: recorded events, retention settings, and the dashboards'
rows as the SQL would count them (given by the test)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.application.analytics.ports import (
    Attendance,
    EventProps,
    FunnelDay,
    FunnelRollUp,
    ModerationSla,
    RunCounts,
)
from tests.unit.memory import ManualClock, RollbackUnitOfWork


@dataclass
class Recorded:
    name: str
    occurred_at: datetime
    user_id: uuid.UUID | None = None
    anonymous_id: str | None = None
    deep_link_code: str | None = None
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class AnalyticsState:
    events: list[Recorded] = field(default_factory=list)
    webhook_events: list[datetime] = field(default_factory=list)  # when handled ones arrived
    settings: dict[str, int] = field(default_factory=dict)
    funnel: list[FunnelDay] = field(default_factory=list)
    runs: list[RunCounts] = field(default_factory=list)
    sla: ModerationSla = field(default_factory=lambda: ModerationSla(items_total=0,
                                                                      items_handled=0))  # fmt: skip
    attendance: list[Attendance] = field(default_factory=list)
    periods: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    roll_ups: int = 0
    funnel_purged_before: datetime | None = None


class FakeAnalyticsStore:
    def __init__(self, state: AnalyticsState, clock: ManualClock) -> None:
        self._state = state
        self._clock = clock

    async def record(
        self, name: str, user_id: uuid.UUID | None, anonymous_id: str | None,
        deep_link_code: str | None, props: EventProps,
    ) -> None:  # fmt: skip
        self._state.events.append(
            Recorded(name, self._clock.now(), user_id, anonymous_id, deep_link_code, dict(props))
        )

    async def record_appointment_step(
        self, name: str, appointment_id: uuid.UUID, occurred_at: datetime
    ) -> None:
        step = {"appointment": str(appointment_id)}
        if not any(e.name == name and e.props == step for e in self._state.events):
            self._state.events.append(Recorded(name, occurred_at, props=step))

    async def retention_days(self) -> int:
        return self._state.settings.get("retention.analytics_days", 365)

    async def purge(self, before: datetime) -> int:
        kept = [e for e in self._state.events if e.occurred_at >= before]
        purged = len(self._state.events) - len(kept)
        self._state.events = kept
        return purged

    async def webhook_retention_days(self) -> int:
        return self._state.settings.get("retention.webhook_events_days", 90)

    async def purge_webhook_events(self, before: datetime) -> int:
        kept = [at for at in self._state.webhook_events if at >= before]
        purged = len(self._state.webhook_events) - len(kept)
        self._state.webhook_events = kept
        return purged

    async def booking_funnel(
        self, date_from: datetime, date_to: datetime, tz: str
    ) -> list[FunnelDay]:
        self._state.periods.append((tz, date_from, date_to))
        return list(self._state.funnel)

    async def roll_up_booking_funnel(self) -> FunnelRollUp:
        self._state.roll_ups += 1
        return FunnelRollUp(events=0, rolled_through=None)

    async def purge_booking_funnel(self, before: datetime) -> int:
        self._state.funnel_purged_before = before
        return 0

    async def interactive_runs(self, date_from: datetime, date_to: datetime) -> list[RunCounts]:
        self._state.periods.append(("", date_from, date_to))
        return list(self._state.runs)

    async def moderation_sla(self, date_from: datetime, date_to: datetime) -> ModerationSla:
        self._state.periods.append(("", date_from, date_to))
        return self._state.sla

    async def no_show_rate(self, date_from: datetime, date_to: datetime) -> list[Attendance]:
        self._state.periods.append(("", date_from, date_to))
        return list(self._state.attendance)


def analytics_world(
    clock: ManualClock,
) -> tuple[AnalyticsState, RollbackUnitOfWork[FakeAnalyticsStore]]:
    state = AnalyticsState()
    return state, RollbackUnitOfWork(FakeAnalyticsStore(state, clock), state)
