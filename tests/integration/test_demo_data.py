"""`seed-demo` fills a local database with usable demo data and is idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import psycopg
from psycopg import sql

from app.adapters.postgres.demo_data import ANXIETY_QUIZ_CONFIG
from app.bootstrap import load_demo
from app.config import PROJECT_ROOT
from app.domain.interactives.config import validate_config
from tests.conftest import make_settings

TABLES = (
    "services", "schedule_rules", "tags", "content_items", "content_item_topics",
    "content_item_tags", "glossary_terms", "glossary_term_synonyms",
    "interactive_definitions", "interactive_versions",
)  # fmt: skip


def _counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    return {
        table: conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()[0]  # type: ignore[index]
        for table in TABLES
    }


async def test_demo_data_loads_once_and_is_usable(
    database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    settings = make_settings(database_url)
    await load_demo(settings)
    postgresql.commit()
    first = _counts(postgresql)
    assert first["services"] == 2
    assert first["schedule_rules"] == 6
    assert first["content_items"] == 4

    await load_demo(settings)
    postgresql.commit()
    assert _counts(postgresql) == first
    # One demo owner (README: the console's login after `make run`), however many loads.
    owners = postgresql.execute("SELECT count(*) FROM user_roles WHERE role_code = 'owner'")
    assert owners.fetchone() == (1,)

    found = postgresql.execute(
        """SELECT slug FROM content_items
           WHERE status = 'published'
             AND search_vector @@ websearch_to_tsquery('russian', 'тревожных мыслей')
           ORDER BY slug"""
    ).fetchall()
    assert [row[0] for row in found] == ["kak-uspokoitsya-kogda-trevozhno"]
    quiz = postgresql.execute(
        """SELECT d.status, v.version_no, v.config -> 'scoring' -> 'bands' -> 0 ->> 'level'
           FROM interactive_definitions d
           JOIN interactive_versions v ON v.id = d.published_version_id
           WHERE d.slug = 'trevozhnost-samoproverka'"""
    ).fetchone()
    assert quiz == ("published", 2, "low")
    validate_config(ANXIETY_QUIZ_CONFIG)  # the demo quiz can be scored
    synonym_term = postgresql.execute(
        """SELECT t.slug FROM glossary_term_synonyms s JOIN glossary_terms t ON t.id = s.term_id
           WHERE lower(s.synonym) = lower('беспокойство')"""
    ).fetchone()
    assert synonym_term == ("trevoga",)


def test_seed_demo_command(database_url: str) -> None:
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "app", "seed-demo"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "demo data loaded" in result.stdout


def test_seed_demo_refuses_prod(database_url: str) -> None:
    env = {
        **os.environ,
        "APP_ENV": "prod",
        "DATABASE_URL": database_url,
        "EMAIL_BACKEND": "smtp",
        "PAYMENTS_PROVIDER": "yookassa",
        "SMTP_HOST": "127.0.0.1",
        "EMAIL_FROM": "test <test@example.org>",
        "ENCRYPTION_KEYS": "k1:" + "A" * 43,
        "YOOKASSA_SHOP_ID": "1",
        "YOOKASSA_SECRET_KEY": "test_secret",
        "PUBLIC_BASE_URL": "https://balance.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "seed-demo"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "dev and test only" in result.stderr


async def test_demo_articles_are_readable_through_the_api(database_url: str) -> None:
    from litestar.testing import AsyncTestClient  # noqa: PLC0415

    from app.bootstrap import create_app  # noqa: PLC0415

    settings = make_settings(database_url)
    await load_demo(settings)
    async with AsyncTestClient(app=create_app(settings)) as client:
        listed = (await client.get("/api/v1/content?type=article")).json()["items"]
        assert len(listed) == 4
        one = await client.get(f"/api/v1/content/article/{listed[0]['slug']}")
        assert one.status_code == 200
        assert one.json()["body_markdown"]
        term = await client.get("/api/v1/glossary/Тревожность")
        assert term.json()["slug"] == "trevoga"
