"""Contact value objects (P1): e-mail addresses and phone numbers, normalised.

Normalisation decides identity: two spellings of one address are one person (leads
merge by it, login codes are looked up by it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import ValidationFailed

# One RFC 5322 addr-spec and nothing else: a dot-atom local part of atext characters
# and a host name of dot-separated labels ending in a top-level domain that starts with
# a letter (an internationalised domain is written in its xn-- form). No display name,
# list, comment, quoted string or address literal, so nothing like "x,victim@example.org"
# or "z<victim@example.org>" can name a second mailbox.
# Also the pattern of e-mail fields in the OpenAPI document: written to mean the same in
# Python's re and in ECMA-262 (JSON Schema) regular expressions, without look-arounds so
# that test generators can produce matching addresses.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP_LABEL = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])"
EMAIL_PATTERN = rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+{_TOP_LABEL}$"
_EMAIL = re.compile(EMAIL_PATTERN)
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class Email:
    """An e-mail address; ``normalized`` is trimmed and lower-cased."""

    value: str

    def __post_init__(self) -> None:
        value = self.value.strip()
        if len(value) > 254 or not _EMAIL.fullmatch(value):
            raise ValidationFailed("not a valid e-mail address")
        object.__setattr__(self, "value", value)

    @property
    def normalized(self) -> str:
        return self.value.lower()

    def __repr__(self) -> str:  # never print the address itself
        return "Email(<redacted>)"


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number in E.164 (``+79991234567``).

    Russian numbers written with a leading 8 or without the country code are accepted.
    """

    value: str

    def __post_init__(self) -> None:
        raw = self.value.strip()
        digits = _DIGITS.sub("", raw)
        if not raw.startswith("+"):
            if len(digits) == 11 and digits[0] in "78":
                digits = "7" + digits[1:]
            elif len(digits) == 10 and digits[0] == "9":
                digits = "7" + digits
        if not 7 <= len(digits) <= 15 or digits[0] == "0":
            raise ValidationFailed("not a valid phone number")
        object.__setattr__(self, "value", "+" + digits)

    @property
    def normalized(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return "Phone(<redacted>)"
