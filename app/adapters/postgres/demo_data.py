"""Demo data for local runs: services, a weekly schedule, articles, a glossary, a quiz.

Loaded by ``python -m app seed-demo`` (and so by ``make run``); never a migration and
never run in prod. Idempotent: every row is matched by its natural key or a fixed id,
so a second run adds nothing and never overwrites local edits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from app.adapters.postgres.database import Database

_NAMESPACE = uuid.UUID("6f1c7d4e-2a5b-4c3d-9e8f-0a1b2c3d4e5f")


def demo_id(name: str) -> uuid.UUID:
    """A fixed id for a demo row, the same on every run."""
    return uuid.uuid5(_NAMESPACE, name)


@dataclass(frozen=True, slots=True)
class DemoArticle:
    slug: str
    title: str
    summary: str
    body: str
    topics: tuple[str, ...]
    tags: tuple[str, ...]


SERVICES: tuple[dict[str, Any], ...] = (
    {
        "slug": "individualnaya-konsultatsiya",
        "title": "Индивидуальная консультация",
        "description_markdown": "Встреча 50 минут онлайн: разберём ваш запрос и наметим шаги.",
        "format": "online",
        "duration_minutes": 50,
        "price_amount": Decimal("3500.00"),
        "deposit_amount": None,
        "buffer_after_minutes": 10,
        "min_notice_minutes": 12 * 60,
    },
    {
        "slug": "pervaya-vstrecha",
        "title": "Первая встреча в кабинете",
        "description_markdown": "Очная встреча 80 минут для знакомства и подробного разговора.",
        "format": "offline",
        "duration_minutes": 80,
        "price_amount": Decimal("5000.00"),
        "deposit_amount": Decimal("1500.00"),
        "buffer_after_minutes": 20,
        "min_notice_minutes": 24 * 60,
    },
)

# Monday to Friday 10:00-18:00 and Saturday 11:00-15:00, Moscow time.
SCHEDULE: tuple[tuple[int, time, time], ...] = (
    *((weekday, time(10), time(18)) for weekday in range(1, 6)),
    (6, time(11), time(15)),
)

TAGS: tuple[tuple[str, str], ...] = (
    ("samopomosch", "Самопомощь"),
    ("dyhanie", "Дыхание"),
    ("rabota", "Работа"),
    ("son", "Сон"),
)

ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        slug="kak-uspokoitsya-kogda-trevozhno",
        title="Как успокоиться, когда тревожно",
        summary="Три простых способа вернуть себе опору в моменте тревоги.",
        body=(
            "Тревога — естественная реакция на неопределённость. Когда тревожные мысли "
            "нарастают, помогает медленное дыхание: вдох на четыре счёта, выдох на шесть. "
            "Назовите пять предметов, которые видите вокруг, — это возвращает внимание в "
            "настоящее."
        ),
        topics=("anxiety", "emotions"),
        tags=("samopomosch", "dyhanie"),
    ),
    DemoArticle(
        slug="priznaki-vygoraniya",
        title="Признаки выгорания: на что обратить внимание",
        summary="Усталость, цинизм и ощущение бессмысленности — повод остановиться.",
        body=(
            "Выгорание развивается постепенно. Хроническая усталость, раздражительность, "
            "отстранённость от работы и близких — сигналы, что ресурсы на исходе. "
            "Начните с малого: верните в неделю один день без рабочих сообщений."
        ),
        topics=("burnout", "stress"),
        tags=("rabota",),
    ),
    DemoArticle(
        slug="vechernie-ritualy-dlya-sna",
        title="Вечерние ритуалы для спокойного сна",
        summary="Как подготовить тело и голову ко сну.",
        body=(
            "Сон начинается задолго до того, как вы ложитесь. Приглушите свет за час до "
            "сна, отложите телефон, запишите тревожащие мысли на бумагу — так им будет "
            "проще отпустить вас до утра."
        ),
        topics=("sleep", "anxiety"),
        tags=("son", "samopomosch"),
    ),
    DemoArticle(
        slug="kak-govorit-net",
        title="Как говорить «нет» без чувства вины",
        summary="Личные границы — это забота о себе, а не эгоизм.",
        body=(
            "Отказ — это информация о ваших возможностях, а не оценка другого человека. "
            "Попробуйте формулу: признание просьбы, честное «нет», альтернатива, если она "
            "есть."
        ),
        topics=("boundaries", "relationships", "self_esteem"),
        tags=("samopomosch",),
    ),
)

GLOSSARY: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "trevoga",
        "Тревога",
        "Эмоциональное состояние ожидания неопределённой угрозы.",
        ("Тревожность", "Беспокойство"),
    ),
    (
        "vygoranie",
        "Выгорание",
        "Состояние эмоционального, физического и умственного истощения от хронического стресса.",
        ("Эмоциональное выгорание",),
    ),
    (
        "lichnye-granitsy",
        "Личные границы",
        "Представление человека о том, что допустимо по отношению к нему.",
        ("Границы",),
    ),
)

_FREQUENCY = (
    {"id": "never", "label": "Никогда", "value": 0},
    {"id": "sometimes", "label": "Иногда", "value": 1},
    {"id": "often", "label": "Часто", "value": 2},
    {"id": "always", "label": "Почти всегда", "value": 3},
)


def _frequency_question(question_id: str, text: str) -> dict[str, Any]:
    return {"id": question_id, "kind": "single", "text": text, "options": list(_FREQUENCY)}


# Version 2 of the demo quiz (version 1 predates the scoring schema and is never scored).
ANXIETY_QUIZ_VERSION = 2
ANXIETY_QUIZ_CONFIG: dict[str, Any] = {
    "questions": [
        _frequency_question("q1", "Как часто вы чувствуете беспокойство?"),
        _frequency_question("q2", "Трудно ли вам остановить тревожные мысли?"),
        _frequency_question("q3", "Бывает ли, что тревога мешает уснуть?"),
        _frequency_question("q4", "Напряжены ли вы так, что трудно усидеть на месте?"),
        _frequency_question("q5", "Бывают ли мысли, что вам было бы лучше не жить?"),
    ],
    "scoring": {
        "kind": "sum",
        "bands": [
            {"level": "low", "min": 0, "max": 5},
            {"level": "moderate", "min": 5, "max": 10},
            {"level": "high", "min": 10},
        ],
    },
    "crisis": {"any": [{"question": "q5", "options": ["sometimes", "often", "always"]}]},
    "recommendations": {
        "low": {"content": ["kak-uspokoitsya-kogda-trevozhno"]},
        "moderate": {
            "content": ["kak-uspokoitsya-kogda-trevozhno", "vechernie-ritualy-dlya-sna"],
            "services": ["individualnaya-konsultatsiya"],
            "telegram_purpose": "interactive_result",
        },
        "high": {
            "services": ["individualnaya-konsultatsiya"],
            "telegram_purpose": "interactive_result",
        },
    },
}


async def load_demo_data(database: Database) -> None:
    """Insert whatever demo rows are missing, in one transaction."""
    q = database.queries.demo
    async with database.pool.connection() as conn, conn.transaction():
        for service in SERVICES:
            await q.add_service(conn, id=demo_id(f"service:{service['slug']}"), **service)
        for weekday, start, end in SCHEDULE:
            await q.add_schedule_rule(
                conn,
                id=demo_id(f"schedule:{weekday}"),
                weekday=weekday,
                start_time=start,
                end_time=end,
                timezone="Europe/Moscow",
            )
        for slug, title in TAGS:
            await q.add_tag(conn, slug=slug, title=title)
        for article in ARTICLES:
            key = {"type": "article", "slug": article.slug}
            await q.add_published_content(
                conn, title=article.title, summary=article.summary,
                body_markdown=article.body, **key,
            )  # fmt: skip
            await q.link_content_topics(conn, topic_codes=list(article.topics), **key)
            await q.link_content_tags(conn, tag_slugs=list(article.tags), **key)
        for slug, term, definition, synonyms in GLOSSARY:
            await q.add_glossary_term(conn, slug=slug, term=term, definition_markdown=definition)
            for synonym in synonyms:
                await q.add_glossary_synonym(conn, slug=slug, synonym=synonym)
        quiz = "trevozhnost-samoproverka"
        await q.add_interactive(
            conn,
            id=demo_id(f"interactive:{quiz}"),
            slug=quiz,
            interactive_type="quiz",
            title="Самопроверка: уровень тревожности",
            description="Пять вопросов о последних двух неделях. Это не диагноз.",
            topic_code="anxiety",
        )
        await q.add_interactive_version(
            conn,
            id=demo_id(f"interactive:{quiz}:{ANXIETY_QUIZ_VERSION}"),
            slug=quiz,
            version_no=ANXIETY_QUIZ_VERSION,
            config=Jsonb(ANXIETY_QUIZ_CONFIG),
        )
        await q.publish_interactive_version(conn, slug=quiz, version_no=ANXIETY_QUIZ_VERSION)
