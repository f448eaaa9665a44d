"""Words that say a person may be in danger, in Russian free text.

Deliberately broad: showing the crisis resources to someone who did not need them costs
little; missing someone who did costs a great deal. Only the fact is recorded, never
the words.
"""

from __future__ import annotations

import re

_PATTERNS = (
    r"суицид",
    r"самоубийств",
    r"покончить\s+с\s+собой",
    r"покончу\s+с\s+собой",
    r"убить\s+себя",
    r"убью\s+себя",
    r"не\s+хочу\s+(?:больше\s+)?жить",
    r"не\s+хочется\s+жить",
    r"жить\s+не\s+хочу",
    r"причинить\s+себе\s+вред",
    r"навредить\s+себе",
    r"порезать\s+себя",
    r"режу\s+себя",
    r"свести\s+счеты\s+с\s+жизнью",
    r"выпрыгнуть\s+из\s+окна",
    r"лучше\s+бы\s+меня\s+не\s+было",
)
_CRISIS = re.compile("|".join(_PATTERNS))


def mentions_crisis(text: str) -> bool:
    normalized = " ".join(text.lower().replace("ё", "е").split())
    return bool(_CRISIS.search(normalized))
