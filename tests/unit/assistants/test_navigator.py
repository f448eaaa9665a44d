"""The navigator's rules over an in-memory catalogue, and its use of a chat model."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage

from app.application.assistants.navigator import (
    CatalogueArticle,
    CatalogueSelfCheck,
    CatalogueService,
    Navigator,
    NextStepQuery,
)
from app.domain.errors import NotFound
from app.domain.shared.links import SiteLinks
from tests.unit.assistants.fakes import MemoryGate, recording

LINKS = SiteLinks("https://site.test")


class MemoryCatalogue:
    def __init__(self, crisis: str | None = "Если вам сейчас очень плохо") -> None:
        self.articles = [
            CatalogueArticle("trevoga-1", "Тревога 1", ["anxiety"]),
            CatalogueArticle("trevoga-2", "Тревога 2", ["anxiety", "sleep"]),
            CatalogueArticle("son", "Сон", ["sleep"]),
        ]
        self.checks = [
            CatalogueSelfCheck(
                "test-trevogi", "Тест тревоги", "anxiety", {"moderate": ["konsultatsiya"]}
            ),
            CatalogueSelfCheck("test-sna", "Тест сна", "sleep"),
        ]
        self.services_ = [
            CatalogueService("pervaya", "Первая встреча"),
            CatalogueService("konsultatsiya", "Консультация"),
        ]
        self.topics = {"anxiety", "sleep"}
        self.crisis = crisis

    async def article(self, slug: str) -> CatalogueArticle | None:
        return next((a for a in self.articles if a.slug == slug), None)

    async def articles_of_topic(
        self, topic: str, exclude: str | None, limit: int
    ) -> list[CatalogueArticle]:
        return [a for a in self.articles if topic in a.topics and a.slug != exclude][:limit]

    async def self_check(self, slug: str) -> CatalogueSelfCheck | None:
        return next((c for c in self.checks if c.slug == slug), None)

    async def self_checks_of_topic(self, topic: str | None, limit: int) -> list[CatalogueSelfCheck]:
        return sorted(self.checks, key=lambda c: c.topic_code != topic)[:limit]

    async def services(self, preferred: Sequence[str], limit: int) -> list[CatalogueService]:
        def rank(s: CatalogueService) -> int:
            return list(preferred).index(s.slug) if s.slug in preferred else len(preferred)

        return sorted(self.services_, key=rank)[:limit]

    async def topic_exists(self, code: str) -> bool:
        return code in self.topics

    async def crisis_title(self) -> str | None:
        return self.crisis


def ids(steps: Sequence[Any]) -> list[str]:
    return [s.id for s in steps]


def navigator(model: Any = None, catalogue: MemoryCatalogue | None = None) -> Navigator:
    return Navigator(catalogue or MemoryCatalogue(), LINKS, model, timeout_seconds=1)


async def test_an_article_page_gives_another_article_the_topics_self_check_and_a_service() -> None:
    steps = await navigator().next_steps(NextStepQuery(page="trevoga-1"))
    assert ids(steps) == ["article:trevoga-2", "self_check:test-trevogi", "service:pervaya"]
    assert steps[0].url == "https://site.test/articles/trevoga-2"
    assert steps[1].url == "https://site.test/self-checks/test-trevogi"
    assert steps[2].url == "https://site.test/services/pervaya"


async def test_a_band_gives_the_topics_articles_and_the_recommended_service() -> None:
    query = NextStepQuery(page="home", self_check="test-trevogi", band="moderate")
    steps = await navigator().next_steps(query)
    assert ids(steps) == ["article:trevoga-1", "article:trevoga-2", "service:konsultatsiya"]


async def test_a_high_band_puts_the_crisis_resources_first_and_keeps_a_service() -> None:
    query = NextStepQuery(page="home", self_check="test-trevogi", band="high")
    steps = await navigator().next_steps(query)
    assert ids(steps) == ["crisis_resources:crisis", "article:trevoga-1", "service:pervaya"]
    assert steps[0].title == "Если вам сейчас очень плохо"
    assert steps[0].url == "https://site.test/help/crisis"


async def test_a_crisis_topic_puts_the_crisis_resources_first() -> None:
    steps = await navigator().next_steps(NextStepQuery(page="home", topic="crisis"))
    assert steps[0].kind == "crisis_resources"
    assert 1 <= len(steps) <= 3


async def test_without_configured_crisis_resources_the_other_steps_remain() -> None:
    catalogue = MemoryCatalogue(crisis=None)
    query = NextStepQuery(page="home", self_check="test-trevogi", band="high")
    steps = await navigator(catalogue=catalogue).next_steps(query)
    assert "crisis_resources" not in [s.kind for s in steps]
    assert steps


async def test_home_gives_a_plain_default() -> None:
    steps = await navigator().next_steps(NextStepQuery(page="home"))
    assert [s.kind for s in steps] == ["self_check", "service"]


@pytest.mark.parametrize(
    "query",
    [
        NextStepQuery(page="net-takoy"),
        NextStepQuery(page="home", self_check="net-takogo", band="low"),
        NextStepQuery(page="home", topic="unknown_topic"),
    ],
)
async def test_an_unknown_slug_is_not_found(query: NextStepQuery) -> None:
    with pytest.raises(NotFound):
        await navigator().next_steps(query)


def scripted(*contents: str) -> FakeMessagesListChatModel:
    replies: list[BaseMessage] = [AIMessage(content=c) for c in contents]
    return FakeMessagesListChatModel(responses=replies)


async def test_a_model_chooses_among_the_candidates() -> None:
    model = scripted('{"ids": ["service:konsultatsiya", "article:trevoga-1"]}')
    steps = await navigator(model).next_steps(NextStepQuery(page="trevoga-2"))
    assert ids(steps) == ["service:konsultatsiya", "article:trevoga-1"]
    assert steps[0].url == "https://site.test/services/konsultatsiya"


async def test_ids_that_are_not_candidates_are_dropped() -> None:
    model = scripted('```json\n{"ids": ["article:evil", "article:trevoga-2", 7]}\n```')
    steps = await navigator(model).next_steps(NextStepQuery(page="trevoga-1"))
    assert ids(steps) == ["article:trevoga-2"]


async def test_no_valid_id_gives_the_rules_answer() -> None:
    model = scripted('{"ids": ["article:evil"]}')
    steps = await navigator(model).next_steps(NextStepQuery(page="trevoga-1"))
    assert ids(steps) == ["article:trevoga-2", "self_check:test-trevogi", "service:pervaya"]


async def test_garbage_gives_the_rules_answer() -> None:
    model = scripted("Конечно! Вот что я советую: почитайте про тревогу.")
    steps = await navigator(model).next_steps(NextStepQuery(page="trevoga-1"))
    assert ids(steps) == ["article:trevoga-2", "self_check:test-trevogi", "service:pervaya"]


async def test_the_model_cannot_remove_the_crisis_resources() -> None:
    model = scripted('{"ids": ["article:trevoga-2"]}')
    query = NextStepQuery(page="home", self_check="test-trevogi", band="high")
    steps = await navigator(model).next_steps(query)
    assert ids(steps) == ["crisis_resources:crisis", "article:trevoga-2"]


class FailingModel(FakeMessagesListChatModel):
    async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the provider is down")


class SlowModel(FakeMessagesListChatModel):
    async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(5)
        raise AssertionError("not reached")


@pytest.mark.parametrize("model_class", [FailingModel, SlowModel])
async def test_a_model_error_or_timeout_gives_the_rules_answer(model_class: type) -> None:
    model = model_class(responses=[AIMessage(content="{}")])
    steps = await navigator(model).next_steps(NextStepQuery(page="trevoga-1"))
    assert ids(steps) == ["article:trevoga-2", "self_check:test-trevogi", "service:pervaya"]


@pytest.mark.parametrize("reason", ["rate", "budget"])
async def test_a_caller_the_gate_refuses_gets_the_rules_and_the_model_is_not_called(
    reason: str,
) -> None:
    model = recording('{"ids": ["article:trevoga-2"]}')
    gate = MemoryGate(refuse=reason)
    nav = Navigator(MemoryCatalogue(), LINKS, model, timeout_seconds=1, gate=gate)
    query = NextStepQuery(page="home", self_check="test-trevogi", band="moderate")
    steps = await nav.next_steps(query, caller="anon:203.0.113.5")
    assert ids(steps) == ["article:trevoga-1", "article:trevoga-2", "service:konsultatsiya"]
    assert model.seen == []
    assert gate.callers == ["anon:203.0.113.5"]


async def test_an_admitted_caller_gets_the_models_choice() -> None:
    model = recording('{"ids": ["article:trevoga-2"]}')
    gate = MemoryGate()
    nav = Navigator(MemoryCatalogue(), LINKS, model, timeout_seconds=1, gate=gate)
    steps = await nav.next_steps(NextStepQuery(page="home", topic="anxiety"), caller="user:1")
    assert ids(steps) == ["article:trevoga-2"]
    assert gate.callers == ["user:1"]
