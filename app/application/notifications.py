"""Sending queued notifications: claim due deliveries, render, send, record.

A delivery is sent at most once (its row moves to ``sent``); a temporary failure is
retried with backoff, a permanent one (or too many attempts) marks it ``failed``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from app.application.outbox_relay import error_label
from app.application.ports import Clock
from app.application.request_id import working_for
from app.domain.notifications.calendar_invitation import CalendarInvitation
from app.domain.notifications.templates import RenderedMessage, TemplateError, render_message
from app.domain.shared.retry import backoff_delay

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    id: uuid.UUID
    channel: str
    template_code: str
    locale: str
    to: str
    variables: dict[str, str]
    attempts: int
    invitation: CalendarInvitation | None = None
    # The HTTP request (or event, or job run) that queued the message; None: none known.
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    subject: str | None
    body: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    to: str
    template_code: str
    content: RenderedMessage
    invitation: CalendarInvitation | None = None
    """A calendar event to attach (e-mail only; other channels ignore it)."""


class PermanentDeliveryError(Exception):
    """The message can never be delivered (bad address, recipient blocked the bot)."""


class RetryLater(Exception):
    """The far side asked us to wait (a rate limit): retry after ``delay``."""

    def __init__(self, delay: timedelta) -> None:
        super().__init__(f"retry after {delay.total_seconds():.0f}s")
        self.delay = delay


class DeliveryQueue(Protocol):
    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> list[QueuedMessage]: ...

    async def mark_sent(self, message: QueuedMessage, now: datetime) -> None: ...

    async def reschedule(self, message: QueuedMessage, at: datetime, error: str) -> None: ...

    async def mark_failed(self, message: QueuedMessage, error: str) -> None: ...


class TemplateStore(Protocol):
    async def find(self, code: str, channel: str, locale: str) -> Template | None: ...


class MessageChannel(Protocol):
    async def send(self, message: OutgoingMessage) -> None:
        """Deliver; raise ``PermanentDeliveryError`` when retrying cannot help."""
        ...


class NotificationSender:
    def __init__(
        self,
        queue: DeliveryQueue,
        templates: TemplateStore,
        channels: dict[str, MessageChannel],
        clock: Clock,
        *,
        batch_size: int = 20,
        max_attempts: int = 8,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self._queue = queue
        self._templates = templates
        self._channels = channels
        self._clock = clock
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._lease = lease

    async def run_once(self) -> int:
        """Send one batch of due messages; returns how many were claimed."""
        messages = await self._queue.claim_due(self._clock.now(), self._lease, self._batch_size)
        for message in messages:
            await self._send(message)
        return len(messages)

    async def _send(self, message: QueuedMessage) -> None:
        with working_for(message.request_id):
            await self._send_now(message)

    async def _send_now(self, message: QueuedMessage) -> None:
        log = logger.bind(
            delivery_id=str(message.id), channel=message.channel, template=message.template_code
        )
        channel = self._channels.get(message.channel)
        try:
            if channel is None:
                raise PermanentDeliveryError(f"channel {message.channel} is not configured")
            template = await self._templates.find(
                message.template_code, message.channel, message.locale
            )
            if template is None:
                raise PermanentDeliveryError("no such template")
            content = render_message(template.subject, template.body, message.variables)
            await channel.send(
                OutgoingMessage(message.to, message.template_code, content, message.invitation)
            )
        except (PermanentDeliveryError, TemplateError) as exc:
            await self._queue.mark_failed(message, error_label(exc))
            log.error("notification_failed", error=error_label(exc))
            return
        except RetryLater as exc:
            await self._queue.reschedule(message, self._clock.now() + exc.delay, "rate_limited")
            log.warning("notification_rate_limited", retry_after_s=exc.delay.total_seconds())
            return
        except Exception as exc:  # network and server errors are worth retrying
            if message.attempts >= self._max_attempts:
                await self._queue.mark_failed(message, error_label(exc))
                log.error("notification_failed", error=error_label(exc), attempts=message.attempts)
            else:
                retry_at = self._clock.now() + backoff_delay(message.attempts, base_seconds=30)
                await self._queue.reschedule(message, retry_at, error_label(exc))
                log.warning("notification_retry", error=error_label(exc), attempts=message.attempts)
            return
        await self._queue.mark_sent(message, self._clock.now())
        log.info("notification_sent")
