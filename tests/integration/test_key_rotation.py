"""Key rotation over a few thousand rows: every value stays readable, none stays on the
old key, and a stopped run resumes."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

import msgspec
import psycopg
import pytest

from app.adapters.crypto.aesgcm import AesGcmCipher, Keyring, generate_key
from app.bootstrap import rotate_keys
from app.config import PROJECT_ROOT, Settings
from tests.conftest import make_settings

OLD, NEW = f"old:{generate_key()}", f"new:{generate_key()}"
ROWS = 2500


def fill_diary(postgresql: psycopg.Connection[Any], rows: int) -> list[uuid.UUID]:
    cipher = AesGcmCipher(Keyring.parse(OLD))
    user = postgresql.execute(
        "INSERT INTO users (email) VALUES ('diary@example.org') RETURNING id"
    ).fetchone()[0]  # type: ignore[index]
    ids = [uuid.uuid4() for _ in range(rows)]
    with postgresql.cursor() as cursor:
        cursor.executemany(
            """INSERT INTO diary_entries (id, user_id, entry_date, body_encrypted)
               VALUES (%(id)s, %(user)s, current_date, %(body)s)""",
            [
                {"id": i, "user": user,
                 "body": cipher.encrypt(f"запись {n}", f"diary_entries.body_encrypted:{i}")}
                for n, i in enumerate(ids)
            ],
        )  # fmt: skip
    postgresql.commit()
    return ids


def settings_with(database_url: str, keys: str) -> Settings:
    return msgspec.structs.replace(
        make_settings(database_url), encryption_keyring=Keyring.parse(keys)
    )


def read_all(postgresql: psycopg.Connection[Any], keys: str) -> list[str]:
    postgresql.commit()
    cipher = AesGcmCipher(Keyring.parse(keys))
    return [
        cipher.decrypt(body, f"diary_entries.body_encrypted:{row_id}")
        for row_id, body in postgresql.execute("SELECT id, body_encrypted FROM diary_entries")
    ]


async def test_rotation_moves_every_value_to_the_primary_key(
    database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    fill_diary(postgresql, ROWS)
    seen: list[int] = []
    report = await rotate_keys(
        settings_with(database_url, f"{NEW},{OLD}"), batch_size=400, progress=seen.append
    )
    assert report.before == {"old": ROWS}
    assert report.after == {"new": ROWS}
    assert (report.rotated, report.failed) == (ROWS, 0)
    assert sum(seen) == ROWS
    # The old key can now be removed: everything reads with the new key alone.
    values = read_all(postgresql, NEW)
    assert sorted(values) == sorted(f"запись {n}" for n in range(ROWS))


class Interrupted(Exception):
    pass


async def test_a_stopped_rotation_resumes_where_it_left_off(
    database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    fill_diary(postgresql, 900)
    settings = settings_with(database_url, f"{NEW},{OLD}")

    def stop_after_first_batch(_: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        await rotate_keys(settings, batch_size=300, progress=stop_after_first_batch)
    postgresql.commit()
    counts = dict(
        postgresql.execute(
            "SELECT split_part(body_encrypted, ':', 3), count(*) FROM diary_entries GROUP BY 1"
        ).fetchall()
    )
    assert counts == {"new": 300, "old": 600}
    report = await rotate_keys(settings, batch_size=300)
    assert report.rotated == 600
    assert report.after == {"new": 900}


async def test_values_under_a_missing_key_are_reported_not_lost(
    database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    fill_diary(postgresql, 5)
    report = await rotate_keys(settings_with(database_url, NEW), batch_size=2)
    assert (report.rotated, report.failed) == (0, 5)
    assert report.after == {"old": 5}


def test_rotate_keys_command(database_url: str, postgresql: psycopg.Connection[Any]) -> None:
    fill_diary(postgresql, 50)
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url,
           "ENCRYPTION_KEYS": f"{NEW},{OLD}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "app", "rotate-keys", "--batch-size", "20"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 50 value(s); 0 could not be decrypted" in result.stdout
    assert "values per key before: old=50" in result.stdout
    assert "values per key after:  new=50" in result.stdout
