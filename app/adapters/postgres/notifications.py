"""Notification deliveries in PostgreSQL: queued in a unit of work, claimed by the sender.

The recipient address and template variables are encrypted in ``payload_encrypted``
while the message waits, and wiped once it is sent or has failed for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from app.adapters.postgres.database import Database
from app.adapters.postgres.session import Session
from app.application.notifications import QueuedMessage, Template
from app.application.ports import Cipher, NotificationRequest
from app.application.request_id import current_request_id
from app.domain.notifications.calendar_invitation import CalendarInvitation
from app.domain.shared.ids import new_id

TABLE, COLUMN = "notification_deliveries", "payload_encrypted"


class _Payload(msgspec.Struct, frozen=True):
    to: str
    variables: dict[str, str]
    locale: str
    # The calendar event an e-mail carries: P1 (times, service title, place), so it
    # waits encrypted with the address and is wiped with it.
    invitation: CalendarInvitation | None = None


class PostgresNotificationOutbox:
    """``NotificationOutbox``: queue a message in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def enqueue(self, request: NotificationRequest) -> bool:
        delivery_id = new_id()
        payload = msgspec.json.encode(
            _Payload(
                to=request.to,
                variables=request.variables,
                locale=request.locale,
                invitation=request.invitation,
            )
        ).decode()
        # The worker is woken at commit by the notification_deliveries_notify trigger.
        row = await self._s.queries.notifications.enqueue(
            self._s.conn,
            id=delivery_id,
            channel=request.channel,
            template_code=request.template_code,
            recipient_kind=request.recipient_kind,
            recipient_id=request.recipient_id,
            dedupe_key=request.dedupe_key,
            payload_encrypted=self._s.encrypt(payload, TABLE, COLUMN, delivery_id),
            now=self._s.clock.now(),
            request_id=current_request_id(),
        )
        return row is not None


class PostgresDeliveryQueue:
    """``DeliveryQueue`` for the sender; each call is its own short transaction."""

    def __init__(self, database: Database, cipher: Cipher) -> None:
        self._db = database
        self._cipher = cipher
        self._q = database.queries.notifications

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMessage]:
        async with self._db.pool.connection() as conn:
            rows = [
                r
                async for r in self._q.claim_due(
                    conn, now=now, lease_until=now + lease, batch_size=limit
                )
            ]
        messages = []
        for row in rows:
            context = f"{TABLE}.{COLUMN}:{row['id']}"
            payload = msgspec.json.decode(
                self._cipher.decrypt(row["payload_encrypted"], context), type=_Payload
            )
            messages.append(
                QueuedMessage(
                    id=row["id"],
                    channel=row["channel"],
                    template_code=row["template_code"],
                    locale=payload.locale,
                    to=payload.to,
                    variables=payload.variables,
                    attempts=row["attempts"],
                    invitation=payload.invitation,
                    request_id=row["request_id"],
                )
            )
        return messages

    async def mark_sent(self, message: QueuedMessage, now: datetime) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.mark_sent(conn, id=message.id, now=now)

    async def reschedule(self, message: QueuedMessage, at: datetime, error: str) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.reschedule(conn, id=message.id, next_attempt_at=at, last_error=error)

    async def mark_failed(self, message: QueuedMessage, error: str) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.mark_failed(conn, id=message.id, last_error=error)

    async def retention_days(self) -> int | None:
        async with self._db.pool.connection() as conn:
            row = await self._q.delivery_retention_days(conn)
        return int(row["value"]) if row else None

    async def purge_finished(self, before: datetime) -> int:
        async with self._db.pool.connection() as conn:
            return int(await self._q.purge_finished(conn, before=before))


class PostgresTemplateStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def find(self, code: str, channel: str, locale: str) -> Template | None:
        async with self._db.pool.connection() as conn:
            row = await self._db.queries.notifications.find_template(
                conn, code=code, channel=channel, locale=locale
            )
        return None if row is None else Template(subject=row["subject"], body=row["body"])
