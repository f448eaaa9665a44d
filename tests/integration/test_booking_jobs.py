"""Booking jobs: reminders go out once per offset; a payment after the hold expired is
refunded in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from app.bootstrap import Core


def confirmed_appointment(
    db: psycopg.Connection[Any], start: datetime, status: str = "confirmed"
) -> Any:
    service = db.execute(
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount, status)
           VALUES ('s', 'Сеанс', 'online', 60, 3500, 'published') RETURNING id"""
    ).fetchone()[0]  # type: ignore[index]
    user = db.execute("INSERT INTO users (email) VALUES ('r@example.org') RETURNING id").fetchone()[
        0
    ]  # type: ignore[index]
    db.execute(  # reminders go by e-mail under the communications consent
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           VALUES (%(u)s, 'communications', true, '2026-01', 'web')""",
        {"u": user},
    )
    appointment = db.execute(
        """INSERT INTO appointments (service_id, client_user_id, start_at, end_at, blocked_period,
               timezone, status, format, hold_expires_at, canceled_at)
           VALUES (%(s)s, %(u)s, %(a)s, %(b)s, tstzrange(%(a)s, %(b)s), 'Europe/Moscow', %(st)s,
                   'online', CASE WHEN %(st)s = 'pending_payment' THEN %(a)s END,
                   CASE WHEN %(st)s = 'canceled' THEN now() END) RETURNING id""",
        {"s": service, "u": user, "a": start, "b": start + timedelta(hours=1), "st": status},
    ).fetchone()[0]  # type: ignore[index]
    db.commit()
    return appointment


async def test_reminders_go_out_once_per_offset(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    now = core.clock.now()
    confirmed_appointment(postgresql, now + timedelta(hours=23))
    assert await core.booking.jobs.send_reminders(now) == 1  # the 24 h reminder
    assert await core.booking.jobs.send_reminders(now) == 0
    core.clock.advance(hours=21, minutes=30)  # type: ignore[attr-defined]
    assert await core.booking.jobs.send_reminders(core.clock.now()) == 1  # the 2 h reminder
    postgresql.commit()
    assert postgresql.execute("SELECT reminders_sent FROM appointments").fetchone() == (
        ["24h", "2h"],
    )
    assert postgresql.execute(
        "SELECT count(*) FROM notification_deliveries WHERE template_code = 'booking.reminder'"
    ).fetchone() == (2,)


async def test_a_payment_after_the_hold_expired_is_refunded(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    appointment = confirmed_appointment(
        postgresql, datetime(2030, 6, 4, 7, tzinfo=UTC), status="canceled"
    )
    payment = postgresql.execute(
        """INSERT INTO payments (appointment_id, kind, amount, provider, idempotence_key, status)
           VALUES (%(a)s, 'full', 3500, 'sandbox', gen_random_uuid(), 'pending') RETURNING id""",
        {"a": appointment},
    ).fetchone()[0]  # type: ignore[index]
    postgresql.commit()
    await core.booking.payments.payment_succeeded(payment, "late-1")
    postgresql.commit()
    assert postgresql.execute("SELECT status FROM appointments").fetchone() == ("canceled",)
    assert postgresql.execute("SELECT amount::text, status, reason FROM refunds").fetchone() == (
        "3500.00", "succeeded", "hold_expired",
    )  # fmt: skip
