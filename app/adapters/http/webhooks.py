"""Inbound provider webhooks (Telegram's, which needs the bot, is in ``telegram_webhook``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from app.application.payments.service import Payments


class WebhookAck(msgspec.Struct):
    status: str


# The events the service subscribes to (application.payments.notifications.KNOWN_EVENTS).
YooKassaEvent = Literal[
    "payment.succeeded", "payment.canceled", "payment.waiting_for_capture", "refund.succeeded"
]


class NotificationObject(msgspec.Struct):
    """The payment or refund; only its id is read, the rest is fetched from the API."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class NotificationIn(msgspec.Struct):
    type: Literal["notification"]
    event: YooKassaEvent
    object: NotificationObject


class WebhooksController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]  # noqa: RUF012

    @post(
        "/yookassa",
        status_code=HTTP_200_OK,
        summary="YooKassa notifications: allow-listed addresses only; recorded once, "
        "verified against the API by the worker",
    )
    async def yookassa(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[NotificationIn],
        payments: NamedDependency[Payments],
    ) -> WebhookAck:
        source = request.client.host if request.client else None
        return WebhookAck(await payments.receive(source, data.event, data.object.id))
