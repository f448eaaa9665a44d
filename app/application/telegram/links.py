"""Deep links into the bot (issued for clients, staff campaigns and result pages) and
the account link: the signed-in owner sees which Telegram opened their link, then
confirms it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import structlog

from app.application.access import Principal
from app.application.ports import Clock, NotificationRequest, UnitOfWork
from app.application.telegram.ports import (
    IssuedLink,
    LinkPreview,
    TelegramDirectory,
    Visitor,
)
from app.application.transactions import in_transaction
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.domain.identity.errors import ContactInUse
from app.domain.shared.links import SiteLinks
from app.domain.telegram import deep_links
from app.domain.telegram.deep_links import start_url

logger = structlog.get_logger(__name__)

MAX_PAYLOAD_KEYS = 20


class DeepLinks:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork[TelegramDirectory]],
        bot_username: str | None,
        *,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._bot_username = bot_username
        self._clock = clock

    def start_url(self, code: str) -> str | None:
        """The t.me link for ``code``; None until ``TELEGRAM_BOT_USERNAME`` is set."""
        return start_url(self._bot_username, code) if self._bot_username else None

    async def issue_link(
        self, principal: Principal, purpose: str, payload: dict[str, Any]
    ) -> IssuedLink:
        """``POST /api/v1/deep-links``: a client's links carry them (``link_account`` links
        their Telegram); staff make unbound links for campaigns and materials."""
        deep_links.validate_purpose(purpose)
        if len(payload) > MAX_PAYLOAD_KEYS:
            raise ValidationFailed("the payload has too many fields", field="payload")
        if purpose == "campaign" and not principal.is_staff:
            raise Forbidden("Only staff make campaign links.")
        bound = purpose == "link_account" or not principal.is_staff

        async def work(uow: UnitOfWork[TelegramDirectory]) -> IssuedLink:
            link = deep_links.issue(
                purpose, payload, now=self._clock.now(),
                user_id=principal.user_id if bound else None,
            )  # fmt: skip
            return await uow.repos.links.save_deep_link(link)

        issued = await in_transaction(self._uow, work)
        logger.info("telegram_deep_link_issued", purpose=purpose)
        return issued

    async def url_for(
        self,
        purpose: str,
        payload: dict[str, Any],
        user_id: UUID | None,
        lead_id: UUID | None = None,
    ) -> str | None:
        """A deep link for a result page (a self-check's plan): the ``t.me`` URL, or None
        until ``TELEGRAM_BOT_USERNAME`` is set."""
        if self._bot_username is None:
            return None
        link = deep_links.issue(
            purpose, payload, now=self._clock.now(), user_id=user_id, lead_id=lead_id
        )

        async def work(uow: UnitOfWork[TelegramDirectory]) -> IssuedLink:
            return await uow.repos.links.save_deep_link(link)

        issued = await in_transaction(self._uow, work)
        return self.start_url(issued.code)


class AccountLinks:
    def __init__(self, uow: Callable[[], UnitOfWork[TelegramDirectory]], links: SiteLinks) -> None:
        self._uow = uow
        self._links = links

    async def pending_account_link(self, principal: Principal, code: str) -> LinkPreview:
        """``GET /api/v1/me/telegram-link/{code}``: which Telegram account opened the
        caller's own account-linking link (404 for any other link, expired or used)."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> LinkPreview:
            pending = await uow.repos.links.pending_link(code, principal.user_id)
            if pending is None:
                raise NotFound()
            return LinkPreview(pending.telegram_username, pending.expires_at)

        return await in_transaction(self._uow, work)

    async def confirm_account_link(self, principal: Principal, code: str) -> LinkPreview:
        """``POST /api/v1/me/telegram-link/{code}/confirm``: the signed-in owner of the link
        confirms the Telegram account that opened it; the link is then spent, and the
        account's e-mail is told (so a link made by someone else is noticed)."""

        async def work(uow: UnitOfWork[TelegramDirectory]) -> LinkPreview:
            pending = await uow.repos.links.pending_link(code, principal.user_id)
            if pending is None:
                raise NotFound()
            if not await uow.repos.accounts.link_user(pending.telegram_user_id, principal.user_id):
                raise NotFound()
            await uow.repos.links.confirm_link(pending.id)
            name, email = await uow.repos.accounts.account_owner(principal.user_id)
            if email is not None:
                await uow.notifications.enqueue(
                    NotificationRequest(
                        channel="email", template_code="identity.telegram_linked",
                        recipient_kind="user", recipient_id=str(principal.user_id),
                        dedupe_key=f"deep_link:{pending.id}:linked:email", to=email,
                        variables={
                            "display_name": name or "",
                            "telegram_name": (
                                f"@{pending.telegram_username}" if pending.telegram_username
                                else f"id {pending.telegram_user_id}"
                            ),
                            "cabinet_url": self._links.cabinet(),
                        },
                    )
                )  # fmt: skip
            return LinkPreview(pending.telegram_username, pending.expires_at)

        try:
            preview = await in_transaction(self._uow, work)
        except ContactInUse:  # this Telegram account already belongs to another user
            logger.warning("telegram_link_refused", error=ContactInUse.code)
            raise
        logger.info("telegram_account_linked", user_id=str(principal.user_id))
        return preview


async def linked_user(
    uow: Callable[[], UnitOfWork[TelegramDirectory]], visitor: Visitor
) -> UUID | None:
    """The user the visitor's Telegram account is linked to, while that user is active."""

    async def work(unit: UnitOfWork[TelegramDirectory]) -> UUID | None:
        return await unit.repos.accounts.linked_user(visitor.telegram_user_id)

    return await in_transaction(uow, work)
