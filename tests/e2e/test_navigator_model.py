"""The navigator with a model: the real adapter (ChatOpenAI) against a local
OpenAI-compatible stub, through HTTP over the demo catalogue in PostgreSQL. The model
chooses among the catalogue's candidates; an id it invents is dropped; a failing
provider leaves the rules' answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.postgres.demo_data import load_demo_data
from app.bootstrap import build_core, create_app
from tests.conftest import FixedClock, make_settings
from tests.e2e.test_llm_stub import Provider, Reply, completion, provider  # noqa: F401

URL = "/api/v1/assistant/next-step"
ARTICLE = "kak-uspokoitsya-kogda-trevozhno"
OTHER_ARTICLE = "vechernie-ritualy-dlya-sna"


@pytest.fixture
async def model_client(
    database_url: str,
    provider: Provider,  # noqa: F811
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = make_settings(
        database_url, LLM_PROVIDER="openai", LLM_BASE_URL=provider.base_url,
        LLM_API_KEY="sk-stub", LLM_MODEL="balance-chat", LLM_TIMEOUT_SECONDS="30",
    )  # fmt: skip
    loader = build_core(settings, clock=FixedClock())
    await loader.database.open()
    try:
        await load_demo_data(loader.database)
    finally:
        await loader.database.close()
    app = create_app(settings, core=build_core(settings, clock=FixedClock()))
    async with AsyncTestClient(app=app) as client:
        yield client


def choose(ids: list[str]) -> Reply:
    content = '{"ids": [' + ", ".join(f'"{i}"' for i in ids) + "]}"
    return Reply(body=completion({"role": "assistant", "content": content}))


async def test_the_model_chooses_among_the_catalogue_and_an_invented_id_is_dropped(
    model_client: AsyncTestClient[Litestar],
    provider: Provider,  # noqa: F811
) -> None:
    provider.replies.append(choose(["article:no-such-article", f"article:{OTHER_ARTICLE}"]))
    response = await model_client.post(URL, json={"page": ARTICLE})
    assert response.status_code == 200, response.text
    steps: list[dict[str, Any]] = response.json()["steps"]
    assert [(s["kind"], s["slug"]) for s in steps] == [("article", OTHER_ARTICLE)]
    assert steps[0]["url"].endswith(f"/articles/{OTHER_ARTICLE}")  # built by the site's links
    sent = provider.requests[0]
    assert sent["model"] == "balance-chat"
    prompt = " ".join(str(m["content"]) for m in sent["messages"])
    assert f"article:{OTHER_ARTICLE}" in prompt  # the candidates were offered


async def test_a_failing_provider_leaves_the_rules_answer(
    model_client: AsyncTestClient[Litestar],
    provider: Provider,  # noqa: F811
) -> None:
    # No scripted reply: the stub answers 500 to every try (and to the retries).
    response = await model_client.post(URL, json={"page": ARTICLE})
    assert response.status_code == 200, response.text
    kinds = [s["kind"] for s in response.json()["steps"]]
    assert kinds == ["article", "self_check", "service"]
    assert len(provider.requests) == 3  # one try and two retries
