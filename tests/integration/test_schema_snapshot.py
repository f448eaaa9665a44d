"""Schema snapshot: any change to tables, columns, constraints, indexes or triggers
shows up in review as a diff of ``schema_snapshot.txt``.

After an intended schema change, regenerate the file and commit it with the migration:

    UPDATE_SCHEMA_SNAPSHOT=1 .venv/bin/pytest tests/integration/test_schema_snapshot.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import psycopg
import pytest

pytestmark = pytest.mark.migrations

SNAPSHOT = Path(__file__).with_name("schema_snapshot.txt")
YOYO = ("_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock")

# Each query yields lines "<kind> <table> <name> <definition>"; together they describe
# the schema independently of the server version (NOT NULL catalog entries of
# PostgreSQL 18 are left out: nullability is in the column lines).
QUERIES = {
    "column": """
        SELECT c.relname, a.attname,
               format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
               || CASE WHEN a.attidentity <> '' THEN ' identity' ELSE '' END
               || coalesce(CASE WHEN a.attgenerated <> '' THEN ' generated as ' ELSE ' default ' END
                           || pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0
          AND NOT a.attisdropped AND c.relname <> ALL(%(yoyo)s)
    """,
    "constraint": """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.connamespace = 'public'::regnamespace AND c.contype <> 'n'
          AND c.conrelid::regclass::text <> ALL(%(yoyo)s)
    """,
    "index": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> ALL(%(yoyo)s)
    """,
    "trigger": """
        SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t WHERE NOT t.tgisinternal
    """,
    "function": """
        SELECT '-', p.proname, md5(p.prosrc) FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
    """,
}


def schema_lines(conn: psycopg.Connection[Any]) -> list[str]:
    lines = []
    for kind, sql in QUERIES.items():
        for table, name, definition in conn.execute(sql, {"yoyo": list(YOYO)}).fetchall():
            lines.append(f"{kind} {table} {name} {definition}")
    return sorted(lines)


def test_schema_matches_the_reviewed_snapshot(postgresql: psycopg.Connection[Any]) -> None:
    actual = schema_lines(postgresql)
    if os.environ.get("UPDATE_SCHEMA_SNAPSHOT") == "1":
        SNAPSHOT.write_text("\n".join(actual) + "\n", encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    diff = "\n".join(
        difflib.unified_diff(expected, actual, "schema_snapshot.txt", "database", lineterm="")
    )
    assert actual == expected, (
        "The schema differs from tests/integration/schema_snapshot.txt. If the change is "
        "intended, regenerate it (see this module's docstring) and commit it.\n" + diff
    )
