"""Staff-editable settings drive holds: the hold length comes from system_settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.ports import GuestContact
from app.bootstrap import Core


async def test_hold_length_follows_the_setting(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    postgresql.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status)
           VALUES ('s', 'Сеанс', 'online', 60, 100, 'published')"""
    )
    postgresql.execute(
        """INSERT INTO schedule_rules (weekday, start_time, end_time, timezone)
           SELECT d, '00:00', '23:59', 'UTC' FROM generate_series(1, 7) d"""
    )
    postgresql.execute("UPDATE system_settings SET value = '7' WHERE key = 'booking.hold_minutes'")
    postgresql.commit()
    start = (core.clock.now() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    held = await core.booking.holding.hold(
        Caller(None),
        HoldRequest(service_slug="s", start_at=start, format="online", timezone="UTC",
                    contact=GuestContact("Гость", "g@example.org", None),
                    consents=(("personal_data", True, "1"),)),
    )  # fmt: skip
    assert not held.replayed
    postgresql.commit()
    created, expires = postgresql.execute(
        "SELECT created_at, hold_expires_at FROM appointments"
    ).fetchone()  # type: ignore[misc]
    assert timedelta(minutes=6) < expires - created <= timedelta(minutes=7, seconds=1)
