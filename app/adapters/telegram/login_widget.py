"""Telegram Login Widget verification.

The widget signs its fields with HMAC-SHA256 keyed by SHA-256(bot token) over the
sorted ``key=value`` lines (without ``hash``). A payload older than ``MAX_AGE`` is
refused, and the identity service accepts each payload once (it remembers the SHA-256
of the signature until ``accepted_until``), so a captured payload cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from app.application.identity.ports import TelegramIdentity
from app.domain.identity.errors import AuthenticationFailed

MAX_AGE = timedelta(minutes=10)
MAX_CLOCK_SKEW = timedelta(minutes=5)


def data_check_string(data: dict[str, Any]) -> str:
    return "\n".join(f"{k}={data[k]}" for k in sorted(data) if k != "hash" and data[k] is not None)


def sign(data: dict[str, Any], bot_token: str) -> str:
    secret = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret, data_check_string(data).encode(), hashlib.sha256).hexdigest()


class TelegramLoginWidgetVerifier:
    def __init__(self, bot_token: str) -> None:
        self._bot_token = bot_token

    def verify(self, data: dict[str, Any], now: datetime) -> TelegramIdentity:
        received = str(data.get("hash", ""))
        if not received or not hmac.compare_digest(sign(data, self._bot_token), received):
            raise AuthenticationFailed("The Telegram login data is not authentic.")
        try:
            auth_date = datetime.fromtimestamp(int(data["auth_date"]), tz=now.tzinfo)
            telegram_user_id = int(data["id"])
        except (KeyError, TypeError, ValueError):
            raise AuthenticationFailed("The Telegram login data is incomplete.") from None
        if not -MAX_CLOCK_SKEW <= now - auth_date <= MAX_AGE:
            raise AuthenticationFailed("The Telegram login data is too old.")
        first_name = data.get("first_name")
        username = data.get("username")
        return TelegramIdentity(
            telegram_user_id=telegram_user_id,
            first_name=str(first_name) if first_name else None,
            username=str(username) if username else None,
            signature_hash=hashlib.sha256(received.encode()).digest(),
            accepted_until=auth_date + MAX_AGE,
        )
