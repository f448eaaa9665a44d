"""Notifications by Telegram: a rendered template sent to a linked chat.

Texts go out in HTML parse mode with everything escaped, in parts of at most 4096
characters (Telegram's limit, counted after escaping), split at line breaks where
possible; a text longer than ``MAX_PARTS`` parts is cut and ends with "…". A 403 means
the person blocked the bot: the account is marked blocked and the message fails for
good. A 429 asks us to wait ``retry_after`` seconds, which the sender honours.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)

from app.application.notifications import OutgoingMessage, PermanentDeliveryError, RetryLater

MESSAGE_LIMIT = 4096
MAX_PARTS = 3
ELLIPSIS = "…"


def _size(text: str) -> int:
    return len(html.escape(text, quote=False))


def split_message(text: str, limit: int = MESSAGE_LIMIT, max_parts: int = MAX_PARTS) -> list[str]:
    """Parts whose escaped length fits ``limit``; at most ``max_parts`` of them."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if _size(current + line) <= limit:
            current += line
            continue
        if current:
            parts.append(current)
            current = ""
        for char in line:  # a line longer than a whole message is cut where it must be
            if _size(current + char) > limit:
                parts.append(current)
                current = ""
            current += char
    if current or not parts:
        parts.append(current)
    parts = [part.rstrip("\n") for part in parts]
    if len(parts) > max_parts:
        parts = parts[:max_parts]
        last = parts[-1]
        while _size(last + ELLIPSIS) > limit:
            last = last[:-1]
        parts[-1] = last + ELLIPSIS
    return parts


class TelegramChannel:
    def __init__(self, bot: Bot, on_blocked: Callable[[int], Awaitable[None]]) -> None:
        self._bot = bot
        self._on_blocked = on_blocked

    async def send(self, message: OutgoingMessage) -> None:
        try:
            chat_id = int(message.to)
        except ValueError as exc:
            raise PermanentDeliveryError("not a Telegram chat id") from exc
        content = message.content
        text = f"{content.subject}\n\n{content.text}" if content.subject else content.text
        try:
            for part in split_message(text.strip()):
                await self._bot.send_message(
                    chat_id, html.escape(part, quote=False), parse_mode=ParseMode.HTML
                )
        except TelegramForbiddenError as exc:
            await self._on_blocked(chat_id)
            raise PermanentDeliveryError("blocked by the user") from exc
        except TelegramRetryAfter as exc:
            raise RetryLater(timedelta(seconds=exc.retry_after)) from exc
        except TelegramBadRequest as exc:  # chat not found, message rejected: retrying cannot help
            raise PermanentDeliveryError("rejected by Telegram") from exc
