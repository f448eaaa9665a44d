"""Moderation in PostgreSQL: items with encrypted text, flags, actions and answers; the
export/erasure section for what a user wrote.

An item does not name its author: the flags on it (crisis, self-harm) beside an identity
would be a health fact about a person. ``ugc_item_authors`` holds the user id beside the
item id encrypted, which only the author's own cabinet, export and erasure read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from app.adapters.postgres.session import Session
from app.application.identity.personal_data import DataSubject
from app.application.moderation.service import QueuePosition
from app.domain.moderation.items import (
    ItemAction,
    ItemAnswer,
    ItemState,
    ItemTrigger,
    QueueEntry,
    UgcItem,
)
from app.domain.moderation.reading import AccountContact, AnswerRecipient
from app.domain.shared.ids import new_id

TEXT = ("ugc_items", "text_encrypted")
ANSWER = ("ugc_answers", "body_encrypted")
AUTHOR = ("ugc_item_authors", "item_encrypted")
RECIPIENT = ("ugc_answer_recipients", "recipient_encrypted")


class PostgresModerationStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.moderation

    async def setting(self, key: str) -> Any:
        row = await self._s.queries.admin.get_setting(self._s.conn, key=key)
        return row["value"] if row else None

    async def has_consent(self, user_id: uuid.UUID, consent_type: str) -> bool:
        """The user's latest answer for ``consent_type`` (none given is no)."""
        history = self._s.queries.identity.consent_history(self._s.conn, user_id=user_id)
        latest = [row["granted"] async for row in history if row["consent_type"] == consent_type]
        return bool(latest) and bool(latest[-1])

    async def add_item(
        self, kind: str, author_user_id: uuid.UUID | None, topic_code: str | None, text: str,
        sla_due_at: datetime, triggers: Iterable[str],
    ) -> uuid.UUID:  # fmt: skip
        item_id = new_id()
        now = self._s.clock.now()
        await self._q.insert_item(
            self._s.conn, id=item_id, kind=kind, topic_code=topic_code,
            text_encrypted=self._s.encrypt(text, *TEXT, item_id), sla_due_at=sla_due_at,
            now=now,
        )  # fmt: skip
        if author_user_id is not None:
            await self._add_author(author_user_id, item_id)
        for code in sorted(triggers):
            await self._q.insert_trigger(
                self._s.conn, ugc_item_id=item_id, code=code, source="auto", now=now
            )
        await self._q.record_submitted(self._s.conn, kind=kind, now=now)
        return item_id

    async def _add_author(self, user_id: uuid.UUID, item_id: uuid.UUID) -> None:
        link_id = new_id()
        await self._q.insert_author(
            self._s.conn, id=link_id, user_id=user_id,
            item_encrypted=self._s.encrypt(str(item_id), *AUTHOR, link_id),
        )  # fmt: skip

    async def item_ids_of(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        """The ids of the items ``user_id`` wrote: their encrypted authorship rows, and
        items from before 0035 that still name the author."""
        conn = self._s.conn
        ids = [
            uuid.UUID(self._s.decrypt(row["item_encrypted"], *AUTHOR, row["id"]))
            async for row in self._q.authored_by(conn, user_id=user_id)
        ]
        ids += [row["id"] async for row in self._q.legacy_items_of_author(conn, user_id=user_id)]
        return ids

    async def seal_legacy_authors(self, limit: int) -> int:
        """Items from before 0035 that name their author in plaintext: the link moves into
        ``ugc_item_authors`` (encrypted) and the item forgets the author."""
        rows = [dict(r) async for r in self._q.legacy_identified_items(self._s.conn, limit=limit)]
        for row in rows:
            await self._add_author(row["author_user_id"], row["id"])
            await self._q.forget_author(self._s.conn, id=row["id"])
        return len(rows)

    async def queue(
        self, status: str, limit: int, after: QueuePosition | None = None
    ) -> list[QueueEntry]:
        after_urgent, after_sla_due_at, after_id = after or (None, None, None)
        rows = self._q.queue(
            self._s.conn, status=status, after_urgent=after_urgent,
            after_sla_due_at=after_sla_due_at, after_id=after_id, limit=limit,
        )  # fmt: skip
        return [QueueEntry(**r) async for r in rows]

    async def entry(self, item_id: uuid.UUID) -> QueueEntry | None:
        row = await self._q.queue_entry(self._s.conn, id=item_id)
        return QueueEntry(**row) if row else None

    async def lock(self, item_id: uuid.UUID) -> ItemState | None:
        row = await self._q.lock_item(self._s.conn, id=item_id)
        return ItemState(**row) if row else None

    async def item(self, item_id: uuid.UUID) -> UgcItem | None:
        """The item with its text, flags, actions and answers, decrypted."""
        conn = self._s.conn
        row = await self._q.get_item(conn, id=item_id)
        if row is None:
            return None
        answers = [
            ItemAnswer(author_id=a["author_id"], created_at=a["created_at"],
                       published_content_id=a["published_content_id"],
                       body=self._s.decrypt(a["body_encrypted"], *ANSWER, a["id"]))
            async for a in self._q.item_answers(conn, id=item_id)
        ]  # fmt: skip
        item = {k: v for k, v in dict(row).items() if k != "text_encrypted"}
        return UgcItem(
            **item,
            text=self._s.decrypt(row["text_encrypted"], *TEXT, row["id"]),
            triggers=[ItemTrigger(**t) async for t in self._q.item_triggers(conn, id=item_id)],
            actions=[ItemAction(**a) async for a in self._q.item_actions(conn, id=item_id)],
            answers=answers,
        )

    async def record(
        self, item_id: uuid.UUID, actor_id: uuid.UUID, action: str, reason_code: str | None,
        status: str | None,
    ) -> None:  # fmt: skip
        now = self._s.clock.now()
        await self._q.insert_action(
            self._s.conn, ugc_item_id=item_id, actor_id=actor_id, action=action,
            reason_code=reason_code, now=now,
        )  # fmt: skip
        if status is not None:
            await self._q.set_status(self._s.conn, id=item_id, status=status, now=now)

    async def add_answer(self, item_id: uuid.UUID, author_id: uuid.UUID, body: str) -> None:
        answer_id = new_id()
        await self._q.insert_answer(
            self._s.conn, id=answer_id, ugc_item_id=item_id, author_id=author_id,
            body_encrypted=self._s.encrypt(body, *ANSWER, answer_id), now=self._s.clock.now(),
        )  # fmt: skip

    async def publish_qa(
        self, item_id: uuid.UUID, author_id: uuid.UUID, slug: str, title: str, body: str
    ) -> uuid.UUID:
        content_id = new_id()
        await self._q.insert_qa_content(
            self._s.conn, id=content_id, slug=slug, title=title, body_markdown=body,
            author_id=author_id, now=self._s.clock.now(),
        )  # fmt: skip
        await self._q.link_published(self._s.conn, ugc_item_id=item_id, content_id=content_id)
        return content_id

    async def items_of(self, user_id: uuid.UUID) -> list[UgcItem]:
        """The author's own items, newest first, with text and private answers,
        decrypted."""
        found = []
        for item_id in await self.item_ids_of(user_id):
            item = await self.item(item_id)
            if item is not None:
                found.append(item)
        return sorted(found, key=lambda i: (i.created_at, str(i.id)), reverse=True)

    async def add_reading_token(self, item_id: uuid.UUID, token_hash: bytes) -> None:
        await self._q.insert_reading_token(self._s.conn, token_hash=token_hash, ugc_item_id=item_id)

    async def item_by_reading_token(self, token_hash: bytes) -> UgcItem | None:
        row = await self._q.item_by_reading_token(self._s.conn, token_hash=token_hash)
        return await self.item(row["ugc_item_id"]) if row else None

    async def add_recipient(self, item_id: uuid.UUID, recipient: AnswerRecipient) -> None:
        row_id = new_id()
        sealed = self._s.encrypt(msgspec.json.encode(recipient).decode(), *RECIPIENT, row_id)
        await self._q.insert_answer_recipient(
            self._s.conn, id=row_id, ugc_item_id=item_id, recipient_encrypted=sealed
        )

    async def take_recipients(self, item_id: uuid.UUID) -> list[tuple[uuid.UUID, AnswerRecipient]]:
        rows = self._q.take_answer_recipients(self._s.conn, ugc_item_id=item_id)
        return [
            (r["id"], msgspec.json.decode(
                self._s.decrypt(r["recipient_encrypted"], *RECIPIENT, r["id"]),
                type=AnswerRecipient,
            ))
            async for r in rows
        ]  # fmt: skip

    async def account_contact(self, user_id: uuid.UUID) -> AccountContact:
        conn = self._s.conn
        user = await self._s.queries.identity.get_user(conn, id=user_id)
        chat = await self._s.queries.telegram.notification_chat(conn, user_id=user_id,
                                                                lead_id=None)  # fmt: skip
        return AccountContact(
            email=user["email"] if user else None,
            telegram_chat=int(chat["chat_id"]) if chat else None,
        )


class ModerationPersonalData:
    """What a user wrote (questions, reviews) and the answers they got, in the export;
    erasure deletes the items (with their flags, actions and private answers)."""

    name = "moderation"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.moderation

    async def bind(self, subject: DataSubject) -> DataSubject:
        return subject

    async def export(self, subject: DataSubject) -> object:
        if subject.user_id is None:  # a guest writes nothing of their own here
            return {"items": []}
        items = await PostgresModerationStore(self._s).items_of(subject.user_id)
        return {"items": [{k: v for k, v in _plain(i).items() if k != "actions"} for i in items]}

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        user_id = subject.user_id
        if user_id is None:
            return {"ugc_items": 0}
        ids = await PostgresModerationStore(self._s).item_ids_of(user_id)
        erased = int(await self._q.erase_items(self._s.conn, ids=ids)) if ids else 0
        await self._q.erase_authorships(self._s.conn, user_id=user_id)
        return {"ugc_items": erased}


def _plain(item: UgcItem) -> dict[str, Any]:
    """The item as the export writes it: nested dictionaries, values unchanged."""
    found = msgspec.structs.asdict(item)
    for key in ("triggers", "actions", "answers"):
        found[key] = [msgspec.structs.asdict(part) for part in found[key]]
    return found
