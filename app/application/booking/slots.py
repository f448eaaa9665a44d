"""Published services and their free start times (the exclusion constraint in the
database is the guarantee against double booking; free times only give a friendlier
answer)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.application.booking.offers import kept_for_others
from app.application.booking.ports import CalendarGateway
from app.application.booking.practice_zone import practice_rules, practice_timezone
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock
from app.domain.booking.availability import free_slots
from app.domain.booking.service import Service
from app.domain.errors import NotFound, ValidationFailed
from app.domain.shared.time_range import TimeRange

MAX_WINDOW = timedelta(days=31)


async def published(uow: BookingUoW, slug: str) -> Service:
    service = await uow.repos.services.by_slug(slug)
    if service is None or not service.is_published:
        raise NotFound()
    return service


async def external_busy(calendar: CalendarGateway | None, window: TimeRange) -> list[TimeRange]:
    """The practitioner's busy time elsewhere (none without a calendar)."""
    return await calendar.busy(window) if calendar is not None else []


def local_times(starts: Sequence[datetime], tz: str) -> list[str]:
    zone = ZoneInfo(tz)
    return [s.astimezone(zone).isoformat() for s in starts]


class ServiceSlots:
    def __init__(
        self, tx: BookingTransactions, clock: Clock, calendar: CalendarGateway | None = None
    ) -> None:
        self._tx = tx
        self._clock = clock
        self._calendar = calendar
        # Lists being read now, by key: a request that asks for one waits for that read
        # instead of starting its own (when a remembered list lapses, the requests in
        # flight would otherwise all read the same thing at once).
        self._reading: dict[object, asyncio.Future[list[datetime]]] = {}

    async def services(self) -> list[Service]:
        async def work(uow: BookingUoW) -> list[Service]:
            return await uow.repos.services.list(include_unpublished=False)

        return await self._tx.read(work)

    async def service(self, slug: str) -> Service:
        async def work(uow: BookingUoW) -> Service:
            return await published(uow, slug)

        return await self._tx.read(work)

    async def slots(
        self, slug: str, start: datetime, end: datetime, viewer: uuid.UUID | None = None
    ) -> list[datetime]:
        """Free start times; a slot a waitlist offer keeps is free only for ``viewer``,
        the signed-in person it was offered to."""
        if end <= start:
            raise ValidationFailed("'to' must be after 'from'", field="to")
        if end - start > MAX_WINDOW:
            raise ValidationFailed("at most 31 days per request", field="to")
        window = TimeRange(start, end)
        now = self._clock.now()
        key = (slug, start, end, now.replace(second=0, microsecond=0), viewer)
        remembered = self._tx.slot_lists.get(key)
        if remembered is not None:
            return remembered
        while (pending := self._reading.get(key)) is not None:
            try:
                return list(await asyncio.shield(pending))
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not pending.cancelled() or (task is not None and task.cancelling()):
                    raise  # this request was cancelled, not (only) the read it waited for
            # the read it waited for was cancelled: wait for another one, or read here
        reading: asyncio.Future[list[datetime]] = asyncio.get_running_loop().create_future()
        self._reading[key] = reading
        try:
            found = await self._read(slug, window, now, viewer)
        except asyncio.CancelledError:
            reading.cancel()
            raise
        except BaseException as exc:
            reading.set_exception(exc)
            reading.exception()  # retrieved here: the waiters (if any) raise it too
            raise
        else:
            reading.set_result(found)
        finally:
            if self._reading.get(key) is reading:
                del self._reading[key]
        self._tx.slot_lists.put(key, found)
        return found

    async def _read(
        self, slug: str, window: TimeRange, now: datetime, viewer: uuid.UUID | None
    ) -> list[datetime]:
        day = timedelta(days=1)
        external = await external_busy(self._calendar, window.expanded(day, day))

        async def work(uow: BookingUoW) -> list[datetime]:
            service = await published(uow, slug)
            rules = service.slot_rules
            busy_window = window.expanded(rules.duration * 2, rules.duration * 2)
            offers = await uow.repos.waitlist.standing_offers(busy_window, now)
            return free_slots(
                rules=await practice_rules(uow, service.id),
                exceptions=await uow.repos.schedule.exceptions_in(busy_window),
                busy=[
                    *await uow.repos.appointments.busy_in(busy_window),
                    *external,
                    *kept_for_others(offers, viewer, None),
                ],
                slot=rules,
                window=window,
                now=now,
            )

        return await self._tx.read(work)

    async def practice_timezone(self) -> str:
        """The practice's zone (``practitioner.timezone``), as staff set it."""
        return await self._tx.read(practice_timezone)

    def forget_remembered(self) -> None:
        """Drop remembered slot lists and refused starts (a setting that shapes free time
        has changed)."""
        self._tx.forget()
