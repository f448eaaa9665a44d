"""HTTP endpoints of moderation: questions and reviews in, the authors' view, and the
moderators' queue and actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from app.adapters.http.fields import EmailAddress
from app.adapters.http.identity import NO_STORE
from app.adapters.http.pagination import (
    MAX_LIMIT,
    AwareDatetime,
    CursorQuery,
    decode_position,
    page_of,
)
from app.adapters.http.question_answers import QuestionAnswerController
from app.application.access import Principal
from app.application.moderation.service import ModerationService
from app.domain.errors import ValidationFailed

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
TopicCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
AnonymousId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class QuestionIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=10, max_length=5000)]
    topic: TopicCode | None = None
    anonymous_id: Annotated[
        AnonymousId | None,
        msgspec.Meta(
            description="Accepted for older clients and not stored: a browser id beside a "
            "question's crisis flag would identify the asker"
        ),
    ] = None
    notify_email: Annotated[
        EmailAddress | None,
        msgspec.Meta(description="Without an account: where to say that the answer is ready "
                     "(with the reading link); needs notify_consent"),
    ] = None  # fmt: skip
    notify_consent: bool = False


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=10, max_length=5000)]


class CrisisOut(msgspec.Struct, omit_defaults=True):
    triggered: bool
    resources: dict[str, Any] | None = None


class SubmittedOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    crisis: CrisisOut
    reading_token: Annotated[
        str | None,
        msgspec.Meta(description="A question without an account: the secret that reads the "
                     "answer (POST /api/v1/questions/answer). Shown once; keep it."),
    ] = None  # fmt: skip
    reading_url: str | None = None


class AnswerOut(msgspec.Struct):
    body: str
    created_at: datetime


class MyItemOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    status: str
    text: str
    created_at: datetime
    answers: list[AnswerOut]


class MyItemsOut(msgspec.Struct):
    items: list[MyItemOut]


class EngagementController(Controller):
    path = "/api/v1"
    tags = ["engagement"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/questions", status_code=HTTP_202_ACCEPTED,
          summary="An anonymous question; crisis resources come back at once")  # fmt: skip
    async def question(
        self, data: JSONBody[QuestionIn], optional_principal: NamedDependency[Principal | None],
        moderation: NamedDependency[ModerationService],
    ) -> SubmittedOut:  # fmt: skip
        if data.notify_email is not None and not data.notify_consent:
            raise ValidationFailed(
                "notify_email needs notify_consent: true", field="notify_consent"
            )
        row = await moderation.submit(
            "question", optional_principal, data.text, data.topic, data.notify_email
        )
        return msgspec.convert(row, SubmittedOut, from_attributes=True)

    @post("/reviews", status_code=HTTP_202_ACCEPTED,
          summary="A review (signed in, with the review_publication consent)")  # fmt: skip
    async def review(
        self, data: JSONBody[ReviewIn], principal: NamedDependency[Principal],
        moderation: NamedDependency[ModerationService],
    ) -> SubmittedOut:  # fmt: skip
        row = await moderation.submit("review", principal, data.text, None)
        return msgspec.convert(row, SubmittedOut, from_attributes=True)

    @get("/me/questions", summary="My questions and reviews with the answers I got")
    async def mine(
        self, principal: NamedDependency[Principal],
        moderation: NamedDependency[ModerationService],
    ) -> MyItemsOut:  # fmt: skip
        return MyItemsOut(
            msgspec.convert(await moderation.mine(principal), list[MyItemOut], from_attributes=True)
        )


class QueueItemOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    status: str
    topic_code: str | None
    sla_due_at: datetime
    created_at: datetime
    triggers: list[str]
    urgent: bool
    breached: bool


class QueueOut(msgspec.Struct):
    items: list[QueueItemOut]
    next_cursor: str | None = None


class TriggerOut(msgspec.Struct):
    code: str
    source: str


class ActionOut(msgspec.Struct):
    actor_id: uuid.UUID
    action: str
    reason_code: str | None
    created_at: datetime


class StaffAnswerOut(AnswerOut):
    author_id: uuid.UUID
    published_content_id: uuid.UUID | None


class ItemOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    status: str
    topic_code: str | None
    text: str
    sla_due_at: datetime
    created_at: datetime
    version: int
    triggers: list[TriggerOut]
    actions: list[ActionOut]
    answers: list[StaffAnswerOut]


class RejectIn(msgspec.Struct, forbid_unknown_fields=True):
    reason_code: Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,64}$")]


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Text


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    body_markdown: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]


class ModerationController(Controller):
    """Owner, assistant and editor; publishing: owner and editor. All audited."""

    path = "/api/v1/admin/moderation"
    tags = ["admin: moderation"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/queue", summary="Items by urgency, then SLA (no text)")
    async def queue(
        self, principal: NamedDependency[Principal],
        moderation: NamedDependency[ModerationService],
        status: Annotated[Literal["pending", "approved", "answered", "rejected", "published"],
                          QueryParameter(name="status")] = "pending",
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)] = 50,
        cursor: CursorQuery = None,
    ) -> QueueOut:  # fmt: skip
        after = decode_position(cursor, tuple[bool, AwareDatetime, uuid.UUID])
        rows = await moderation.queue(principal, status, limit + 1, after)
        page, next_cursor = page_of(rows, limit, lambda e: (e.urgent, e.sla_due_at, e.id))
        return QueueOut(
            msgspec.convert(page, list[QueueItemOut], from_attributes=True), next_cursor
        )

    @get("/items/{item_id:uuid}", summary="One item with its text (the read is audited)")
    async def item(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        moderation: NamedDependency[ModerationService],
    ) -> ItemOut:  # fmt: skip
        return msgspec.convert(
            await moderation.item(principal, item_id), ItemOut, from_attributes=True
        )

    @post("/items/{item_id:uuid}/approve", status_code=200, summary="Approve")
    async def approve(
        self, item_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        moderation: NamedDependency[ModerationService],
    ) -> ItemOut:  # fmt: skip
        return msgspec.convert(
            await moderation.approve(principal, item_id), ItemOut, from_attributes=True
        )

    @post("/items/{item_id:uuid}/reject", status_code=200, summary="Reject with a reason code")
    async def reject(
        self, item_id: FromPath[uuid.UUID], data: JSONBody[RejectIn],
        principal: NamedDependency[Principal], moderation: NamedDependency[ModerationService],
    ) -> ItemOut:  # fmt: skip
        row = await moderation.reject(principal, item_id, data.reason_code)
        return msgspec.convert(row, ItemOut, from_attributes=True)

    @post("/items/{item_id:uuid}/answer", status_code=200,
          summary="A private answer to the author (encrypted)")  # fmt: skip
    async def answer(
        self, item_id: FromPath[uuid.UUID], data: JSONBody[AnswerIn],
        principal: NamedDependency[Principal], moderation: NamedDependency[ModerationService],
    ) -> ItemOut:  # fmt: skip
        return msgspec.convert(
            await moderation.answer(principal, item_id, data.body), ItemOut, from_attributes=True
        )

    @post("/items/{item_id:uuid}/publish", status_code=200,
          summary="Publish an anonymised qa item written by staff (owner, editor)")  # fmt: skip
    async def publish(
        self, item_id: FromPath[uuid.UUID], data: JSONBody[PublishIn],
        principal: NamedDependency[Principal], moderation: NamedDependency[ModerationService],
    ) -> ItemOut:  # fmt: skip
        row = await moderation.publish(
            principal, item_id, data.slug, data.title, data.body_markdown
        )
        return msgspec.convert(row, ItemOut, from_attributes=True)


MODERATION_CONTROLLERS = [EngagementController, ModerationController, QuestionAnswerController]
