"""Random holds, cancellations, hold expiries and reschedules, as hypothesis chooses
them, never leave two live appointments overlapping: the database guarantees it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from psycopg import errors

T0 = datetime(2030, 6, 4, 6, 0, tzinfo=UTC)
SLOT = timedelta(minutes=30)


def insert(db: psycopg.Connection[Any], service: uuid.UUID, client: uuid.UUID, start: datetime,
           minutes: int, after: int) -> uuid.UUID:  # fmt: skip
    end = start + timedelta(minutes=minutes)
    row = db.execute(
        """INSERT INTO appointments (service_id, client_user_id, start_at, end_at, blocked_period,
                                     timezone, status, format, hold_expires_at)
           VALUES (%(s)s, %(c)s, %(a)s, %(b)s, tstzrange(%(a)s, %(b)s + make_interval(mins => %(buf)s)),
                   'UTC', 'pending_payment', 'online', %(a)s)
           RETURNING id""",
        {"s": service, "c": client, "a": start, "b": end, "buf": after},
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


class Booking(RuleBasedStateMachine):
    db: psycopg.Connection[Any]

    def __init__(self) -> None:
        super().__init__()
        self.live: list[uuid.UUID] = []

    @initialize()
    def fresh(self) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM appointments")
            self.db.execute("DELETE FROM services")
            self.service = self.db.execute(
                """INSERT INTO services (slug, title, format, duration_minutes, price_amount)
                   VALUES ('s', 's', 'online', 60, 100) RETURNING id"""
            ).fetchone()[0]  # type: ignore[index]
            self.client = self.db.execute(
                "INSERT INTO users (email) VALUES (%(e)s) RETURNING id",
                {"e": f"{uuid.uuid4().hex}@example.org"},
            ).fetchone()[0]  # type: ignore[index]

    @rule(
        slot=st.integers(0, 16),
        minutes=st.sampled_from([30, 50, 60, 90]),
        after=st.sampled_from([0, 10]),
    )
    def hold(self, slot: int, minutes: int, after: int) -> None:
        try:
            with self.db.transaction():
                self.live.append(
                    insert(self.db, self.service, self.client, T0 + slot * SLOT, minutes, after)
                )
        except errors.ExclusionViolation:
            pass  # the slot was taken: 409 slot_unavailable

    def _pick(self, data: st.DataObject) -> uuid.UUID | None:
        return data.draw(st.sampled_from(self.live)) if self.live else None

    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        chosen = self._pick(data)
        if chosen is not None:
            with self.db.transaction():
                self.db.execute(
                    "UPDATE appointments SET status = 'confirmed', hold_expires_at = NULL "
                    "WHERE id = %(i)s AND status = 'pending_payment'", {"i": chosen},
                )  # fmt: skip

    @rule(data=st.data(), reason=st.sampled_from(["client_request", "hold_expired"]))
    def cancel_or_expire(self, data: st.DataObject, reason: str) -> None:
        chosen = self._pick(data)
        if chosen is not None:
            with self.db.transaction():
                self.db.execute(
                    "UPDATE appointments SET status = 'canceled', canceled_at = now(), "
                    "cancel_reason = %(r)s WHERE id = %(i)s", {"i": chosen, "r": reason},
                )  # fmt: skip
            self.live.remove(chosen)

    @rule(data=st.data(), slot=st.integers(0, 16))
    def reschedule(self, data: st.DataObject, slot: int) -> None:
        chosen = self._pick(data)
        if chosen is None:
            return
        try:
            with self.db.transaction():
                self.db.execute(
                    "UPDATE appointments SET status = 'rescheduled' WHERE id = %(i)s", {"i": chosen}
                )
                new = insert(self.db, self.service, self.client, T0 + slot * SLOT, 60, 10)
        except errors.ExclusionViolation:
            return  # rolled back: the old appointment stays as it was
        self.live.remove(chosen)
        self.live.append(new)

    @invariant()
    def no_two_live_appointments_overlap(self) -> None:
        overlaps = self.db.execute(
            """SELECT count(*) FROM appointments a JOIN appointments b
                 ON a.id < b.id AND a.blocked_period && b.blocked_period
               WHERE a.status IN ('pending_payment', 'confirmed')
                 AND b.status IN ('pending_payment', 'confirmed')"""
        ).fetchone()
        assert overlaps == (0,)
        live = self.db.execute(
            "SELECT count(*) FROM appointments WHERE status IN ('pending_payment', 'confirmed')"
        ).fetchone()
        assert live == (len(self.live),)


@pytest.mark.migrations
def test_random_booking_histories_never_double_book(postgresql: psycopg.Connection[Any]) -> None:
    postgresql.autocommit = True
    Booking.db = postgresql
    Booking.TestCase.settings = settings(
        max_examples=40, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )  # fmt: skip
    Booking.TestCase().runTest()
