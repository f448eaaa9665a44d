"""Content: articles, pages and the public catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from app.adapters.http.content import CONTENT_CONTROLLERS
from app.adapters.postgres.content import PostgresContentRepos
from app.application.content.service import ContentService
from app.composition.infrastructure import Infrastructure
from app.composition.wiring import Wiring, provide


@dataclass(frozen=True, slots=True)
class ContentContext:
    content: ContentService
    wiring: Wiring


def build_content(infra: Infrastructure) -> ContentContext:
    settings = infra.settings
    content = ContentService(
        infra.unit_of_work(PostgresContentRepos),
        infra.clock,
        settings.content_max_body_chars,
        settings.content_cache_seconds,
        infra.memory_invalidation,
        reader=infra.unit_of_work(PostgresContentRepos, autocommit=True),
    )
    return ContentContext(
        content=content,
        wiring=Wiring(
            controllers=tuple(CONTENT_CONTROLLERS),
            dependencies={"content": provide(content)},
        ),
    )
