"""Telling an author that their question was answered: the account's e-mail and linked
Telegram (a link to the account's questions), or the e-mail an anonymous author left with
their consent (a link with the reading token). Never the question or the answer."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from app.application.ports import NotificationRequest, UnitOfWork
from app.domain.moderation.reading import AccountContact, AnswerRecipient
from app.domain.shared.links import SiteLinks

TEMPLATE = "moderation.answered"


class RecipientStore(Protocol):
    async def take_recipients(self, item_id: uuid.UUID) -> list[tuple[uuid.UUID, AnswerRecipient]]:
        """Whom to tell about ``item_id`` (row id, recipient), forgotten in this transaction."""
        ...

    async def account_contact(self, user_id: uuid.UUID) -> AccountContact: ...


async def tell_recipients(
    uow: UnitOfWork[Any], store: RecipientStore, links: SiteLinks, item_id: uuid.UUID
) -> int:
    """Queue the "your answer is ready" messages; returns how many were queued."""
    queued = 0
    for row_id, recipient in await store.take_recipients(item_id):
        if recipient.user_id is not None:
            contact = await store.account_contact(recipient.user_id)
            chat = contact.telegram_chat
            addresses = {"email": contact.email, "telegram": str(chat) if chat else None}
            kind, who, url = "user", str(recipient.user_id), links.my_questions()
        elif recipient.email is not None and recipient.reading_token is not None:
            addresses = {"email": recipient.email}
            kind, who, url = (
                "question_contact",
                str(row_id),
                links.question(recipient.reading_token),
            )
        else:  # pragma: no cover (add_recipient stores one of the two)
            continue
        for channel, to in addresses.items():
            if to is None:
                continue
            queued += await uow.notifications.enqueue(
                NotificationRequest(
                    channel=channel,
                    template_code=TEMPLATE,
                    recipient_kind=kind,
                    recipient_id=who,
                    dedupe_key=f"ugc:{item_id}:answered:{row_id}:{channel}",
                    to=to,
                    variables={"answer_url": url},
                )
            )
    return queued
