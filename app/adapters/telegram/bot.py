"""The bot on aiogram 3: a dispatcher whose routers turn Telegram messages into calls
to the bot's use cases (``BotChat``) and their answers into replies.

The same dispatcher serves the webhook (``POST /webhooks/telegram``) and polling.
"""

from __future__ import annotations

import hmac

import structlog
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from pydantic import ValidationError as PydanticValidationError

from app.application.telegram.chat import BotChat
from app.application.telegram.concierge import PREFIX as CONCIERGE_PREFIX
from app.application.telegram.ports import Reply, Visitor
from app.config import ConfigError
from app.domain.errors import Forbidden, ValidationFailed

logger = structlog.get_logger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


def _replies_to_the_concierge(message: Message) -> bool:
    replied = message.reply_to_message
    markup = replied.reply_markup if replied is not None else None
    rows = markup.inline_keyboard if markup is not None else []
    return any((b.callback_data or "").startswith(CONCIERGE_PREFIX) for row in rows for b in row)


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    buttons = [
        InlineKeyboardButton(text=label, callback_data=data) for label, data in reply.buttons
    ]
    if len(buttons) <= 2:
        return InlineKeyboardMarkup(inline_keyboard=[buttons])
    return InlineKeyboardMarkup(inline_keyboard=[[button] for button in buttons])


def _caller(callback: CallbackQuery) -> Visitor | None:
    user = callback.from_user
    chat = callback.message.chat if callback.message is not None else None
    if chat is None or user.is_bot:
        return None
    return Visitor(user.id, chat.id, user.username, user.language_code)


STALE_BUTTON = "Эта кнопка уже не работает. Нажмите /start, чтобы начать заново."


def _visitor(message: Message) -> Visitor | None:
    user: User | None = message.from_user
    if user is None or user.is_bot:
        return None
    return Visitor(user.id, message.chat.id, user.username, user.language_code)


def start_router(service: BotChat) -> Router:
    router = Router(name="start")

    @router.message(CommandStart(), F.chat.type == "private")
    async def start(message: Message, command: CommandObject) -> None:
        visitor = _visitor(message)
        if visitor is None:
            return
        for reply in await service.start(visitor, command.args):
            await message.answer(reply.text, reply_markup=_markup(reply))

    @router.message(Command("book"), F.chat.type == "private")
    async def book(message: Message) -> None:
        visitor = _visitor(message)
        if visitor is not None:
            reply = await service.book(visitor)
            await message.answer(reply.text, reply_markup=_markup(reply))

    @router.message(Command("pick"), F.chat.type == "private")
    async def pick(message: Message, command: CommandObject) -> None:
        visitor = _visitor(message)
        if visitor is not None:
            reply = await service.pick(visitor, command.args)
            await message.answer(reply.text, reply_markup=_markup(reply))

    @router.message(Command("my"), F.chat.type == "private")
    async def my(message: Message) -> None:
        visitor = _visitor(message)
        if visitor is None:
            return
        for reply in await service.my_appointments(visitor):
            await message.answer(reply.text, reply_markup=_markup(reply))

    @router.message(Command("stop"), F.chat.type == "private")
    async def stop(message: Message) -> None:
        visitor = _visitor(message)
        if visitor is not None:
            await message.answer(await service.stop(visitor))

    @router.callback_query()
    async def button(callback: CallbackQuery) -> None:
        visitor = _caller(callback)
        reply = await service.press(visitor, callback.data or "") if visitor else None
        if visitor is None or reply is None:
            await callback.answer(STALE_BUTTON)
            return
        await callback.answer()
        await callback.bot.send_message(  # type: ignore[union-attr]
            visitor.chat_id, reply.text, reply_markup=_markup(reply)
        )

    @router.message(Command("help"))
    async def help_(message: Message) -> None:
        await message.answer(await service.help())

    @router.message(F.text, F.chat.type == "private", F.reply_to_message.from_user.is_bot,
                    _replies_to_the_concierge)  # fmt: skip
    async def concierge_reply(message: Message) -> None:
        """A reply to one of the concierge's messages (one with its buttons) is an answer
        to it; a reply to a reminder or a payment notice is not sent to any model."""
        visitor = _visitor(message)
        if visitor is None or message.text is None:
            return
        reply = await service.concierge_text(visitor, message.text)
        await message.answer(reply.text, reply_markup=_markup(reply))

    @router.message(F.text)
    async def anything_else(message: Message) -> None:
        visitor = _visitor(message)
        if visitor is None or message.text is None:
            return
        await message.answer(await service.free_text(visitor, message.text))

    return router


def build_dispatcher(service: BotChat) -> Dispatcher:
    dispatcher = Dispatcher(name="emotional-balance")
    dispatcher.include_router(start_router(service))
    return dispatcher


class TelegramWebhook:
    """``POST /webhooks/telegram``: the secret checked, a redelivered update ignored,
    the update fed to the dispatcher."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        service: BotChat,
        secret: str | None,
    ) -> None:
        self._bot = bot
        self._dispatcher = dispatcher
        self._service = service
        self._secret = secret

    async def register(self, public_base_url: str) -> str:
        """``python -m app telegram set-webhook``: tell Telegram where to post updates."""
        if self._secret is None:
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET", "is required to register the webhook")
        url = f"{public_base_url}/webhooks/telegram"
        await self._bot.set_webhook(
            url=url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
        )
        logger.info("telegram_webhook_registered")
        return url

    async def poll(self) -> None:
        """``python -m app bot``: long polling for local runs (the webhook is removed first,
        Telegram allows only one of the two). Returns on SIGINT/SIGTERM."""
        await self._bot.delete_webhook(drop_pending_updates=False)
        logger.info("telegram_polling_started")
        await self._dispatcher.start_polling(
            self._bot, allowed_updates=ALLOWED_UPDATES, close_bot_session=False
        )

    def check_secret(self, presented: str | None) -> None:
        if (
            self._secret is None
            or presented is None
            or not hmac.compare_digest(presented.encode(), self._secret.encode())
        ):
            logger.warning("telegram_webhook_refused")
            raise Forbidden("not a Telegram webhook call")

    async def receive(self, body: object) -> bool:
        """Handle one update; False when it was a redelivery and nothing was done."""
        if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
            raise ValidationFailed("the body is not a Telegram update")
        try:
            update = Update.model_validate(body, context={"bot": self._bot})
        except PydanticValidationError:
            raise ValidationFailed("the body is not a Telegram update") from None
        if not await self._service.first_delivery(update.update_id):
            logger.info("telegram_update_duplicate", update_id=update.update_id)
            return False
        try:
            await self._dispatcher.feed_update(self._bot, update)
        except Exception:  # answered 200 anyway: Telegram would redeliver it forever
            logger.exception("telegram_update_failed", update_id=update.update_id)
        return True
