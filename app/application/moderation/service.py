"""Moderation: anonymous questions and reviews in a queue ordered by SLA.

A question is stored encrypted with automatic flags (codes only). A crisis flag answers
the author with the crisis resources at once and puts the item at the head of the queue
with the shorter crisis SLA. The item names no author: a crisis flag beside an identity
is a health fact about a person, so the author is linked only through an encrypted
reference their own cabinet, export and erasure read. Staff approve, reject (with a
reason code), answer privately (encrypted; the author reads it in the cabinet) and
publish an anonymised ``qa`` item they write themselves — never the original text.
Every action is recorded in ``moderation_actions`` and the audit log; reading an item's
text is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

import msgspec
import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.moderation.answer_notices import tell_recipients
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.content.model import validate_slug
from app.domain.errors import ConsentRequired, NotFound, ValidationFailed
from app.domain.identity.model import Role, new_token
from app.domain.identity.tokens import token_hash
from app.domain.moderation.events import CrisisQuestionReceived
from app.domain.moderation.items import (
    Crisis,
    ItemState,
    QueueEntry,
    Submitted,
    UgcItem,
    next_status,
)
from app.domain.moderation.reading import AccountContact, AnswerRecipient
from app.domain.moderation.triggers import REASON_CODES, URGENT, detect
from app.domain.shared.ids import new_id
from app.domain.shared.links import SiteLinks

logger = structlog.get_logger(__name__)

MODERATORS = (Role.OWNER, Role.ASSISTANT, Role.EDITOR)
PUBLISHERS = (Role.OWNER, Role.EDITOR)
MIN_TEXT, MAX_TEXT = 10, 5000
SEAL_BATCH = 200


QueuePosition = tuple[bool, datetime, uuid.UUID]
"""Where a page of the queue stopped: the last item's (urgent, sla_due_at, id)."""


class ModerationStore(Protocol):
    async def setting(self, key: str) -> Any: ...

    async def has_consent(self, user_id: uuid.UUID, consent_type: str) -> bool: ...

    async def add_item(
        self, kind: str, author_user_id: uuid.UUID | None, topic_code: str | None, text: str,
        sla_due_at: datetime, triggers: Iterable[str],
    ) -> uuid.UUID:  # fmt: skip
        """The item with its flags; the author, if any, only through an encrypted link."""
        ...

    async def queue(
        self, status: str, limit: int, after: QueuePosition | None = None
    ) -> list[QueueEntry]:
        """Urgent first, then by SLA, then id; after ``after`` when given."""
        ...

    async def entry(self, item_id: uuid.UUID) -> QueueEntry | None:
        """The item as the queue shows it (no text)."""
        ...

    async def lock(self, item_id: uuid.UUID) -> ItemState | None: ...

    async def item(self, item_id: uuid.UUID) -> UgcItem | None: ...

    async def record(
        self, item_id: uuid.UUID, actor_id: uuid.UUID, action: str, reason_code: str | None,
        status: str | None,
    ) -> None: ...  # fmt: skip

    async def add_answer(self, item_id: uuid.UUID, author_id: uuid.UUID, body: str) -> None: ...

    async def publish_qa(
        self, item_id: uuid.UUID, author_id: uuid.UUID, slug: str, title: str, body: str
    ) -> uuid.UUID: ...

    async def items_of(self, user_id: uuid.UUID) -> list[UgcItem]: ...

    async def seal_legacy_authors(self, limit: int) -> int:
        """Move up to ``limit`` plaintext author links (from before 0035) to encrypted."""
        ...

    async def add_reading_token(self, item_id: uuid.UUID, token_hash: bytes) -> None: ...

    async def item_by_reading_token(self, token_hash: bytes) -> UgcItem | None: ...

    async def add_recipient(self, item_id: uuid.UUID, recipient: AnswerRecipient) -> None:
        """Whom to tell when the answer arrives (kept encrypted beside the item)."""
        ...

    async def take_recipients(self, item_id: uuid.UUID) -> list[tuple[uuid.UUID, AnswerRecipient]]:
        """Whom to tell about ``item_id`` (row id, recipient), forgotten in this transaction."""
        ...

    async def account_contact(self, user_id: uuid.UUID) -> AccountContact: ...


ModerationUoW = UnitOfWork[ModerationStore]


