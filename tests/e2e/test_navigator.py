"""The navigator over the demo catalogue in PostgreSQL, through HTTP (rules only)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.postgres.demo_data import load_demo_data
from app.composition.root import Core

URL = "/api/v1/assistant/next-step"
QUIZ = "trevozhnost-samoproverka"
SITE = "http://127.0.0.1:8000"


@pytest.fixture
async def demo(core: Core) -> None:
    await load_demo_data(core.database)


async def steps(client: AsyncTestClient[Litestar], body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.post(URL, json=body)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    found: list[dict[str, Any]] = response.json()["steps"]
    assert 1 <= len(found) <= 3
    return found


async def test_an_article_page(demo: None, client: AsyncTestClient[Litestar]) -> None:
    found = await steps(client, {"page": "kak-uspokoitsya-kogda-trevozhno"})
    assert [s["kind"] for s in found] == ["article", "self_check", "service"]
    article, check, service = found
    assert article["slug"] == "vechernie-ritualy-dlya-sna"  # the other anxiety article
    assert article["url"] == f"{SITE}/articles/vechernie-ritualy-dlya-sna"
    assert check == {
        "kind": "self_check",
        "slug": QUIZ,
        "title": "Самопроверка: уровень тревожности",
        "url": f"{SITE}/self-checks/{QUIZ}",
    }
    assert service["url"] == f"{SITE}/services/{service['slug']}"


async def test_a_moderate_band(demo: None, client: AsyncTestClient[Litestar]) -> None:
    found = await steps(client, {"page": "home", "self_check": QUIZ, "band": "moderate"})
    kinds = [s["kind"] for s in found]
    assert kinds == ["article", "article", "service"]
    # The band's recommendation names the service to book.
    assert found[2]["slug"] == "individualnaya-konsultatsiya"


async def test_a_high_band_gives_the_crisis_resources_first(
    demo: None, client: AsyncTestClient[Litestar]
) -> None:
    found = await steps(client, {"page": "home", "self_check": QUIZ, "band": "high"})
    assert found[0]["kind"] == "crisis_resources"
    assert found[0]["url"] == f"{SITE}/help/crisis"
    assert found[0]["title"].startswith("Если вам сейчас очень тяжело")
    assert found[-1] == {
        "kind": "service",
        "slug": "individualnaya-konsultatsiya",
        "title": found[-1]["title"],
        "url": f"{SITE}/services/individualnaya-konsultatsiya",
    }
    crisis_topic = await steps(client, {"page": "home", "topic": "crisis"})
    assert crisis_topic[0]["kind"] == "crisis_resources"


@pytest.mark.parametrize(
    "body",
    [
        {"page": "net-takoy-stati"},
        {"page": "home", "self_check": "net-takogo-testa", "band": "low"},
        {"page": "home", "topic": "no_such_topic"},
    ],
)
async def test_an_unknown_slug_is_a_404(
    demo: None, client: AsyncTestClient[Litestar], body: dict[str, Any]
) -> None:
    response = await client.post(URL, json=body)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_strict_input(client: AsyncTestClient[Litestar]) -> None:
    for body in ({"page": "home", "extra": 1}, {"page": 5}, {"page": "home", "band": "bad"}):
        response = await client.post(URL, json=body)
        assert response.status_code in (400, 422), body
