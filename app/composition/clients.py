"""The adapter clients of the process, built from the settings and opened and closed
here only: the database pool, the YooKassa client, the bot's HTTP session and the
Google Calendar gateway (which authorises a fresh HTTP client per call and so holds
nothing open). Each integration's library is imported by its builder, only when the
integration is configured: a process without a bot token, a YooKassa shop or a calendar
does not load aiogram, httpx or the Google API client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from app.adapters.postgres.database import Database
from app.config import Settings

if TYPE_CHECKING:
    from aiogram import Bot

    from app.adapters.google_calendar.gateway import GoogleCalendarGateway
    from app.adapters.yookassa.gateway import YooKassaGateway

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AdapterClients:
    database: Database
    telegram_bot: Bot | None
    yookassa: YooKassaGateway | None
    calendar: GoogleCalendarGateway | None

    async def open(self) -> None:
        """Open the pool (without waiting for connections: /health/ready says why a
        process whose database is down is not ready). The other clients connect lazily."""
        await self.database.open()

    async def close(self) -> None:
        """Close the pool, then every other client."""
        await self.database.close()
        await self.close_external()

    async def close_external(self) -> None:
        """Close the clients other than the pool (the HTTP app's lifespan closes the pool
        it opened): the YooKassa client and the bot's HTTP session, which the API process
        sends through too."""
        if self.yookassa is not None:
            await self.yookassa.aclose()
        if self.telegram_bot is not None:
            await self.telegram_bot.session.close()


def telegram_bot(settings: Settings) -> Bot | None:
    """The Bot API client, when a token is configured; ``TELEGRAM_API_URL`` points it at
    a self-hosted Bot API server instead of api.telegram.org."""
    if settings.telegram_bot_token is None:
        return None
    from aiogram import Bot  # noqa: PLC0415 (loaded only with a bot token)
    from aiogram.client.session.aiohttp import AiohttpSession  # noqa: PLC0415
    from aiogram.client.telegram import TelegramAPIServer  # noqa: PLC0415

    if settings.telegram_api_url is None:
        session = AiohttpSession()
    else:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.telegram_bot_token, session=session)


def yookassa(settings: Settings) -> YooKassaGateway | None:
    """The one YooKassa client of the process, when the shop is configured."""
    if not (settings.yookassa_shop_id and settings.yookassa_secret_key):
        return None
    from app.adapters.yookassa.client import YooKassaClient  # noqa: PLC0415 (httpx)
    from app.adapters.yookassa.gateway import YooKassaGateway  # noqa: PLC0415

    client = YooKassaClient(
        settings.yookassa_api_url, settings.yookassa_shop_id, settings.yookassa_secret_key
    )
    return YooKassaGateway(
        # Each payment names its own page to come back to; this is the fallback.
        client, settings.site_links.cabinet(),
        vat_code=settings.yookassa_vat_code if settings.yookassa_receipts else None,
    )  # fmt: skip


def google_calendar(settings: Settings) -> GoogleCalendarGateway | None:
    if not (settings.google_calendar_id and settings.google_credentials_file):
        return None
    from app.adapters.google_calendar.gateway import (  # noqa: PLC0415 (googleapiclient)
        GoogleCalendarGateway,
        authorized_http_factory,
    )

    return GoogleCalendarGateway(
        settings.google_calendar_id,
        authorized_http_factory(str(settings.google_credentials_file)),
        meet_links=settings.google_meet_links,
    )


def build_clients(settings: Settings, database: Database) -> AdapterClients:
    return AdapterClients(
        database=database,
        telegram_bot=telegram_bot(settings),
        yookassa=yookassa(settings),
        calendar=google_calendar(settings),
    )
