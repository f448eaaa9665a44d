"""Automatic flags on a question or review: recorded as codes, never as the words.

Broad on purpose for crisis and self-harm (a false alarm costs a moderator a minute);
``pii`` marks contact details the author gave away; ``spam`` is a few cheap heuristics.
"""

from __future__ import annotations

import re

from app.domain.shared.crisis import mentions_crisis

_SELF_HARM = re.compile(r"режу\s+(?:себе\s+)?(?:руки|себя)|порез|селфхарм|self[- ]?harm|бью\s+себя")
_VIOLENCE = re.compile(r"(?:бь[её]т|избива|ударил|угрожа|насили|душил)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"(?:\+|\b)\d[\d\s()-]{8,}\d\b")
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_SPAM_WORDS = re.compile(r"казино|ставки|заработ\w*\s+от|кредит\s+без|криптовалют")
REASON_CODES = frozenset(
    {"off_topic", "spam", "abusive", "duplicate", "personal_data", "unsafe", "other"}
)
URGENT = frozenset({"crisis", "self_harm"})


def detect(text: str) -> frozenset[str]:
    """The trigger codes ``text`` sets off."""
    lowered = " ".join(text.lower().replace("ё", "е").split())
    found = set()
    if mentions_crisis(text):
        found.add("crisis")
    if _SELF_HARM.search(lowered):
        found.add("self_harm")
    if _VIOLENCE.search(lowered):
        found.add("violence")
    if _EMAIL.search(text) or _PHONE.search(text):
        found.add("pii")
    if (
        len(_LINK.findall(text)) >= 2
        or _SPAM_WORDS.search(lowered)
        or re.search(r"(.)\1{9,}", text)
    ):
        found.add("spam")
    return frozenset(found)
