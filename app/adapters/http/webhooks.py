"""Inbound provider webhooks."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK

from app.application.payments.service import PaymentNotifications
from app.domain.errors import ValidationFailed


class WebhookAck(msgspec.Struct):
    status: str


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
        self, request: Request[Any, Any, Any], payments: NamedDependency[PaymentNotifications]
    ) -> WebhookAck:
        try:
            body = msgspec.json.decode(await request.body())
        except msgspec.DecodeError:
            raise ValidationFailed("the body is not JSON") from None
        if not isinstance(body, dict):
            raise ValidationFailed("the body is not a notification")
        source = request.client.host if request.client else None
        return WebhookAck(await payments.receive(source, body))
