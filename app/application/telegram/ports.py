"""What the bot's use cases need and exchange: the person writing, the bot's replies,
and the Telegram directory (accounts, deep links, consents) they run against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from app.application.crm.ports import LeadDirectory
from app.domain.telegram import deep_links


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says, with inline buttons as (label, callback data) rows."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Visitor:
    """The person writing to the bot, as Telegram describes them."""

    telegram_user_id: int
    chat_id: int
    username: str | None
    language_code: str | None


class UsedLink(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def purpose(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def user_id(self) -> UUID | None: ...

    @property
    def lead_id(self) -> UUID | None: ...


class PendingLink(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def telegram_user_id(self) -> int: ...

    @property
    def telegram_username(self) -> str | None: ...

    @property
    def expires_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class LinkPreview:
    """What the account's owner sees before confirming: which Telegram opened the link."""

    telegram_username: str | None
    expires_at: datetime


class IssuedLink(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def purpose(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...


class DeepLinkStore(Protocol):
    """Deep links: made, opened, and (for account linking) claimed and confirmed."""

    async def save_deep_link(self, link: deep_links.NewDeepLink) -> IssuedLink: ...

    async def use_deep_link(self, code: str) -> UsedLink | None: ...

    async def claim_link(self, link_id: UUID, telegram_user_id: int) -> None: ...

    async def pending_link(self, code: str, user_id: UUID) -> PendingLink | None: ...

    async def confirm_link(self, link_id: UUID) -> None: ...


class TelegramAccounts(Protocol):
    """The Telegram accounts that wrote to the bot: whom they belong to, their consent."""

    async def remember_account(
        self, telegram_user_id: int, chat_id: int, username: str | None, language_code: str | None
    ) -> None: ...

    async def owners(self, telegram_user_id: int) -> tuple[UUID | None, UUID | None]: ...

    async def attach_lead(self, telegram_user_id: int, lead_id: UUID) -> None: ...

    async def link_user(self, telegram_user_id: int, user_id: UUID) -> bool: ...

    async def linked_user(self, telegram_user_id: int) -> UUID | None: ...

    async def stop(self, telegram_user_id: int) -> None: ...

    async def consent_state(self, telegram_user_id: int) -> tuple[bool, bool | None]: ...

    async def record_consent(self, telegram_user_id: int, granted: bool) -> bool: ...

    async def account_owner(self, user_id: UUID) -> tuple[str | None, str | None]: ...


class BotSupport(Protocol):
    """What the bot keeps beside accounts: updates already handled, crisis flags and
    resources, and the analytics of ``/start``."""

    async def first_delivery_of_update(self, update_id: int) -> bool: ...

    async def flag_crisis(self, telegram_user_id: int) -> None: ...

    async def crisis_resources(self) -> dict[str, Any]: ...

    async def record_started(
        self, telegram_user_id: int, deep_link_code: str | None, purpose: str | None
    ) -> None: ...


class TelegramDirectory(Protocol):
    """The bot's repositories in one transaction."""

    @property
    def links(self) -> DeepLinkStore: ...

    @property
    def accounts(self) -> TelegramAccounts: ...

    @property
    def support(self) -> BotSupport: ...

    @property
    def leads(self) -> LeadDirectory:
        """The CRM's lead directory, in the same transaction."""
        ...
