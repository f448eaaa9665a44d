"""Minimal valid rows for schema tests: each builder inserts one row and returns its id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

ENC = "enc:v1:k1:AAAA"
T0 = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


def one(db: psycopg.Connection[Any], sql: str, params: dict[str, Any] | None = None) -> Any:
    row = db.execute(sql, params or {}).fetchone()
    assert row is not None
    return row[0]


def user(db: psycopg.Connection[Any], email: str | None = None) -> uuid.UUID:
    return one(
        db,
        "INSERT INTO users (email, display_name) VALUES (%(email)s, 'Анна') RETURNING id",
        {"email": email or f"{uuid.uuid4().hex[:10]}@example.org"},
    )


def lead(db: psycopg.Connection[Any]) -> uuid.UUID:
    return one(
        db, "INSERT INTO leads (source, display_name) VALUES ('booking', 'Гость') RETURNING id"
    )


def service(db: psycopg.Connection[Any], slug: str | None = None) -> uuid.UUID:
    return one(
        db,
        """INSERT INTO services (slug, title, format, duration_minutes, price_amount,
                                 buffer_before_minutes, buffer_after_minutes, status)
           VALUES (%(slug)s, 'Консультация', 'online', 50, 3500.00, 0, 10, 'published')
           RETURNING id""",
        {"slug": slug or f"svc-{uuid.uuid4().hex[:8]}"},
    )


def appointment(
    db: psycopg.Connection[Any],
    service_id: uuid.UUID,
    start: datetime = T0,
    minutes: int = 60,
    *,
    status: str = "pending_payment",
    client: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
) -> uuid.UUID:
    end = start + timedelta(minutes=minutes)
    if client is None and lead_id is None:
        client = user(db)
    return one(
        db,
        """INSERT INTO appointments (service_id, client_user_id, lead_id, start_at, end_at,
                                     blocked_period, timezone, status, format, hold_expires_at,
                                     canceled_at)
           VALUES (%(service)s, %(client)s, %(lead)s, %(start)s, %(end)s,
                   tstzrange(%(start)s, %(end)s, '[)'), 'Europe/Moscow', %(status)s, 'online',
                   %(hold)s, CASE WHEN %(status)s = 'canceled' THEN now() END)
           RETURNING id""",
        {
            "service": service_id,
            "client": client,
            "lead": lead_id,
            "start": start,
            "end": end,
            "status": status,
            "hold": start - timedelta(days=1),
        },
    )


def content_item(
    db: psycopg.Connection[Any],
    slug: str,
    *,
    type_: str = "article",
    title: str = "Заголовок",
    body: str = "Текст",
    status: str = "draft",
) -> uuid.UUID:
    return one(
        db,
        """INSERT INTO content_items (type, slug, title, body_markdown, status, published_at)
           VALUES (%(type)s, %(slug)s, %(title)s, %(body)s, %(status)s,
                   CASE WHEN %(status)s = 'published' THEN now() END)
           RETURNING id""",
        {"type": type_, "slug": slug, "title": title, "body": body, "status": status},
    )


def interactive(
    db: psycopg.Connection[Any], slug: str = "anxiety-check"
) -> tuple[uuid.UUID, uuid.UUID]:
    definition = one(
        db,
        """INSERT INTO interactive_definitions (slug, interactive_type, title, topic_code)
           VALUES (%(slug)s, 'quiz', 'Проверка тревоги', 'anxiety') RETURNING id""",
        {"slug": slug},
    )
    version = one(
        db,
        """INSERT INTO interactive_versions (definition_id, version_no, config)
           VALUES (%(d)s, 1, '{"questions": []}') RETURNING id""",
        {"d": definition},
    )
    return definition, version


def ugc_item(db: psycopg.Connection[Any]) -> uuid.UUID:
    return one(
        db,
        """INSERT INTO ugc_items (kind, text_encrypted, sla_due_at)
           VALUES ('question', %(enc)s, now() + interval '1 day') RETURNING id""",
        {"enc": ENC},
    )
