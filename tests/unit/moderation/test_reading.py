"""Answers an author can read: the anonymous author's reading token (shown once, stored
hashed), and the messages that say an answer arrived — to the account or to a contact
left with consent — carrying a link and never the question or the answer."""

from __future__ import annotations

from typing import Any

import pytest

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.events import EventHandlers
from app.application.moderation.service import ModerationService
from app.domain.errors import NotFound
from app.domain.identity.tokens import token_hash
from app.domain.moderation.reading import AccountContact, AnswerRecipient
from app.domain.shared.links import SiteLinks
from tests.unit.moderation.test_flow import CLIENT, OWNER, Clock, MemoryModerationStore

LINKS = SiteLinks("https://practice.example")
QUESTION = "Как пережить тревогу перед экзаменом?"
ANSWER = "Попробуйте дыхание по квадрату и короткие перерывы."


def moderation() -> tuple[ModerationService, MemoryModerationStore, InMemoryUnitOfWork[Any]]:
    store = MemoryModerationStore()
    uow = InMemoryUnitOfWork(store, InMemoryEventBus(EventHandlers()))
    return ModerationService(lambda: uow, Clock(), LINKS), store, uow


async def test_an_anonymous_author_reads_the_answer_with_the_token_only() -> None:
    service, store, _ = moderation()
    asked = await service.submit("question", None, QUESTION, None)
    other = await service.submit("question", None, "Как перестать откладывать дела?", None)
    assert asked.reading_token
    assert other.reading_token
    assert asked.reading_token != other.reading_token
    assert (
        asked.reading_url
        == f"https://practice.example/questions/answer#token={asked.reading_token}"
    )
    # Only the hash is kept.
    assert list(store.reading) == [token_hash(asked.reading_token),
                                   token_hash(other.reading_token)]  # fmt: skip

    pending = await service.read_answer(asked.reading_token)
    assert (pending.id, pending.status, pending.answers) == (asked.id, "pending", [])
    await service.answer(OWNER, asked.id, ANSWER)
    answered = await service.read_answer(asked.reading_token)
    assert answered.status == "answered"
    assert [a.body for a in answered.answers] == [ANSWER]
    assert (await service.read_answer(other.reading_token)).answers == []
    for wrong in ("", "garbage", asked.reading_token + "x"):
        with pytest.raises(NotFound):
            await service.read_answer(wrong)


async def test_a_signed_in_author_gets_no_token_and_is_told_by_email_and_telegram() -> None:
    service, store, uow = moderation()
    store.accounts[CLIENT.user_id] = AccountContact(email="anna@example.org", telegram_chat=42)
    asked = await service.submit("question", CLIENT, QUESTION, None)
    assert (asked.reading_token, asked.reading_url) == (None, None)
    assert uow.notifications_queued == []

    await service.answer(OWNER, asked.id, ANSWER)
    sent = [(n.channel, n.to, n.recipient_kind, n.recipient_id, n.variables)
            for n in uow.notifications_queued]  # fmt: skip
    link = {"answer_url": "https://practice.example/cabinet/questions"}
    assert sent == [("email", "anna@example.org", "user", str(CLIENT.user_id), link),
                    ("telegram", "42", "user", str(CLIENT.user_id), link)]  # fmt: skip
    assert store.recipients == {}  # told once, then forgotten


async def test_an_anonymous_contact_gets_the_reading_link_and_no_text() -> None:
    service, store, uow = moderation()
    asked = await service.submit("question", None, QUESTION, None, "reader@example.org")
    assert asked.reading_token is not None
    [(_, kept)] = store.recipients[asked.id]
    assert kept == AnswerRecipient(email="reader@example.org", reading_token=asked.reading_token)

    await service.answer(OWNER, asked.id, ANSWER)
    [notice] = uow.notifications_queued
    assert (notice.channel, notice.to, notice.recipient_kind, notice.template_code) == (
        "email", "reader@example.org", "question_contact", "moderation.answered")  # fmt: skip
    assert notice.variables == {"answer_url": asked.reading_url}
    assert QUESTION not in str(notice)
    assert ANSWER not in str(notice)


async def test_nobody_to_tell_without_a_contact_and_reviews_get_no_token() -> None:
    service, store, uow = moderation()
    asked = await service.submit("question", None, QUESTION, None)
    await service.answer(OWNER, asked.id, ANSWER)
    assert uow.notifications_queued == []
    store.consents.add((CLIENT.user_id, "review_publication"))
    review = await service.submit("review", CLIENT, "Спасибо, стало гораздо легче", None)
    assert review.reading_token is None
    assert review.id not in store.recipients


async def test_a_rejected_question_forgets_whom_to_tell() -> None:
    service, store, uow = moderation()
    asked = await service.submit("question", None, QUESTION, None, "reader@example.org")
    assert asked.id in store.recipients
    await service.reject(OWNER, asked.id, "off_topic")
    assert store.recipients == {}
    assert uow.notifications_queued == []