class ModerationService:
    def __init__(
        self, uow: Callable[[], ModerationUoW], clock: Clock, links: SiteLinks | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._links = links

    async def submit(
        self, kind: str, author: Principal | None, text: str, topic_code: str | None,
        notify_email: str | None = None,
    ) -> Submitted:  # fmt: skip
        """A question (anyone) or a review (signed in, with ``review_publication``).

        An author without an account gets a reading token (shown once, stored hashed);
        the author's account, or the e-mail an anonymous author left with their consent
        (``notify_email``), is told when the answer arrives."""
        text = text.strip()
        if not MIN_TEXT <= len(text) <= MAX_TEXT:
            raise ValidationFailed(f"the text has {MIN_TEXT} to {MAX_TEXT} characters",
                                   field="text")  # fmt: skip
        triggers = detect(text)
        urgent = bool(triggers & URGENT)
        reading_token = new_token() if author is None and kind == "question" else None

        async def work(uow: ModerationUoW) -> tuple[uuid.UUID, dict[str, Any]]:
            may_review = author is not None and await uow.repos.has_consent(
                author.user_id, "review_publication"
            )
            if kind == "review" and not may_review:
                raise ConsentRequired("A review needs the review_publication consent.")
            hours = await uow.repos.setting(
                "moderation.crisis_sla_hours" if urgent else "moderation.sla_hours"
            )
            due = self._clock.now() + timedelta(hours=float(hours or 24))
            item_id = await uow.repos.add_item(
                kind, author.user_id if author else None, topic_code, text, due, triggers
            )
            if reading_token is not None:
                await uow.repos.add_reading_token(item_id, token_hash(reading_token))
            if kind == "question" and author is not None:
                await uow.repos.add_recipient(item_id, AnswerRecipient(user_id=author.user_id))
            elif kind == "question" and notify_email is not None:
                await uow.repos.add_recipient(
                    item_id, AnswerRecipient(email=notify_email, reading_token=reading_token)
                )
            if urgent:  # staff are alerted at once (the item id only)
                received = CrisisQuestionReceived(
                    event_id=new_id(),
                    occurred_at=self._clock.now(),
                    aggregate_id=str(item_id),
                    sla_due_at=due,
                )
                uow.publish(received)
            resources = await uow.repos.setting("crisis.resources") if urgent else None
            return item_id, resources if isinstance(resources, dict) else {}

        item_id, resources = await in_transaction(self._uow, work)
        logger.info("ugc_submitted", kind=kind, triggers=sorted(triggers))
        crisis = Crisis(triggered=urgent, resources=resources if urgent else None)
        return Submitted(
            id=item_id, status="pending", crisis=crisis, reading_token=reading_token,
            reading_url=self._links.question(reading_token)
            if reading_token is not None and self._links is not None else None,
        )  # fmt: skip

    async def read_answer(self, reading_token: str) -> UgcItem:
        """The question an anonymous author asked, found by their reading token; an
        unknown token is ``NotFound`` (the same as an item that was erased)."""

        async def work(uow: ModerationUoW) -> UgcItem:
            found = await uow.repos.item_by_reading_token(token_hash(reading_token))
            if found is None:
                raise NotFound()
            return found

        return await in_transaction(self._uow, work)

    async def seal_legacy_authors(self) -> int:
        """Job: items from before 0035 that name their author beside their flags get the
        encrypted link instead, a batch per transaction, until none is left."""

        async def work(uow: ModerationUoW) -> int:
            return await uow.repos.seal_legacy_authors(SEAL_BATCH)

        total = 0
        while (sealed := await in_transaction(self._uow, work)) > 0:
            total += sealed
            if sealed < SEAL_BATCH:
                break
        if total:
            logger.info("ugc_authors_sealed", count=total)
        return total

    async def mine(self, author: Principal) -> list[UgcItem]:
        """The author's questions and reviews with the answers they got."""

        async def work(uow: ModerationUoW) -> list[UgcItem]:
            return await uow.repos.items_of(author.user_id)

        return await in_transaction(self._uow, work)

    async def queue(
        self, actor: Principal, status: str, limit: int, after: QueuePosition | None = None
    ) -> list[QueueEntry]:
        ensure_roles(actor, *MODERATORS)

        async def work(uow: ModerationUoW) -> list[QueueEntry]:
            return await uow.repos.queue(status, limit, after)

        rows = await in_transaction(self._uow, work)
        now = self._clock.now()
        return [msgspec.structs.replace(row, breached=row.sla_due_at < now) for row in rows]

    async def entry(self, actor: Principal, item_id: uuid.UUID) -> QueueEntry:
        """One item as the queue shows it: kind, status, flags and SLA, no text (so no
        P2 read to audit); the text is ``item``."""
        ensure_roles(actor, *MODERATORS)

        async def work(uow: ModerationUoW) -> QueueEntry:
            found = await uow.repos.entry(item_id)
            if found is None:
                raise NotFound()
            return found

        row = await in_transaction(self._uow, work)
        return msgspec.structs.replace(row, breached=row.sla_due_at < self._clock.now())

    async def item(self, actor: Principal, item_id: uuid.UUID) -> UgcItem:
        """The item's text (P2), decrypted for a moderator; the read is audited."""
        ensure_roles(actor, *MODERATORS)

        async def work(uow: ModerationUoW) -> UgcItem:
            found = await uow.repos.item(item_id)
            if found is None:
                raise NotFound()
            await _audit(uow, actor, "moderation.read", item_id)
            return found

        return await in_transaction(self._uow, work)

    async def approve(self, actor: Principal, item_id: uuid.UUID) -> UgcItem:
        return await self._act(actor, item_id, "approve", None)

    async def reject(self, actor: Principal, item_id: uuid.UUID, reason_code: str) -> UgcItem:
        if reason_code not in REASON_CODES:
            raise ValidationFailed("unknown reason code", field="reason_code")

        async def extra(uow: ModerationUoW) -> None:
            await uow.repos.take_recipients(item_id)  # no answer will come: forget them

        return await self._act(actor, item_id, "reject", reason_code, extra)

    async def answer(self, actor: Principal, item_id: uuid.UUID, body: str) -> UgcItem:
        """A private answer, encrypted; the author (if a user) reads it in the cabinet."""
        if not body.strip() or len(body) > MAX_TEXT:
            raise ValidationFailed(f"an answer has 1 to {MAX_TEXT} characters", field="body")

        async def extra(uow: ModerationUoW) -> None:
            await uow.repos.add_answer(item_id, actor.user_id, body)
            if self._links is not None:
                await tell_recipients(uow, uow.repos, self._links, item_id)

        return await self._act(actor, item_id, "answer", None, extra)

    async def publish(
        self, actor: Principal, item_id: uuid.UUID, slug: str, title: str, body: str
    ) -> UgcItem:
        """A public, anonymised ``qa`` item written by staff (owner, editor)."""
        ensure_roles(actor, *PUBLISHERS)
        validate_slug(slug)
        if not title.strip() or not body.strip():
            raise ValidationFailed("a published answer needs a title and a body", field="body")

        async def extra(uow: ModerationUoW) -> None:
            await uow.repos.publish_qa(item_id, actor.user_id, slug, title, body)

        return await self._act(actor, item_id, "publish", None, extra)

    async def _act(
        self, actor: Principal, item_id: uuid.UUID, action: str, reason_code: str | None,
        extra: Callable[[ModerationUoW], Awaitable[None]] | None = None,
    ) -> UgcItem:  # fmt: skip
        ensure_roles(actor, *MODERATORS)

        async def work(uow: ModerationUoW) -> UgcItem:
            item = await uow.repos.lock(item_id)
            if item is None:
                raise NotFound()
            status = next_status(action, item.status)
            if extra is not None:
                await extra(uow)
            await uow.repos.record(item_id, actor.user_id, action, reason_code, status)
            await _audit(uow, actor, f"moderation.{action}", item_id,
                         {"reason_code": reason_code} if reason_code else None)  # fmt: skip
            found = await uow.repos.item(item_id)
            assert found is not None  # noqa: S101 (locked in this transaction)
            return found

        row = await in_transaction(self._uow, work)
        logger.info("moderation_action", action=action)
        return row


async def _audit(
    uow: UnitOfWork[Any], actor: Principal, action: str, item_id: uuid.UUID,
    details: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    await audit_action(uow, actor, action, "ugc_item", str(item_id), details)
