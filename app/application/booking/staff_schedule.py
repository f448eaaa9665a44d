"""Staff edit what can be booked: services, weekly working hours, closed or extra hours.
Owner and assistant only; every change audited."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import msgspec

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.booking.callers import BOOKING_STAFF
from app.application.booking.practice_zone import practice_timezone
from app.application.booking.read_models import ScheduleExceptionView, ScheduleRuleView
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.booking.service import Service
from app.domain.errors import NotFound, ValidationFailed, VersionConflict
from app.domain.shared.time_range import TimeRange

T = TypeVar("T")
MAX_EXCEPTION_WINDOW = timedelta(days=400)


class StaffSchedule:
    def __init__(self, tx: BookingTransactions) -> None:
        self._tx = tx

    async def _audited(
        self, actor: Principal, action: str, entity: str, entity_id: str,
        work: Callable[[BookingUoW], Awaitable[T]],
    ) -> T:  # fmt: skip
        ensure_roles(actor, *BOOKING_STAFF)

        async def audited(uow: BookingUoW) -> T:
            result = await work(uow)
            await audit_action(uow, actor, action, entity, entity_id)
            return result

        return await self._tx.write(audited)

    async def services(self, actor: Principal) -> list[Service]:
        """Every service, whatever its status."""
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> list[Service]:
            return await uow.repos.services.list(include_unpublished=True)

        return await self._tx.read(work)

    async def add_service(self, actor: Principal, service: Service) -> Service:
        async def work(uow: BookingUoW) -> Service:
            await uow.repos.services.add(service)
            return service

        return await self._audited(actor, "service.create", "service", str(service.id), work)

    async def update_service(
        self, actor: Principal, service: Service, expected_version: int | None
    ) -> Service:
        async def work(uow: BookingUoW) -> Service:
            current = await uow.repos.services.get(service.id)
            if current is None:
                raise NotFound()
            version = expected_version if expected_version is not None else current.version
            return await uow.repos.services.update(service, version)

        return await self._audited(actor, "service.update", "service", str(service.id), work)

    async def rules(self, actor: Principal) -> list[ScheduleRuleView]:
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> list[ScheduleRuleView]:
            zone = await practice_timezone(uow)
            # Wall-clock times in the practice's zone, whatever zone they were entered in.
            return [
                msgspec.structs.replace(r, timezone=zone)
                for r in await uow.repos.schedule.list_rules()
            ]

        return await self._tx.read(work)

    async def add_rule(self, actor: Principal, rule: WeeklyRule) -> uuid.UUID:
        async def work(uow: BookingUoW) -> uuid.UUID:
            zone = await practice_timezone(uow)
            return await uow.repos.schedule.add_rule(dataclasses.replace(rule, timezone=zone))

        return await self._audited(
            actor, "schedule_rule.create", "schedule_rule", str(rule.weekday), work
        )

    async def delete_rule(self, actor: Principal, rule_id: uuid.UUID) -> None:
        async def work(uow: BookingUoW) -> None:
            if not await uow.repos.schedule.delete_rule(rule_id):
                raise NotFound()

        await self._audited(actor, "schedule_rule.delete", "schedule_rule", str(rule_id), work)

    async def add_exception(
        self, actor: Principal, exception: ScheduleException, reason: str | None
    ) -> uuid.UUID:
        async def work(uow: BookingUoW) -> uuid.UUID:
            return await uow.repos.schedule.add_exception(exception, reason)

        return await self._audited(
            actor, "schedule_exception.create", "schedule_exception", exception.kind, work
        )

    async def delete_exception(self, actor: Principal, exception_id: uuid.UUID) -> None:
        async def work(uow: BookingUoW) -> None:
            if not await uow.repos.schedule.delete_exception(exception_id):
                raise NotFound()

        await self._audited(
            actor, "schedule_exception.delete", "schedule_exception", str(exception_id), work
        )

    async def update_rule(
        self, actor: Principal, rule_id: uuid.UUID, rule: WeeklyRule,
        expected_version: int | None,
    ) -> ScheduleRuleView:  # fmt: skip
        """Replace a weekly rule (If-Match: its version; without it, the current one)."""

        async def work(uow: BookingUoW) -> ScheduleRuleView:
            current = await uow.repos.schedule.get_rule(rule_id)
            if current is None:
                raise NotFound()
            version = expected_version if expected_version is not None else current.version
            zone = await practice_timezone(uow)
            updated = await uow.repos.schedule.update_rule(
                rule_id, dataclasses.replace(rule, timezone=zone), version
            )
            if updated is None:
                raise VersionConflict()
            return updated

        return await self._audited(
            actor, "schedule_rule.update", "schedule_rule", str(rule_id), work
        )

    async def exceptions(self, actor: Principal, window: TimeRange) -> list[ScheduleExceptionView]:
        """Closed periods and extra hours touching ``window`` (≤ 400 days)."""
        ensure_roles(actor, *BOOKING_STAFF)
        if window.end - window.start > MAX_EXCEPTION_WINDOW:
            raise ValidationFailed("at most 400 days per request", field="to")

        async def work(uow: BookingUoW) -> list[ScheduleExceptionView]:
            return await uow.repos.schedule.list_exceptions(window)

        return await self._tx.read(work)

    async def update_exception(
        self, actor: Principal, exception_id: uuid.UUID, exception: ScheduleException,
        reason: str | None, expected_version: int | None,
    ) -> ScheduleExceptionView:  # fmt: skip
        """Replace an exception (If-Match: its version; without it, the current one)."""

        async def work(uow: BookingUoW) -> ScheduleExceptionView:
            current = await uow.repos.schedule.get_exception(exception_id)
            if current is None:
                raise NotFound()
            version = expected_version if expected_version is not None else current.version
            updated = await uow.repos.schedule.update_exception(
                exception_id, exception, reason, version
            )
            if updated is None:
                raise VersionConflict()
            return updated

        return await self._audited(
            actor, "schedule_exception.update", "schedule_exception", str(exception_id), work
        )
