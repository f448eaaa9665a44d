"""Deep links into the Telegram bot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from app.adapters.http.identity import NO_STORE
from app.application.identity.service import Principal
from app.application.telegram.service import TelegramBotService


class DeepLinkIn(msgspec.Struct, forbid_unknown_fields=True):
    purpose: str
    payload: dict[str, Any] = msgspec.field(default_factory=dict)


class DeepLinkOut(msgspec.Struct):
    code: str
    purpose: str
    url: str | None
    expires_at: datetime


class DeepLinksController(Controller):
    """Mounted only when the bot is configured."""

    path = "/api/v1/deep-links"
    tags = ["telegram"]  # noqa: RUF012
    cache_control = NO_STORE

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="A t.me link that opens the bot with a purpose (plan, booking, "
        "interactive_result, link_account; campaign for staff); the payload is ids and "
        "codes only",
    )
    async def create(
        self,
        principal: NamedDependency[Principal],
        telegram_bot_service: NamedDependency[TelegramBotService],
        data: JSONBody[DeepLinkIn],
    ) -> DeepLinkOut:
        issued = await telegram_bot_service.issue_link(principal, data.purpose, data.payload)
        url = telegram_bot_service.start_url(issued.code)
        return DeepLinkOut(issued.code, issued.purpose, url, issued.expires_at)
