"""In-memory fakes of the bot's ports: a Telegram directory with the rules of the
PostgreSQL one (a link made for a person works once, consent is recorded only for a
known person), and message templates that show which one was rendered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.application.notifications import Template
from app.application.telegram.appointments import BotAppointments
from app.application.telegram.booking import BotBooking
from app.application.telegram.chat import BotChat
from app.application.telegram.conversation import Conversation
from app.application.telegram.slots import BotSlots
from app.application.telegram.start import StartBot
from app.application.telegram.texts import BotTexts
from app.domain.shared.links import SiteLinks
from app.domain.telegram import deep_links
from tests.unit.crm.fakes import MemoryLeadStore
from tests.unit.memory import ManualClock, RollbackUnitOfWork

SITE = "https://balance.example.org"

# Each template names itself, so a test sees which one the bot chose and what it filled in.
TEMPLATES = {
    "bot.welcome": "welcome",
    "bot.plan": "plan {link}",
    "bot.booking_prompt": "booking prompt",
    "bot.link_pending": "link pending",
    "bot.consent_prompt": "may we write?",
    "bot.consent_thanks": "consent thanks",
    "bot.stopped": "stopped",
    "bot.help": "help",
    "bot.crisis": "{crisis_text}\n{crisis_contacts}",
}


class MemoryTemplates:
    async def find(self, code: str, channel: str, locale: str) -> Template | None:
        assert (channel, locale) == ("telegram", "ru")
        body = TEMPLATES.get(code)
        return None if body is None else Template(None, f"\n{body}\n")


@dataclass
class StoredLink:
    id: uuid.UUID
    code: str
    purpose: str
    payload: dict[str, Any]
    user_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    expires_at: datetime
    use_count: int = 0
    claimed_by: int | None = None


@dataclass
class Account:
    chat_id: int
    username: str | None
    user_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    stopped: bool = False


@dataclass
class MemoryDeepLinks:
    rows: dict[str, StoredLink] = field(default_factory=dict)

    def add_link(
        self, purpose: str, payload: dict[str, Any] | None = None, *, now: datetime,
        user_id: uuid.UUID | None = None, lead_id: uuid.UUID | None = None,
    ) -> StoredLink:  # fmt: skip
        new = deep_links.issue(purpose, payload or {}, now=now, user_id=user_id, lead_id=lead_id)
        link = StoredLink(
            uuid.uuid4(), new.code, new.purpose, dict(new.payload), new.user_id, new.lead_id,
            new.expires_at,
        )  # fmt: skip
        self.rows[link.code] = link
        return link

    async def save_deep_link(self, link: deep_links.NewDeepLink) -> StoredLink:
        raise NotImplementedError

    async def use_deep_link(self, code: str) -> StoredLink | None:
        link = self.rows.get(code)
        personal = link is not None and (link.user_id or link.lead_id)
        if link is None or (personal and link.use_count > 0):
            return None
        link.use_count += 1
        return link

    async def claim_link(self, link_id: uuid.UUID, telegram_user_id: int) -> None:
        for link in self.rows.values():
            if link.id == link_id and link.claimed_by is None:
                link.claimed_by = telegram_user_id

    async def pending_link(self, code: str, user_id: uuid.UUID) -> None:
        raise NotImplementedError

    async def confirm_link(self, link_id: uuid.UUID) -> None:
        raise NotImplementedError


@dataclass
class MemoryTelegramAccounts:
    rows: dict[int, Account] = field(default_factory=dict)
    consents: list[tuple[uuid.UUID | None, uuid.UUID | None, bool]] = field(default_factory=list)

    async def remember_account(
        self, telegram_user_id: int, chat_id: int, username: str | None, language_code: str | None
    ) -> None:
        account = self.rows.setdefault(telegram_user_id, Account(chat_id, username))
        account.chat_id, account.username = chat_id, username

    async def owners(self, telegram_user_id: int) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        account = self.rows.get(telegram_user_id)
        return (account.user_id, account.lead_id) if account else (None, None)

    async def attach_lead(self, telegram_user_id: int, lead_id: uuid.UUID) -> None:
        account = self.rows[telegram_user_id]
        account.lead_id = account.lead_id or lead_id

    async def link_user(self, telegram_user_id: int, user_id: uuid.UUID) -> bool:
        raise NotImplementedError

    async def linked_user(self, telegram_user_id: int) -> uuid.UUID | None:
        account = self.rows.get(telegram_user_id)
        return account.user_id if account else None

    async def stop(self, telegram_user_id: int) -> None:
        account = self.rows.get(telegram_user_id)
        if account is None:
            return
        account.stopped = True
        if account.user_id or account.lead_id:
            self.consents.append((account.user_id, account.lead_id, False))

    async def consent_state(self, telegram_user_id: int) -> tuple[bool, bool | None]:
        account = self.rows.get(telegram_user_id)
        if account is None or not (account.user_id or account.lead_id):
            return False, None
        mine = [granted for u, lead, granted in self.consents
                if (u, lead) == (account.user_id, account.lead_id)]  # fmt: skip
        return True, mine[-1] if mine else None

    async def record_consent(self, telegram_user_id: int, granted: bool) -> bool:
        account = self.rows.get(telegram_user_id)
        if account is None or not (account.user_id or account.lead_id):
            return False
        self.consents.append((account.user_id, account.lead_id, granted))
        return True

    async def account_owner(self, user_id: uuid.UUID) -> tuple[str | None, str | None]:
        raise NotImplementedError


@dataclass
class MemoryBotSupport:
    started: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    crisis_flags: int = 0
    resources: dict[str, Any] = field(default_factory=dict)
    updates: set[int] = field(default_factory=set)

    async def first_delivery_of_update(self, update_id: int) -> bool:
        first = update_id not in self.updates
        self.updates.add(update_id)
        return first

    async def flag_crisis(self, telegram_user_id: int) -> None:
        self.crisis_flags += 1

    async def crisis_resources(self) -> dict[str, Any]:
        return self.resources

    async def record_started(
        self, telegram_user_id: int, deep_link_code: str | None, purpose: str | None
    ) -> None:
        self.started.append((telegram_user_id, deep_link_code, purpose))


@dataclass
class MemoryTelegramDirectory:
    leads: MemoryLeadStore = field(default_factory=MemoryLeadStore)
    links: MemoryDeepLinks = field(default_factory=MemoryDeepLinks)
    accounts: MemoryTelegramAccounts = field(default_factory=MemoryTelegramAccounts)
    support: MemoryBotSupport = field(default_factory=MemoryBotSupport)


def chat_over(directory: MemoryTelegramDirectory, clock: ManualClock) -> BotChat:
    """The bot's chat as the composition root wires it, over the fakes and no booking."""
    uow = RollbackUnitOfWork(directory, directory)
    texts = BotTexts(MemoryTemplates(), SiteLinks(SITE))
    slots = BotSlots(None, clock=clock)
    return BotChat(
        StartBot(uow, texts),
        Conversation(uow, texts),
        BotAppointments(uow, texts, None, slots),
        BotBooking(uow, texts, None, slots),
    )
