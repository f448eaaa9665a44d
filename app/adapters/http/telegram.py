"""Deep links into the Telegram bot, and the owner's confirmation of a Telegram link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from app.adapters.http.identity import NO_STORE
from app.application.access import Principal
from app.application.telegram.links import AccountLinks, DeepLinks


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
        telegram_deep_links: NamedDependency[DeepLinks],
        data: JSONBody[DeepLinkIn],
    ) -> DeepLinkOut:
        issued = await telegram_deep_links.issue_link(principal, data.purpose, data.payload)
        url = telegram_deep_links.start_url(issued.code)
        return DeepLinkOut(issued.code, issued.purpose, url, issued.expires_at)


LinkCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class TelegramLinkOut(msgspec.Struct):
    """The Telegram account that opened the caller's account-linking link."""

    telegram_username: str | None
    expires_at: datetime


class TelegramLinkController(Controller):
    """The signed-in owner confirms the Telegram account that opened their link (a link
    opened by someone else links nothing until its owner says yes). Mounted with the bot."""

    path = "/api/v1/me/telegram-link"
    tags = ["telegram"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/{code:str}", summary="Which Telegram account opened my account-linking link")
    async def preview(
        self, code: FromPath[LinkCode], principal: NamedDependency[Principal],
        telegram_account_links: NamedDependency[AccountLinks],
    ) -> TelegramLinkOut:  # fmt: skip
        found = await telegram_account_links.pending_account_link(principal, code)
        return TelegramLinkOut(found.telegram_username, found.expires_at)

    @post("/{code:str}/confirm", status_code=200,
          summary="Link that Telegram account to my account (its e-mail is told)")  # fmt: skip
    async def confirm(
        self, code: FromPath[LinkCode], principal: NamedDependency[Principal],
        telegram_account_links: NamedDependency[AccountLinks],
    ) -> TelegramLinkOut:  # fmt: skip
        found = await telegram_account_links.confirm_account_link(principal, code)
        return TelegramLinkOut(found.telegram_username, found.expires_at)
