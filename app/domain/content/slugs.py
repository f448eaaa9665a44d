"""A URL slug made from a Russian (or Latin) title: transliterated, lower case, hyphens."""

from __future__ import annotations

import re

from app.domain.content.model import MAX_SLUG

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
         "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
         "yu", "ya"],
        strict=True,
    )
)  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug_from_title(title: str, suffix: str = "", max_words: int = 8) -> str:
    """``Тревога: что делать?`` → ``trevoga-chto-delat``; ``suffix`` (lower-case letters
    and digits) is appended after a hyphen; an empty result becomes ``draft``."""
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in title.lower())
    words = [w for w in _NOT_SLUG.split(latin) if w][:max_words]
    base = "-".join(words) or "draft"
    room = MAX_SLUG - (len(suffix) + 1 if suffix else 0)
    base = base[:room].strip("-")
    return f"{base}-{suffix}" if suffix else base
