"""Rules every assistant answer passes, before and after the model. Pure functions.

* :func:`crisis_first` - a message that mentions danger gets the crisis resources and
  never reaches the model (the same detection as the bot and moderation use).
* :func:`mask_personal` - e-mails, phone numbers and self-introduced names are replaced
  with placeholders before any text leaves for the provider.
* :func:`check_output` - an answer that reads as a diagnosis, a treatment or medication
  advice, or a promise of a result is replaced with a referral to the practitioner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.domain.shared.crisis import mentions_crisis

EMAIL_PLACEHOLDER = "[e-mail]"
PHONE_PLACEHOLDER = "[телефон]"
NAME_PLACEHOLDER = "[имя]"

SAFE_REFERRAL = (
    "Я не ставлю диагнозы, не советую лечение или лекарства и не обещаю результатов. "
    "Этот вопрос лучше обсудить со специалистом на консультации: он поможет разобраться "
    "именно в вашей ситуации."
)


@dataclass(frozen=True, slots=True)
class CrisisVerdict:
    """``crisis``: show the crisis resources and do not call the model."""

    action: Literal["crisis", "proceed"]

    @property
    def is_crisis(self) -> bool:
        return self.action == "crisis"


@dataclass(frozen=True, slots=True)
class OutputVerdict:
    text: str
    replaced: bool
    # The rule that fired (a code, never the answer's words): diagnosis, treatment, promise.
    reason: str | None = None


def crisis_first(text: str) -> CrisisVerdict:
    return CrisisVerdict("crisis" if mentions_crisis(text) else "proceed")


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# +7 / 8 then ten digits, with spaces, dashes or brackets between groups.
_PHONE = re.compile(r"(?<![\w+])(?:\+7|8)[\s-]*\(?\d{3}\)?[\s-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
# Any other number in international form (+375 29 123-45-67), and a Russian mobile
# written without its prefix (9XX XXX XX XX).
_INTERNATIONAL = re.compile(r"(?<![\w+])\+\d(?:[\s()-]*\d){9,14}(?!\d)")
_MOBILE = re.compile(r"(?<![\w+])9\d{2}[\s-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
# A Telegram or other @handle (an e-mail is masked before this runs).
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
HANDLE_PLACEHOLDER = "[ник]"
_NAME_WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
# The lead words in any case; the name: capitalised words (as many as follow).
_NAME = re.compile(
    rf"(?P<lead>(?<!\w)(?i:меня\s+зовут|зовут|это|я\s*[—–-]|я)\s+)"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD})*)",
)


def mask_personal(text: str) -> str:
    masked = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    masked = _PHONE.sub(PHONE_PLACEHOLDER, masked)
    masked = _INTERNATIONAL.sub(PHONE_PLACEHOLDER, masked)
    masked = _MOBILE.sub(PHONE_PLACEHOLDER, masked)
    masked = _HANDLE.sub(HANDLE_PLACEHOLDER, masked)

    def _name(match: re.Match[str]) -> str:
        # IGNORECASE covers the lead words; the name itself must start with a capital.
        if not match.group("name")[0].isupper():
            return match.group(0)
        return match.group("lead") + NAME_PLACEHOLDER

    return _NAME.sub(_name, masked)


_OUTPUT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "diagnosis",
        re.compile(
            r"у\s+(?:вас|тебя)\s+(?:\w+\s+)?(?:депресси|тревожн\w*\s+расстройств|птср|"
            r"биполярн|расстройств|невроз|психоз|шизофрени)|диагноз",
        ),
    ),
    (
        "treatment",
        re.compile(
            r"принимайте|принимай\b|назнача|выпишу|выписываю|дозировк|антидепрессант|"
            r"транквилизатор|таблетк|\bмг\b|пропейте|попейте\s+курс",
        ),
    ),
    ("promise", re.compile(r"гарантир|вылечу|излечу|вылечим|обещаю|100\s*%")),
)


def check_output(text: str) -> OutputVerdict:
    normalized = " ".join(text.lower().replace("ё", "е").split())
    for reason, pattern in _OUTPUT_RULES:
        if pattern.search(normalized):
            return OutputVerdict(SAFE_REFERRAL, replaced=True, reason=reason)
    return OutputVerdict(text, replaced=False)
