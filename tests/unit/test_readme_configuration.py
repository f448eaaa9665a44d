"""README's configuration section is one table naming every setting the loader reads."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = (PROJECT_ROOT / "app" / "config.py").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def _tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    previous_was_row = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous_was_row:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous_was_row = is_row
    return tables


def test_configuration_is_one_table() -> None:
    tables = _tables(_section("Configuration"))
    assert len(tables) == 1, f"the configuration section has {len(tables)} tables"
    assert tables[0][0].startswith("| variable | meaning | default |")


def test_every_setting_the_loader_reads_has_a_row() -> None:
    (table,) = _tables(_section("Configuration"))
    documented: set[str] = set()
    for row in table[2:]:
        first_cell = row.split("|")[1]
        documented |= set(re.findall(r"`([A-Z][A-Z0-9_]*)", first_cell))
    read = set(re.findall(r'env\.(?:get|raw)\(\s*"([A-Z][A-Z0-9_]+)"', CONFIG))
    assert len(read) > 30, "the pattern no longer finds the loader's variables"
    if "SITE_PATH_" in CONFIG:
        read.add("SITE_PATH_")
    missing = sorted(read - documented)
    assert not missing, f"README's configuration table lacks {missing}"
