"""The CRM search's LIKE pattern: a substring, lower-cased, its wildcards literal."""

from __future__ import annotations

import re

import pytest

from app.adapters.postgres.crm import _substring


def like(pattern: str, text: str) -> bool:
    """PostgreSQL's LIKE with the default escape character, for the check."""
    regex = ""
    chars = iter(pattern)
    for c in chars:
        if c == "\\":
            regex += re.escape(next(chars))
        elif c == "%":
            regex += ".*"
        elif c == "_":
            regex += "."
        else:
            regex += re.escape(c)
    return re.fullmatch(regex, text, re.S) is not None


@pytest.mark.parametrize(
    ("q", "text", "matches"),
    [
        ("Anna.Lead", "anna.lead@example.org", True),
        ("ann", "ivan, anna", True),
        ("a_b", "axb", False),
        ("a_b", "xa_by", True),
        ("50%", "500", False),
        ("50%", "скидка 50%", True),
        ("a\\b", "a\\b", True),
        ("a\\b", "ab", False),
    ],
)
def test_the_pattern_is_the_substring_search(q: str, text: str, matches: bool) -> None:
    assert like(_substring(q), text) is matches
    assert (q.lower() in text) is matches
