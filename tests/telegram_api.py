"""A Telegram Bot API stand-in for aiogram: a ``Bot`` whose session records every
request and answers from a queue (aiogram's own ``MockedBot`` pattern).

Answers go through aiogram's real ``check_response``, so a queued 403 or 429 becomes
exactly the exception aiogram raises against the real Bot API.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

TOKEN = "123456:" + "A" * 35


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.answers: deque[tuple[int, dict[str, Any]]] = deque()

    def answer(self, result: Any) -> None:
        self.answers.append((200, {"ok": True, "result": result}))

    def fail(self, status: int, description: str, **parameters: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.answers.append((status, body))

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram signature)
    ) -> TelegramType:
        self.requests.append(method)
        status, body = self.answers.popleft() if self.answers else (200, _default(method, bot))
        response = self.check_response(bot, method, status, json.dumps(body))
        return response.result  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 (aiogram signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover
        yield b""

    async def close(self) -> None:
        pass


def _default(method: TelegramMethod[Any], bot: Bot) -> dict[str, Any]:
    """A plausible success when the test queued nothing: a sent message echoes itself."""
    if type(method).__name__ == "SendMessage":
        chat_id = getattr(method, "chat_id", 0)
        return {
            "ok": True,
            "result": {
                "message_id": 1,
                "date": 1_790_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "text": getattr(method, "text", ""),
            },
        }
    return {"ok": True, "result": True}


def recording_bot() -> tuple[Bot, RecordingSession]:
    session = RecordingSession()
    return Bot(TOKEN, session=session), session
