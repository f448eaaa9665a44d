"""The unit of work over psycopg: one connection, one transaction, explicit commit.

    async with uow_factory() as uow:
        appointment = await uow.repos.appointments.get(appointment_id)
        appointment.confirm(...)          # records AppointmentConfirmed
        await uow.repos.appointments.save(appointment)   # tracks the aggregate
        await uow.commit()                # events → outbox, then COMMIT

Leaving the block without ``commit()`` rolls back. Database errors leaving the block
(or raised by commit) are translated once, here, into domain errors.

A *reading* unit (``autocommit=True``) runs its statements outside a transaction: no
BEGIN and no COMMIT or ROLLBACK, two round trips fewer for a read that is one statement
(a public page). Each statement sees its own snapshot, so it is for reads whose
statements need not agree with each other; it refuses to publish events.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import psycopg

from app.adapters.postgres.audit import PostgresAuditTrail
from app.adapters.postgres.database import Database
from app.adapters.postgres.errors import translate
from app.adapters.postgres.notifications import PostgresNotificationOutbox
from app.adapters.postgres.outbox import OutboxEventBus
from app.adapters.postgres.session import Session
from app.application.ports import Cipher, Clock
from app.domain.shared.events import Aggregate, DomainEvent

R = TypeVar("R")


class UnitOfWorkClosed(RuntimeError):
    """The unit of work was used outside its ``async with`` block or after commit."""


class PostgresUnitOfWork(Generic[R]):
    def __init__(
        self,
        database: Database,
        make_repos: Callable[[Session], R],
        *,
        cipher: Cipher,
        clock: Clock,
        autocommit: bool = False,
    ) -> None:
        self._db = database
        self._autocommit = autocommit
        self._make_repos = make_repos
        self._cipher = cipher
        self._clock = clock
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._session: Session | None = None
        self._repos: R | None = None
        self._tracked: list[Aggregate] = []
        self._published: list[DomainEvent] = []
        self._committed = False

    @property
    def session(self) -> Session:
        if self._session is None or self._committed:
            raise UnitOfWorkClosed("no open transaction")
        return self._session

    @property
    def repos(self) -> R:
        if self._repos is None or self._committed:
            raise UnitOfWorkClosed("no open transaction")
        return self._repos

    @property
    def audit(self) -> PostgresAuditTrail:
        return PostgresAuditTrail(self.session)

    @property
    def notifications(self) -> PostgresNotificationOutbox:
        return PostgresNotificationOutbox(self.session)

    def track(self, aggregate: Aggregate) -> None:
        if aggregate not in self._tracked:
            self._tracked.append(aggregate)

    def publish(self, *events: DomainEvent) -> None:
        self._published.extend(events)

    async def __aenter__(self) -> Self:
        self._conn = await self._db.pool.getconn()
        if self._autocommit:
            try:
                await self._conn.set_autocommit(True)  # client-side: no round trip
            except BaseException:
                await self._db.pool.putconn(self._conn)
                self._conn = None
                raise
        self._session = Session(
            conn=self._conn,
            queries=self._db.queries,
            cipher=self._cipher,
            clock=self._clock,
            track=self.track,
        )
        self._repos = self._make_repos(self._session)
        return self

    async def commit(self) -> None:
        session = self.session
        events = list(self._published)
        for aggregate in self._tracked:
            events.extend(aggregate.pull_events())
        if self._autocommit:
            if events:
                raise UnitOfWorkClosed("a reading unit of work cannot publish events")
            self._committed = True
            return
        try:
            await OutboxEventBus(session).publish(events)
            await session.conn.commit()
        except psycopg.Error as exc:
            translated = translate(exc)
            if translated is not None:
                raise translated from exc
            raise
        self._committed = True
        self._published.clear()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        self._conn = self._session = self._repos = None
        if conn is not None:
            try:
                if self._autocommit and not conn.closed:
                    try:
                        await conn.set_autocommit(False)  # as the pool hands them out
                    except psycopg.Error:
                        await conn.close()  # never back in the pool still autocommitting
                elif not self._committed and not conn.closed:
                    await conn.rollback()
            finally:
                await self._db.pool.putconn(conn)
        if exc is not None:
            translated = translate(exc)
            if translated is not None:
                raise translated from exc


def unit_of_work_factory(
    database: Database,
    make_repos: Callable[[Session], R],
    *,
    cipher: Cipher,
    clock: Clock,
    autocommit: bool = False,
) -> Callable[[], PostgresUnitOfWork[R]]:
    """What bootstrap hands to use cases: each call opens a new unit of work
    (``autocommit``: a reading one, see the module's doc)."""

    def factory() -> PostgresUnitOfWork[R]:
        return PostgresUnitOfWork(
            database, make_repos, cipher=cipher, clock=clock, autocommit=autocommit
        )

    return factory
