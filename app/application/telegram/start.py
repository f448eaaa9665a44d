"""``/start [code]``: remember the person, count the deep link, make a non-client a CRM
lead, answer by the link's purpose, and ask a known person about Telegram messages.

An unknown or expired deep link is not an error to the person: they get the ordinary
welcome.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import structlog

from app.application.crm.leads import join_telegram, lead_for_telegram
from app.application.crm.ports import LeadDirectory
from app.application.ports import UnitOfWork
from app.application.telegram.buttons import CONSENT_BUTTONS
from app.application.telegram.ports import (
    Reply,
    TelegramAccounts,
    TelegramDirectory,
    UsedLink,
    Visitor,
)
from app.application.telegram.texts import BotTexts
from app.application.transactions import in_transaction

logger = structlog.get_logger(__name__)

TEMPLATE_BY_PURPOSE = {
    "plan": "bot.plan",
    "interactive_result": "bot.plan",
    "booking": "bot.booking_prompt",
    "campaign": "bot.welcome",
}


class StartBot:
    def __init__(self, uow: Callable[[], UnitOfWork[TelegramDirectory]], texts: BotTexts) -> None:
        self._uow = uow
        self._texts = texts

    async def start(self, visitor: Visitor, code: str | None) -> list[Reply]:
        """``/start [code]``: remember the person, count the link, answer by its purpose;
        a known person who has not said yes to Telegram messages is asked."""
        replies = [Reply(await self._start_text(visitor, code))]
        if await self._should_ask_consent(visitor):
            replies.append(Reply(await self._texts.render("bot.consent_prompt"), CONSENT_BUTTONS))
        return replies

    async def _should_ask_consent(self, visitor: Visitor) -> bool:
        async def work(uow: UnitOfWork[TelegramDirectory]) -> tuple[bool, bool | None]:
            return await uow.repos.accounts.consent_state(visitor.telegram_user_id)

        known, consent = await in_transaction(self._uow, work)
        return known and consent is not True

    async def _start_text(self, visitor: Visitor, code: str | None) -> str:
        async def work(uow: UnitOfWork[TelegramDirectory]) -> UsedLink | None:
            await uow.repos.accounts.remember_account(
                visitor.telegram_user_id, visitor.chat_id, visitor.username, visitor.language_code
            )
            used = await uow.repos.links.use_deep_link(code) if code else None
            if used is not None and used.purpose == "link_account" and used.user_id is not None:
                await uow.repos.links.claim_link(used.id, visitor.telegram_user_id)
            await lead_of(uow.repos.accounts, uow.repos.leads, visitor.telegram_user_id, used)
            await uow.repos.support.record_started(
                visitor.telegram_user_id, code if used else None, used.purpose if used else None
            )
            return used

        link = await in_transaction(self._uow, work)
        log = logger.bind(purpose=link.purpose if link else None)
        if code and link is None:
            log.info("telegram_deep_link_unknown")
        if link is None:
            return await self._texts.render("bot.welcome")
        if link.purpose == "link_account" and link.user_id is not None:
            # Whoever opens the link is only a claimant: the account's owner confirms in
            # their signed-in session (and is e-mailed), so a leaked link links nothing.
            log.info("telegram_account_link_claimed")
            return await self._texts.render("bot.link_pending")
        template = TEMPLATE_BY_PURPOSE.get(link.purpose, "bot.welcome")
        log.info("telegram_deep_link_used")
        return await self._texts.render(template, {"link": self._texts.link_target(link.payload)})


async def lead_of(
    accounts: TelegramAccounts, leads: LeadDirectory, telegram_user_id: int, link: UsedLink | None
) -> UUID | None:
    """A person who is not a client is a CRM lead: the one the account already has, else
    the one the (single-use) link was made for, else a new one. Each
    ``/start`` adds a P0 ``telegram.started`` event to the lead's timeline."""
    user_id, lead_id = await accounts.owners(telegram_user_id)
    purpose = link.purpose if link else None
    if lead_id is None:
        if user_id is not None or (link is not None and link.user_id is not None):
            return None  # a client, or a link made for one
        if link is not None and link.lead_id is not None:
            lead_id = link.lead_id
            await join_telegram(leads, lead_id, telegram_user_id)
        else:
            lead_id = await lead_for_telegram(leads, telegram_user_id, purpose)
        await accounts.attach_lead(telegram_user_id, lead_id)
    await leads.add_event(lead_id, "telegram.started", {"purpose": purpose})
    return lead_id
