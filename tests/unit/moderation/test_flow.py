"""The moderation flow over an in-memory store: crisis answered at once and first in
the queue, reviews need their consent, actions follow the allowed statuses, audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.access import Principal
from app.application.events import EventHandlers
from app.application.moderation.service import ModerationService
from app.domain.errors import (
    ConsentRequired,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from app.domain.identity.model import Role
from app.domain.moderation.events import CrisisQuestionReceived
from app.domain.moderation.items import ItemAction, ItemAnswer, ItemState, QueueEntry, UgcItem
from app.domain.moderation.reading import AccountContact, AnswerRecipient

NOW = datetime(2030, 1, 1, 10, tzinfo=UTC)
OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
SETTINGS = {
    "moderation.sla_hours": 24, "moderation.crisis_sla_hours": 2,
    "crisis.resources": {"text": "Позвоните", "contacts": []},
}  # fmt: skip


class Clock:
    def now(self) -> datetime:
        return NOW


class MemoryModerationStore:
    def __init__(self) -> None:
        self.items: dict[uuid.UUID, dict[str, Any]] = {}
        self.consents: set[tuple[uuid.UUID, str]] = set()
        self.reading: dict[bytes, uuid.UUID] = {}
        self.recipients: dict[uuid.UUID, list[tuple[uuid.UUID, AnswerRecipient]]] = {}
        self.accounts: dict[uuid.UUID, AccountContact] = {}

    async def setting(self, key: str) -> Any:
        return SETTINGS.get(key)

    async def has_consent(self, user_id: uuid.UUID, consent_type: str) -> bool:
        return (user_id, consent_type) in self.consents

    async def add_item(
        self, kind: str, author_user_id: uuid.UUID | None, topic_code: str | None, text: str,
        sla_due_at: datetime, triggers: Iterable[str],
    ) -> uuid.UUID:  # fmt: skip
        item_id = uuid.uuid4()
        self.items[item_id] = {
            "id": item_id, "kind": kind, "author": author_user_id, "topic_code": topic_code,
            "text": text, "sla_due_at": sla_due_at, "triggers": sorted(triggers),
            "status": "pending", "version": 1, "actions": [], "answers": [],
        }  # fmt: skip
        return item_id

    async def queue(self, status: str, limit: int, after: object = None) -> list[QueueEntry]:
        entries = [
            QueueEntry(
                id=i["id"],
                kind=i["kind"],
                status=i["status"],
                topic_code=i["topic_code"],
                sla_due_at=i["sla_due_at"],
                created_at=NOW,
                triggers=i["triggers"],
                urgent=bool({"crisis", "self_harm"} & set(i["triggers"])),
            )
            for i in self.items.values()
            if i["status"] == status
        ]
        return sorted(entries, key=lambda e: (not e.urgent, e.sla_due_at))[:limit]

    async def entry(self, item_id: uuid.UUID) -> QueueEntry | None:
        return next((e for e in await self.queue_all() if e.id == item_id), None)

    async def queue_all(self) -> list[QueueEntry]:
        found = []
        for status in ("pending", "approved", "answered", "rejected", "published"):
            found += await self.queue(status, len(self.items))
        return found

    async def lock(self, item_id: uuid.UUID) -> ItemState | None:
        i = self.items.get(item_id)
        return ItemState(id=item_id, kind=i["kind"], status=i["status"], version=1) if i else None

    async def item(self, item_id: uuid.UUID) -> UgcItem | None:
        i = self.items.get(item_id)
        if i is None:
            return None
        return UgcItem(
            id=item_id, kind=i["kind"], topic_code=i["topic_code"], status=i["status"],
            sla_due_at=i["sla_due_at"], created_at=NOW, updated_at=NOW, version=i["version"],
            text=i["text"], triggers=[], actions=list(i["actions"]), answers=list(i["answers"]),
        )  # fmt: skip

    async def record(
        self, item_id: uuid.UUID, actor_id: uuid.UUID, action: str, reason_code: str | None,
        status: str | None,
    ) -> None:  # fmt: skip
        item = self.items[item_id]
        item["actions"].append(
            ItemAction(actor_id=actor_id, action=action, reason_code=reason_code, created_at=NOW)
        )
        if status is not None:
            item["status"] = status

    async def add_answer(self, item_id: uuid.UUID, author_id: uuid.UUID, body: str) -> None:
        self.items[item_id]["answers"].append(
            ItemAnswer(author_id=author_id, created_at=NOW, published_content_id=None, body=body)
        )

    async def publish_qa(
        self, item_id: uuid.UUID, author_id: uuid.UUID, slug: str, title: str, body: str
    ) -> uuid.UUID:
        return uuid.uuid4()

    async def items_of(self, user_id: uuid.UUID) -> list[UgcItem]:
        found = [await self.item(k) for k, i in self.items.items() if i["author"] == user_id]
        return [i for i in found if i is not None]

    async def seal_legacy_authors(self, limit: int) -> int:
        return 0

    async def add_reading_token(self, item_id: uuid.UUID, token_hash: bytes) -> None:
        self.reading[token_hash] = item_id

    async def item_by_reading_token(self, token_hash: bytes) -> UgcItem | None:
        item_id = self.reading.get(token_hash)
        return await self.item(item_id) if item_id else None

    async def add_recipient(self, item_id: uuid.UUID, recipient: AnswerRecipient) -> None:
        self.recipients.setdefault(item_id, []).append((uuid.uuid4(), recipient))

    async def take_recipients(self, item_id: uuid.UUID) -> list[tuple[uuid.UUID, AnswerRecipient]]:
        return self.recipients.pop(item_id, [])

    async def account_contact(self, user_id: uuid.UUID) -> AccountContact:
        return self.accounts.get(user_id, AccountContact(email=None, telegram_chat=None))


def moderation() -> tuple[ModerationService, MemoryModerationStore, InMemoryUnitOfWork[Any]]:
    store = MemoryModerationStore()
    uow = InMemoryUnitOfWork(store, InMemoryEventBus(EventHandlers()))
    return ModerationService(lambda: uow, Clock()), store, uow


async def test_a_crisis_question_gets_the_resources_and_heads_the_queue() -> None:
    service, store, uow = moderation()
    calm = await service.submit("question", None, "Как справиться с тревогой перед сном?", None)
    crisis = await service.submit("question", None, "Я не хочу жить, всё бессмысленно", None)
    # Staff are alerted of the crisis item (its id and SLA only), not of the calm one.
    (alert,) = uow._bus.published
    assert isinstance(alert, CrisisQuestionReceived)
    assert (alert.aggregate_id, alert.sla_due_at) == (
        str(crisis.id), store.items[crisis.id]["sla_due_at"],
    )  # fmt: skip
    assert calm.crisis.triggered is False
    assert calm.crisis.resources is None
    assert crisis.crisis.triggered is True
    assert crisis.crisis.resources == SETTINGS["crisis.resources"]
    assert store.items[crisis.id]["sla_due_at"] < store.items[calm.id]["sla_due_at"]
    queue = await service.queue(OWNER, "pending", 10)
    assert [e.id for e in queue] == [crisis.id, calm.id]
    assert not any(e.breached for e in queue)


async def test_a_review_needs_a_signed_in_author_with_the_consent() -> None:
    service, store, _ = moderation()
    text = "Очень помогли консультации, спасибо"
    with pytest.raises(ConsentRequired):
        await service.submit("review", None, text, None)
    with pytest.raises(ConsentRequired):
        await service.submit("review", CLIENT, text, None)
    store.consents.add((CLIENT.user_id, "review_publication"))
    done = await service.submit("review", CLIENT, text, None)
    assert [i.id for i in await service.mine(CLIENT)] == [done.id]
    with pytest.raises(ValidationFailed):
        await service.submit("question", None, "коротко", None)


async def test_actions_follow_the_flow_and_are_audited() -> None:
    service, _store, uow = moderation()
    item_id = (await service.submit("question", None, "Как говорить с подростком?", None)).id
    with pytest.raises(InvalidState):  # publishing needs an approved or answered item
        await service.publish(OWNER, item_id, "teen-talk", "Подростки", "Ответ")
    answered = await service.answer(OWNER, item_id, "Попробуйте начать с вопросов")
    assert (answered.status, answered.answers[0].body) == (
        "answered",
        "Попробуйте начать с вопросов",
    )
    published = await service.publish(OWNER, item_id, "teen-talk", "Подростки", "Ответ")
    assert published.status == "published"
    with pytest.raises(InvalidState):
        await service.reject(OWNER, item_id, "spam")
    assert [a.action for a in published.actions] == ["answer", "publish"]
    assert [e.action for e in uow.audit_log] == ["moderation.answer", "moderation.publish"]
    with pytest.raises(ValidationFailed):
        await service.reject(OWNER, item_id, "no_such_reason")
    with pytest.raises(Forbidden):
        await service.approve(CLIENT, item_id)


async def test_an_entry_shows_the_item_without_its_text_and_is_not_audited() -> None:
    service, _store, uow = moderation()
    submitted = await service.submit("question", None, "Мне очень плохо, не хочу жить", None)
    entry = await service.entry(OWNER, submitted.id)
    assert (entry.id, entry.status, entry.urgent, entry.breached) == (
        submitted.id,
        "pending",
        True,
        False,
    )
    assert not hasattr(entry, "text")
    assert uow.audit_log == []
    with pytest.raises(Forbidden):
        await service.entry(CLIENT, submitted.id)
    with pytest.raises(NotFound):
        await service.entry(OWNER, uuid.uuid4())
