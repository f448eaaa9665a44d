"""An author without an account reads the answer to their question with the reading
token they got at submission. The token travels in the request body, never in a URL
that access logs keep; an unknown token is 404, and the route is rate-limited."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.adapters.http.identity import NO_STORE
from app.application.moderation.service import ModerationService
from app.domain.errors import NotFound

MAX_TOKEN = 256


class ReadingIn(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class ReadAnswerOut(msgspec.Struct):
    body: str
    created_at: datetime


class ReadingOut(msgspec.Struct):
    status: str
    asked_at: datetime
    answers: list[ReadAnswerOut]


class QuestionAnswerController(Controller):
    path = "/api/v1/questions/answer"
    tags = ["engagement"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/", status_code=200,
          summary="Read the answer to my anonymous question with its reading token")  # fmt: skip
    async def read(
        self, data: JSONBody[ReadingIn], moderation: NamedDependency[ModerationService]
    ) -> ReadingOut:
        if not data.token or len(data.token) > MAX_TOKEN:
            raise NotFound()
        item = await moderation.read_answer(data.token)
        return ReadingOut(
            status=item.status,
            asked_at=item.created_at,
            answers=[ReadAnswerOut(a.body, a.created_at) for a in item.answers],
        )
