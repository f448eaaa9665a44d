"""A self-check world for the use-case tests: the service over in-memory storage, a
deep-link issuer that remembers what it was asked, and a published quiz."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from app.application.access import Principal
from app.application.interactives.ports import ContentLink, ServiceLink
from app.application.interactives.service import InteractiveService
from app.domain.identity.model import Role
from tests.unit.interactives.fakes import interactives_world
from tests.unit.memory import ManualClock

EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
ANNA = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
VISITOR = "visitor-7f3a9c2e1b"
OPTIONS = [
    {"id": "never", "label": "Никогда", "value": 0},
    {"id": "some", "label": "Иногда", "value": 1},
    {"id": "often", "label": "Часто", "value": 2},
    {"id": "always", "label": "Почти всегда", "value": 3},
]
QUIZ: dict[str, Any] = {
    "questions": [
        {"id": f"q{n}", "text": f"Вопрос {n}", "kind": "single", "options": OPTIONS}
        for n in (1, 2, 3)
    ],
    "scoring": {
        "kind": "sum",
        "bands": [
            {"level": "low", "min": 0, "max": 4},
            {"level": "moderate", "min": 4, "max": 7},
            {"level": "high", "min": 7},
        ],
    },
    "crisis": {"any": [{"question": "q3", "options": ["always"]}]},
    "recommendations": {
        "moderate": {"content": ["o-trevoge", "chernovik"], "services": ["konsultatsiya"],
                     "telegram_purpose": "plan"},
        "high": {"services": ["konsultatsiya"]},
    },
}  # fmt: skip
MODERATE = {"q1": "often", "q2": "often", "q3": "never"}  # 4 points
HIGH_IN_CRISIS = {"q1": "always", "q2": "always", "q3": "always"}  # 9 points
LOW = {"q1": "never", "q2": "some", "q3": "never"}


class DeepLinks:
    """The ``DeepLinkIssuer`` port: a URL per request, every request remembered."""

    def __init__(self, answer: bool = True) -> None:
        self.asked: list[tuple[str, dict[str, Any], uuid.UUID | None, uuid.UUID | None]] = []
        self._answer = answer

    async def url_for(
        self, purpose: str, payload: dict[str, Any], user_id: uuid.UUID | None,
        lead_id: uuid.UUID | None = None,
    ) -> str | None:  # fmt: skip
        self.asked.append((purpose, payload, user_id, lead_id))
        return f"https://t.me/bot?start=link{len(self.asked)}" if self._answer else None


class World:
    def __init__(self, *, bot: bool = True, bot_answers: bool = True) -> None:
        """``bot``: whether a deep-link issuer is configured; ``bot_answers``: whether it
        makes links (it does not while the bot has no username)."""
        self.clock = ManualClock()
        self.state, self.uow = interactives_world(self.clock)
        self.deep_links = DeepLinks(bot_answers)
        self.service = InteractiveService(self.uow, self.clock, self.deep_links if bot else None)
        self.runs = self.service.runs
        self.definitions = self.service.definitions
        self.state.content["o-trevoge"] = ContentLink(
            type="article", slug="o-trevoge", title="О тревоге", summary=None
        )
        self.state.services["konsultatsiya"] = ServiceLink(
            slug="konsultatsiya", title="Консультация", duration_minutes=50,
            price=Decimal("3500.00"), currency="RUB",
        )  # fmt: skip

    async def publish(self, slug: str = "trevoga", config: dict[str, Any] = QUIZ) -> uuid.UUID:
        created = await self.definitions.create(EDITOR, slug, "quiz", "Тревога", None, None)
        number = await self.definitions.add_version(EDITOR, created.id, config)
        await self.definitions.publish(EDITOR, created.id, number)
        return created.id
