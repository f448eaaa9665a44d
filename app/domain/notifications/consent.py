"""Which channels a message may use: transactional messages always go; reminders and
marketing (``catalog.CONSENT_BOUND``) only through a channel the person agreed to —
e-mail under the ``communications`` consent, Telegram under the ``telegram`` one."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from app.domain.notifications.catalog import CONSENT_BOUND

CHANNEL_CONSENT: Mapping[str, str] = {"email": "communications", "telegram": "telegram"}


def is_transactional(template_code: str) -> bool:
    """True when the message is part of something the person asked for."""
    return template_code not in CONSENT_BOUND


def may_send(template_code: str, channel: str, granted: Collection[str]) -> bool:
    """Whether ``template_code`` may go by ``channel`` to a person whose latest answer
    is yes for the consent types in ``granted``."""
    if is_transactional(template_code):
        return True
    consent = CHANNEL_CONSENT.get(channel)
    return consent is not None and consent in granted
