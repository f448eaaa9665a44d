"""HTTP endpoints of the staff assistants: editor's drafts (owner, editor) and the topic
analyst (owner). Roles are checked in the use cases; nothing of a brief, a draft or a
summary is logged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.adapters.console.session import CONSOLE_PATH
from app.adapters.http.identity import NO_STORE
from app.adapters.http.read_models import as_response
from app.application.access import Principal
from app.application.assistants.analyst import TopicAnalyst
from app.application.assistants.editor import ASSISTANT, DraftBrief, EditorDrafts
from app.domain.content.model import ContentType

TopicCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Line = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Count = Annotated[
    int | Literal["<5"], msgspec.Meta(description='A count; under five it is the string "<5"')
]


@dataclass(frozen=True, slots=True)
class ReviewLinks:
    """Where staff review a draft: the API always, the console when it is mounted."""

    console_enabled: bool

    def api(self, item_id: uuid.UUID) -> str:
        return f"/api/v1/admin/content/{item_id}"

    def console(self, item_id: uuid.UUID) -> str | None:
        return f"{CONSOLE_PATH}/content/{item_id}" if self.console_enabled else None


class DraftBriefIn(msgspec.Struct, forbid_unknown_fields=True):
    topic: Annotated[TopicCode, msgspec.Meta(description="An existing topic's code")]
    audience: Annotated[Line, msgspec.Meta(description="Who the text is for")]
    key_points: Annotated[list[Line], msgspec.Meta(min_length=1, max_length=12)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] | None = None
    kind: Literal["article", "note", "practice", "faq"] = "article"


class DraftOut(msgspec.Struct):
    id: uuid.UUID
    type: str
    slug: str
    title: str
    status: Annotated[str, msgspec.Meta(description="Always draft: a person reviews and publishes")]
    version: int
    assisted_by: str
    api_url: Annotated[str, msgspec.Meta(description="The draft in the admin API")]
    console_url: Annotated[
        str | None, msgspec.Meta(description="The draft in the web console, when mounted")
    ]


class TopicSummaryIn(msgspec.Struct, forbid_unknown_fields=True):
    week: (
        Annotated[
            str,
            msgspec.Meta(pattern=r"^\d{4}-W\d{2}$",
                         description="An ISO week (2030-W23); the last complete week when absent"),
        ]
        | None
    ) = None  # fmt: skip


class TopicRowOut(msgspec.Struct):
    topic: str | None
    topic_title: str
    count: Count


class BandRowOut(msgspec.Struct):
    self_check: str
    topic: str | None
    topic_title: str
    band: str
    count: Count


class FlagRowOut(msgspec.Struct):
    topic: str | None
    topic_title: str
    flag: str
    count: Count


class WeekTableOut(msgspec.Struct):
    questions: list[TopicRowOut]
    self_check_bands: list[BandRowOut]
    moderation_flags: list[FlagRowOut]
    article_reads: list[TopicRowOut]


class TopicSummaryOut(msgspec.Struct):
    week: str
    date_from: date
    date_to: date
    timezone: str
    aggregates: Annotated[
        WeekTableOut,
        msgspec.Meta(description='What the model was given: counts under five are "<5"'),
    ]
    summary: Annotated[
        str | None, msgspec.Meta(description="null when the output check refused the model's text")
    ]
    summary_refused: Annotated[
        str | None,
        msgspec.Meta(description="The output check's rule: diagnosis, treatment, promise"),
    ] = None


class StaffAssistantController(Controller):
    path = "/api/v1/admin/assistant"
    tags = ["admin: assistants"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/drafts", status_code=201,
          summary="A model's Markdown draft from a brief, saved as a draft content item",
          description="Owner and editor. The draft lands through the editorial workflow with "
          "status draft and its version marked assisted_by editor_drafts; it is never "
          "published by the assistant. 503 assistant_unavailable without a model (or when "
          "the day's token budget is spent), 429 assistant_rate_limited, 422 "
          "assistant_draft_refused when the draft reads as a diagnosis, treatment advice or "
          "a promise (nothing is saved).")  # fmt: skip
    async def draft(
        self, data: JSONBody[DraftBriefIn], principal: NamedDependency[Principal],
        editor_drafts: NamedDependency[EditorDrafts], review_links: NamedDependency[ReviewLinks],
    ) -> DraftOut:  # fmt: skip
        brief = DraftBrief(
            topic=data.topic, audience=data.audience, key_points=tuple(data.key_points),
            kind=ContentType(data.kind), title=data.title,
        )  # fmt: skip
        item = await editor_drafts.draft(principal, brief)
        return DraftOut(
            id=item.id, type=item.type.value, slug=item.slug, title=item.title,
            status=item.status.value, version=item.version, assisted_by=ASSISTANT,
            api_url=review_links.api(item.id), console_url=review_links.console(item.id),
        )  # fmt: skip

    @post("/topic-summary", status_code=200,
          summary="A weekly summary of what clients ask about, from suppressed aggregates",
          description="Owner only. Counts by topic of anonymous questions, self-check bands, "
          "moderation flags and article reads for one week; every count under five is "
          '"<5" before the model sees the table. 503 assistant_unavailable without a '
          "model.")  # fmt: skip
    async def topic_summary(
        self, data: JSONBody[TopicSummaryIn], principal: NamedDependency[Principal],
        topic_analyst: NamedDependency[TopicAnalyst],
    ) -> TopicSummaryOut:  # fmt: skip
        return as_response(await topic_analyst.summary(principal, data.week), TopicSummaryOut)


STAFF_ASSISTANT_CONTROLLERS = (StaffAssistantController,)
