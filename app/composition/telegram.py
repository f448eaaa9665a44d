"""Telegram: the bot's use cases, its webhook, deep links, account links and the
notification channel through the bot. Without a bot token nothing here loads aiogram:
the bot's adapters are imported inside the builders that need them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from litestar import Controller

from app.adapters.http.telegram import DeepLinksController, TelegramLinkController
from app.adapters.postgres.crm import PostgresLeadStore
from app.adapters.postgres.notifications import PostgresTemplateStore
from app.adapters.postgres.telegram import PostgresTelegramDirectory
from app.application.assistants.concierge import Concierge
from app.application.booking.use_cases import Booking
from app.application.notifications import MessageChannel
from app.application.telegram.appointments import BotAppointments
from app.application.telegram.booking import BotBooking
from app.application.telegram.chat import BotChat
from app.application.telegram.concierge import BotConcierge
from app.application.telegram.conversation import Conversation
from app.application.telegram.links import AccountLinks, DeepLinks
from app.application.telegram.slots import BotSlots
from app.application.telegram.start import StartBot
from app.application.telegram.texts import BotTexts
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, provide

if TYPE_CHECKING:
    from aiogram import Bot

    from app.adapters.telegram.bot import TelegramWebhook

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class TelegramContext:
    """All ``None`` (and no routes) when no bot token is configured."""

    webhook: TelegramWebhook | None
    deep_links: DeepLinks | None  # also the interactives' result links
    account_links: AccountLinks | None
    wiring: Wiring


def telegram_channel(infra: Infrastructure, bot: Bot) -> MessageChannel:
    """Notifications through the bot; a chat that blocked it is marked so."""
    from app.adapters.telegram.channel import TelegramChannel  # noqa: PLC0415 (aiogram)

    directory = infra.unit_of_work(PostgresTelegramDirectory)

    async def mark_blocked(chat_id: int) -> None:
        async with directory() as work:
            await work.repos.accounts.mark_blocked(chat_id)
            await work.commit()
        logger.info("telegram_account_blocked")

    return TelegramChannel(bot, mark_blocked)


def build_telegram(
    infra: Infrastructure, bot: Bot | None, booking: Booking, concierge: Concierge | None = None
) -> TelegramContext:
    settings = infra.settings
    webhook: TelegramWebhook | None = None
    deep_links: DeepLinks | None = None
    account_links: AccountLinks | None = None
    controllers: tuple[type[Controller], ...] = ()
    if bot is not None:
        # The bot's adapters load aiogram: only a process with a bot token imports them.
        from app.adapters.http.telegram_webhook import TelegramWebhookController  # noqa: PLC0415
        from app.adapters.telegram.bot import TelegramWebhook, build_dispatcher  # noqa: PLC0415

        uow = infra.unit_of_work(lambda s: PostgresTelegramDirectory(s, PostgresLeadStore(s)))
        texts = BotTexts(PostgresTemplateStore(infra.database), settings.site_links)
        slots = BotSlots(booking, clock=infra.clock)
        conversation = Conversation(uow, texts)
        chat = BotChat(
            StartBot(uow, texts),
            conversation,
            BotAppointments(uow, texts, booking, slots),
            BotBooking(uow, texts, booking, slots),
            BotConcierge(uow, texts, concierge, slots, conversation) if concierge else None,
        )
        deep_links = DeepLinks(uow, settings.telegram_bot_username, clock=infra.clock)
        account_links = AccountLinks(uow, settings.site_links)
        webhook = TelegramWebhook(
            bot, build_dispatcher(chat), chat, settings.telegram_webhook_secret
        )
        controllers = (TelegramWebhookController, DeepLinksController, TelegramLinkController)
    return TelegramContext(
        webhook=webhook,
        deep_links=deep_links,
        account_links=account_links,
        wiring=Wiring(
            controllers=controllers,
            dependencies={
                "telegram_webhook": provide(webhook),
                "telegram_deep_links": provide(deep_links),
                "telegram_account_links": provide(account_links),
            },
        ),
    )
