"""Moderation in PostgreSQL: items with encrypted text, flags, actions and answers; the
export/erasure section for what a user wrote."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from app.adapters.postgres.booking import PostgresConsentReader
from app.adapters.postgres.session import Session
from app.domain.shared.ids import new_id

Row = dict[str, Any]
TEXT = ("ugc_items", "text_encrypted")
ANSWER = ("ugc_answers", "body_encrypted")


class PostgresModerationStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.moderation

    async def setting(self, key: str) -> Any:
        row = await self._s.queries.admin.get_setting(self._s.conn, key=key)
        return row["value"] if row else None

    async def has_consent(self, user_id: uuid.UUID, consent_type: str) -> bool:
        return await PostgresConsentReader(self._s).has(user_id, consent_type)

    async def add_item(
        self, kind: str, author_user_id: uuid.UUID | None, anonymous_id: str | None,
        topic_code: str | None, text: str, sla_due_at: datetime, triggers: Iterable[str],
    ) -> uuid.UUID:  # fmt: skip
        item_id = new_id()
        now = self._s.clock.now()
        await self._q.insert_item(
            self._s.conn, id=item_id, kind=kind, author_user_id=author_user_id,
            anonymous_id=anonymous_id, topic_code=topic_code,
            text_encrypted=self._s.encrypt(text, *TEXT, item_id), sla_due_at=sla_due_at,
            now=now,
        )  # fmt: skip
        for code in sorted(triggers):
            await self._q.insert_trigger(
                self._s.conn, ugc_item_id=item_id, code=code, source="auto", now=now
            )
        await self._q.record_submitted(self._s.conn, kind=kind, anonymous_id=anonymous_id, now=now)
        return item_id

    async def queue(self, status: str, limit: int) -> list[Row]:
        return [dict(r) async for r in self._q.queue(self._s.conn, status=status, limit=limit)]

    async def lock(self, item_id: uuid.UUID) -> Row | None:
        row = await self._q.lock_item(self._s.conn, id=item_id)
        return dict(row) if row else None

    async def item(self, item_id: uuid.UUID) -> Row | None:
        """The item with its text, flags, actions and answers, decrypted."""
        conn = self._s.conn
        row = await self._q.get_item(conn, id=item_id)
        if row is None:
            return None
        answers = [
            {"author_id": a["author_id"], "created_at": a["created_at"],
             "published_content_id": a["published_content_id"],
             "body": self._s.decrypt(a["body_encrypted"], *ANSWER, a["id"])}
            async for a in self._q.item_answers(conn, id=item_id)
        ]  # fmt: skip
        item = {k: v for k, v in dict(row).items() if k != "text_encrypted"}
        return {
            **item,
            "text": self._s.decrypt(row["text_encrypted"], *TEXT, row["id"]),
            "triggers": [dict(t) async for t in self._q.item_triggers(conn, id=item_id)],
            "actions": [dict(a) async for a in self._q.item_actions(conn, id=item_id)],
            "answers": answers,
        }

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

    async def items_of(self, user_id: uuid.UUID) -> list[Row]:
        """The author's own items, with text and private answers, decrypted."""
        found = []
        async for row in self._q.items_of_author(self._s.conn, user_id=user_id):
            item = await self.item(row["id"])
            if item is not None:
                found.append(item)
        return found


class ModerationPersonalData:
    """What a user wrote (questions, reviews) and the answers they got, in the export;
    erasure deletes the items (with their flags, actions and private answers)."""

    name = "moderation"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.moderation

    async def export(self, user_id: uuid.UUID) -> object:
        items = await PostgresModerationStore(self._s).items_of(user_id)
        return {"items": [{k: v for k, v in i.items() if k not in ("actions",)} for i in items]}

    async def erase(self, user_id: uuid.UUID) -> dict[str, int]:
        return {
            "ugc_items": int(await self._q.erase_items_of_author(self._s.conn, user_id=user_id))
        }
