"""The rest of the conversation: each update handled once, the answer to the consent
question, ``/stop``, help, and free text (crisis words get the crisis resources)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from app.application.ports import UnitOfWork
from app.application.telegram.ports import TelegramDirectory, Visitor
from app.application.telegram.texts import BotTexts
from app.application.transactions import in_transaction
from app.domain.shared.crisis import mentions_crisis

logger = structlog.get_logger(__name__)


class Conversation:
    def __init__(self, uow: Callable[[], UnitOfWork[TelegramDirectory]], texts: BotTexts) -> None:
        self._uow = uow
        self._texts = texts

    async def first_delivery(self, update_id: int) -> bool:
        """True the first time an update arrives; Telegram redelivers on timeouts."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> bool:
            return await uow.repos.support.first_delivery_of_update(update_id)

        return await in_transaction(self._uow, work)

    async def consent(self, visitor: Visitor, granted: bool) -> str:
        """The answer to the consent prompt, recorded as a ``telegram`` consent."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> bool:
            return await uow.repos.accounts.record_consent(visitor.telegram_user_id, granted)

        if not await in_transaction(self._uow, work):
            return await self._texts.render("bot.welcome")
        logger.info("telegram_consent_recorded", granted=granted)
        return await self._texts.render("bot.consent_thanks" if granted else "bot.stopped")

    async def stop(self, visitor: Visitor) -> str:
        """``/stop``: nothing more is sent until the person writes ``/start`` again."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> None:
            await uow.repos.accounts.stop(visitor.telegram_user_id)

        await in_transaction(self._uow, work)
        logger.info("telegram_stopped")
        return await self._texts.render("bot.stopped")

    async def help(self) -> str:
        return await self._texts.render("bot.help")

    async def free_text(self, visitor: Visitor, text: str) -> str:
        """Anything that is not a command: crisis words get the crisis resources at once
        (and a P0 flag is recorded, not the words); the rest gets the command list."""
        if not mentions_crisis(text):
            return await self.help()

        async def work(uow: UnitOfWork[TelegramDirectory]) -> dict[str, Any]:
            await uow.repos.support.flag_crisis(visitor.telegram_user_id)
            return await uow.repos.support.crisis_resources()

        resources = await in_transaction(self._uow, work)
        logger.warning("telegram_crisis_flag")
        contacts = resources.get("contacts") or []
        lines = [
            f"{c.get('title', '')}: {c.get('phone', '')}" for c in contacts if isinstance(c, dict)
        ]
        return await self._texts.render(
            "bot.crisis",
            {"crisis_text": str(resources.get("text", "")), "crisis_contacts": "\n".join(lines)},
        )
