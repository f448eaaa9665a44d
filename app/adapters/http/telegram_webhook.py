"""Telegram's webhook: mounted only when the bot is configured, and imported only then
(its module loads aiogram)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK

from app.adapters.http.strict_input import refuse_malformed_json
from app.adapters.http.webhooks import WebhookAck
from app.adapters.telegram.bot import SECRET_HEADER, TelegramWebhook
from app.domain.errors import ValidationFailed


class TelegramWebhookController(Controller):
    """Mounted only when the bot is configured."""

    path = "/webhooks"
    tags = ["webhooks"]  # noqa: RUF012

    @post(
        "/telegram",
        status_code=HTTP_200_OK,
        summary="Telegram updates: the secret header must match; a redelivered update is "
        "handled once",
    )
    async def telegram(
        self,
        request: Request[Any, Any, Any],
        telegram_webhook: NamedDependency[TelegramWebhook],
    ) -> WebhookAck:
        telegram_webhook.check_secret(request.headers.get(SECRET_HEADER))
        raw = await request.body()
        # The strict-input hook checks JSON bodies by their content type; this one is
        # read whatever type it claims.
        refuse_malformed_json(raw)
        try:
            body = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            raise ValidationFailed("the body is not JSON") from None
        handled = await telegram_webhook.receive(body)
        return WebhookAck("handled" if handled else "duplicate")
