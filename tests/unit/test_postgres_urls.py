"""``postgres://`` is accepted wherever ``postgresql://`` is (libpq reads both)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.adapters.postgres.migrations import yoyo_url
from app.config import ConfigError, load_settings
from tests.conftest import PgServer, _server_from_url

SCHEMES = ["postgresql", "postgres"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_database_url_takes_either_scheme(scheme: str) -> None:
    url = f"{scheme}://app:pw@db:5432/app"
    assert load_settings({"DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize("scheme", SCHEMES)
def test_database_url_file_takes_either_scheme(scheme: str, tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text(f"{scheme}://app:pw@db:5432/app\n", encoding="utf-8")
    settings = load_settings({"DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == f"{scheme}://app:pw@db:5432/app"


@pytest.mark.parametrize("url", ["mysql://app@db/app", "postgresq://db/app", "db:5432/app"])
def test_other_schemes_are_refused_naming_both_accepted(url: str) -> None:
    with pytest.raises(ConfigError, match=r"DATABASE_URL: .*postgresql://.*postgres://"):
        load_settings({"DATABASE_URL": url})


@pytest.mark.parametrize("scheme", [*SCHEMES, "postgresql+psycopg"])
def test_yoyo_gets_the_psycopg_3_scheme(scheme: str) -> None:
    assert yoyo_url(f"{scheme}://app:pw@db:5432/app?sslmode=require") == (
        "postgresql+psycopg://app:pw@db:5432/app?sslmode=require"
    )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_test_server_url_takes_either_scheme(scheme: str) -> None:
    assert _server_from_url(f"{scheme}://tester:pw@10.0.0.5:6543/postgres") == PgServer(
        host="10.0.0.5", port=6543, user="tester", password="pw"
    )
