"""HTTP endpoints of interactives (public runs, the editors' admin) and the cabinet's
runs and diary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
import structlog
from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.adapters.http.assistants import NextStepOut
from app.adapters.http.fields import EmailAddress
from app.adapters.http.identity import NO_STORE, ConsentIn
from app.adapters.http.read_models import as_response
from app.application.access import Principal
from app.application.assistants.navigator import HOME, Band, Navigator, NextStepQuery
from app.application.cabinet.diary import DiaryService
from app.application.cabinet.ports import DiaryEntryInput
from app.application.interactives.ports import CompletedRun
from app.application.interactives.service import InteractiveService
from app.domain.crm.contact import LeadContact
from app.domain.errors import DomainError

logger = structlog.get_logger(__name__)

AnonymousId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
ClaimToken = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9_-]{43}$",
        description="The claim_token returned when the run was started without signing in",
    ),
]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=2000)]
TopicCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
AnswerValue = str | int | list[Annotated[str, msgspec.Meta(max_length=64)]]
InteractiveType = Literal["quiz", "navigator", "thermometer", "boundaries", "prep", "ritual"]

# --- public ------------------------------------------------------------------------


class InteractiveSummaryOut(msgspec.Struct):
    slug: str
    interactive_type: str
    title: str
    description: str | None
    topic_code: str | None
    published_at: datetime


class InteractivesOut(msgspec.Struct):
    items: list[InteractiveSummaryOut]


class OptionOut(msgspec.Struct, omit_defaults=True):
    id: str
    label: str


class QuestionOut(msgspec.Struct, omit_defaults=True):
    id: str
    text: str
    kind: str
    options: list[OptionOut] | None = None
    min: int | None = None
    max: int | None = None


class InteractiveOut(msgspec.Struct):
    slug: str
    interactive_type: str
    title: str
    description: str | None
    topic_code: str | None
    version_no: int
    questions: list[QuestionOut]


class RunIn(msgspec.Struct, forbid_unknown_fields=True):
    anonymous_id: AnonymousId | None = None
    metadata: dict[Annotated[str, msgspec.Meta(max_length=64)], str | int | bool] = {}


class RunOut(msgspec.Struct):
    id: uuid.UUID
    claim_token: Annotated[
        str | None,
        msgspec.Meta(
            description="For a run started without signing in: a 256-bit secret shown only "
            "this once (the server keeps its SHA-256). Keep it with the run: claiming the "
            "run after signing in (POST /api/v1/me/interactive-runs/claim) needs it. null "
            "for a signed-in run."
        ),
    ] = None


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    email: EmailAddress | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class CompleteIn(msgspec.Struct, forbid_unknown_fields=True):
    answers: Annotated[dict[Annotated[str, msgspec.Meta(max_length=64)], AnswerValue],
                       msgspec.Meta(max_length=100)]  # fmt: skip
    anonymous_id: AnonymousId | None = None
    contact: ContactIn | None = None
    """Left to get the plan by e-mail or Telegram: makes the visitor a CRM lead."""
    consents: list[ConsentIn] = []


class ContentLinkOut(msgspec.Struct):
    type: str
    slug: str
    title: str
    summary: str | None


class ServiceLinkOut(msgspec.Struct):
    slug: str
    title: str
    duration_minutes: int
    price: Decimal
    currency: str


class TelegramLinkOut(msgspec.Struct):
    purpose: str
    url: str


class RecommendationsOut(msgspec.Struct):
    content: list[ContentLinkOut]
    services: list[ServiceLinkOut]
    telegram: TelegramLinkOut | None


class CrisisOut(msgspec.Struct, omit_defaults=True):
    triggered: bool
    resources: dict[str, Any] | None = None


class ResultOut(msgspec.Struct):
    run_id: uuid.UUID
    result_level: str | None
    result_profile: str | None
    crisis: CrisisOut
    recommendations: RecommendationsOut
    next_steps: Annotated[
        list[NextStepOut],
        msgspec.Meta(
            description="The navigator's next steps for this result (the crisis resources "
            "first when the result is high or the crisis rule fired)"
        ),
    ] = []


class PublicInteractivesController(Controller):
    path = "/api/v1"
    tags = ["interactives"]  # noqa: RUF012

    @get("/interactives", summary="Published self-checks")
    async def list_published(
        self, interactives: NamedDependency[InteractiveService]
    ) -> InteractivesOut:
        published = await interactives.runs.published()
        return InteractivesOut(as_response(published, list[InteractiveSummaryOut]))

    @get("/interactives/{slug:str}", summary="A self-check's questions (no scoring internals)")
    async def get_one(
        self, slug: FromPath[str], interactives: NamedDependency[InteractiveService]
    ) -> InteractiveOut:
        return as_response(await interactives.runs.get(slug), InteractiveOut)

    @post("/interactives/{slug:str}/runs", cache_control=NO_STORE,
          summary="Start a run (signed in, or with the browser's anonymous_id)")  # fmt: skip
    async def start(
        self, slug: FromPath[str], data: JSONBody[RunIn],
        optional_principal: NamedDependency[Principal | None],
        interactives: NamedDependency[InteractiveService],
    ) -> RunOut:  # fmt: skip
        started = await interactives.runs.start(
            optional_principal, slug, data.anonymous_id, dict(data.metadata)
        )
        return RunOut(started.id, started.claim_token)

    @post("/interactive-runs/{run_id:uuid}/complete", cache_control=NO_STORE, status_code=200,
          summary="Complete a run: scored on the server, answers never kept")  # fmt: skip
    async def complete(
        self, run_id: FromPath[uuid.UUID], data: JSONBody[CompleteIn],
        optional_principal: NamedDependency[Principal | None],
        interactives: NamedDependency[InteractiveService],
        navigator: NamedDependency[Navigator],
    ) -> ResultOut:  # fmt: skip
        contact = (
            LeadContact(data.contact.name, data.contact.email, data.contact.phone)
            if data.contact and (data.contact.email or data.contact.phone)
            else None
        )
        result = await interactives.runs.complete(
            optional_principal, run_id, data.anonymous_id, dict(data.answers), contact,
            tuple((c.consent_type, c.granted, c.document_version) for c in data.consents),
        )  # fmt: skip
        out = as_response(result, ResultOut)
        out.next_steps = await _next_steps(navigator, result)
        return out


_BANDS: dict[str, Band] = {"low": "low", "moderate": "moderate", "high": "high", "crisis": "crisis"}


async def _next_steps(navigator: Navigator, result: CompletedRun) -> list[NextStepOut]:
    """The navigator's steps after a result; a result is shown even when they fail."""
    band = "crisis" if result.crisis.triggered else _BANDS.get(result.result_level or "")
    query = NextStepQuery(HOME, result.slug, band)
    try:
        steps = await navigator.next_steps(query)
    except DomainError as error:  # e.g. the self-check was unpublished meanwhile
        logger.info("next_steps_skipped", code=error.code)
        return []
    return [NextStepOut(s.kind, s.slug, s.title, s.url) for s in steps]


# --- cabinet -----------------------------------------------------------------------


class MyRunOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    title: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    result_level: str | None
    result_profile: str | None
    crisis_triggered: bool


class MyRunsOut(msgspec.Struct):
    items: list[MyRunOut]


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    anonymous_id: AnonymousId
    claim_tokens: Annotated[
        list[ClaimToken],
        msgspec.Meta(
            min_length=1, max_length=50,
            description="The claim tokens the runs were started with (one per run); the "
            "anonymous id alone claims nothing",
        ),
    ]  # fmt: skip


class ClaimOut(msgspec.Struct):
    claimed: int


Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]


class DiaryIn(msgspec.Struct, forbid_unknown_fields=True):
    entry_date: date
    text: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    mood: Annotated[int, msgspec.Meta(ge=1, le=10)] | None = None
    tags: Annotated[list[Tag], msgspec.Meta(max_length=20)] = []

    def entry(self) -> DiaryEntryInput:
        return DiaryEntryInput(self.entry_date, self.text, self.mood, tuple(self.tags))


class DiaryUpdateIn(DiaryIn, forbid_unknown_fields=True):
    version: int = 0


class DiaryEntryOut(msgspec.Struct):
    id: uuid.UUID
    entry_date: date
    mood: int | None
    text: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    version: int


class DiaryOut(msgspec.Struct):
    items: list[DiaryEntryOut]


class CabinetController(Controller):
    """The signed-in client's own runs and diary; another person's entry is a 404."""

    path = "/api/v1/me"
    tags = ["cabinet"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/interactive-runs", summary="My self-check results (aggregates only)")
    async def my_runs(
        self, principal: NamedDependency[Principal],
        interactives: NamedDependency[InteractiveService],
    ) -> MyRunsOut:  # fmt: skip
        return MyRunsOut(as_response(await interactives.runs.runs_of(principal), list[MyRunOut]))

    @post("/interactive-runs/claim", status_code=200,
          summary="Claim the runs this browser took before signing in (with their claim "
                  "tokens; 404 when none matches)")  # fmt: skip
    async def claim(
        self, data: JSONBody[ClaimIn], principal: NamedDependency[Principal],
        interactives: NamedDependency[InteractiveService],
    ) -> ClaimOut:  # fmt: skip
        claimed = await interactives.runs.claim(principal, data.anonymous_id, data.claim_tokens)
        return ClaimOut(claimed)

    @get("/diary", summary="Diary entries between two days (needs the health_data consent)")
    async def diary(
        self, principal: NamedDependency[Principal], diary: NamedDependency[DiaryService],
        date_from: Annotated[date | None, QueryParameter(name="from")] = None,
        date_to: Annotated[date | None, QueryParameter(name="to")] = None,
    ) -> DiaryOut:  # fmt: skip
        entries = await diary.entries(principal, date_from, date_to)
        return DiaryOut(as_response(entries, list[DiaryEntryOut]))

    @post("/diary", summary="Write a diary entry (stored encrypted)")
    async def add_entry(
        self, data: JSONBody[DiaryIn], principal: NamedDependency[Principal],
        diary: NamedDependency[DiaryService],
    ) -> DiaryEntryOut:  # fmt: skip
        return as_response(await diary.create(principal, data.entry()), DiaryEntryOut)

    @get("/diary/{entry_id:uuid}", summary="One diary entry")
    async def get_entry(
        self, entry_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        diary: NamedDependency[DiaryService],
    ) -> DiaryEntryOut:  # fmt: skip
        return as_response(await diary.entry(principal, entry_id), DiaryEntryOut)

    @put("/diary/{entry_id:uuid}", summary="Rewrite a diary entry; send its version")
    async def put_entry(
        self, entry_id: FromPath[uuid.UUID], data: JSONBody[DiaryUpdateIn],
        principal: NamedDependency[Principal], diary: NamedDependency[DiaryService],
    ) -> DiaryEntryOut:  # fmt: skip
        entry = await diary.update(principal, entry_id, data.version, data.entry())
        return as_response(entry, DiaryEntryOut)

    @delete("/diary/{entry_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            summary="Delete a diary entry for good")  # fmt: skip
    async def delete_entry(
        self, entry_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        diary: NamedDependency[DiaryService],
    ) -> None:  # fmt: skip
        await diary.delete(principal, entry_id)


# --- admin -------------------------------------------------------------------------


class DefinitionIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    interactive_type: InteractiveType
    title: Title
    description: LongText | None = None
    topic_code: TopicCode | None = None


class DefinitionPatch(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    title: Title
    description: LongText | None = None
    topic_code: TopicCode | None = None


class DefinitionOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    interactive_type: str
    title: str
    description: str | None
    topic_code: str | None
    status: str
    published_at: datetime | None
    updated_at: datetime
    version: int
    latest_version_no: int | None


class DefinitionsOut(msgspec.Struct):
    items: list[DefinitionOut]


class VersionIn(msgspec.Struct, forbid_unknown_fields=True):
    config: dict[str, Any]


class VersionNoOut(msgspec.Struct):
    version_no: int


class VersionOut(msgspec.Struct):
    version_no: int
    config: dict[str, Any]
    created_at: datetime


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    version_no: Annotated[int, msgspec.Meta(ge=1)]


class AdminInteractivesController(Controller):
    """Owner and editor only (checked in each use case, audited)."""

    path = "/api/v1/admin/interactives"
    tags = ["admin: interactives"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", summary="All definitions")
    async def list_all(
        self, principal: NamedDependency[Principal],
        interactives: NamedDependency[InteractiveService],
    ) -> DefinitionsOut:  # fmt: skip
        definitions = await interactives.definitions.definitions(principal)
        return DefinitionsOut(as_response(definitions, list[DefinitionOut]))

    @post("/", summary="Create a definition (a draft without versions)")
    async def create(
        self, data: JSONBody[DefinitionIn], principal: NamedDependency[Principal],
        interactives: NamedDependency[InteractiveService],
    ) -> DefinitionOut:  # fmt: skip
        created = await interactives.definitions.create(
            principal, data.slug, data.interactive_type, data.title, data.description,
            data.topic_code,
        )  # fmt: skip
        return as_response(created, DefinitionOut)

    @get("/{definition_id:uuid}", summary="One definition")
    async def get_one(
        self, definition_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        interactives: NamedDependency[InteractiveService],
    ) -> DefinitionOut:  # fmt: skip
        found = await interactives.definitions.definition(principal, definition_id)
        return as_response(found, DefinitionOut)

    @patch("/{definition_id:uuid}", summary="Edit title, description, topic; send version")
    async def edit(
        self, definition_id: FromPath[uuid.UUID], data: JSONBody[DefinitionPatch],
        principal: NamedDependency[Principal], interactives: NamedDependency[InteractiveService],
    ) -> DefinitionOut:  # fmt: skip
        edited = await interactives.definitions.update(
            principal, definition_id, data.version, data.title, data.description, data.topic_code
        )
        return as_response(edited, DefinitionOut)

    @delete("/{definition_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            summary="Archive (runs and versions stay)")  # fmt: skip
    async def archive(
        self, definition_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        interactives: NamedDependency[InteractiveService],
    ) -> None:  # fmt: skip
        await interactives.definitions.archive(principal, definition_id)

    @post("/{definition_id:uuid}/versions", summary="Add a version (config validated)")
    async def add_version(
        self, definition_id: FromPath[uuid.UUID], data: JSONBody[VersionIn],
        principal: NamedDependency[Principal], interactives: NamedDependency[InteractiveService],
    ) -> VersionNoOut:  # fmt: skip
        number = await interactives.definitions.add_version(principal, definition_id, data.config)
        return VersionNoOut(number)

    @get("/{definition_id:uuid}/versions/{version_no:int}", summary="One version's config")
    async def get_version(
        self, definition_id: FromPath[uuid.UUID], version_no: FromPath[int],
        principal: NamedDependency[Principal], interactives: NamedDependency[InteractiveService],
    ) -> VersionOut:  # fmt: skip
        version = await interactives.definitions.version(principal, definition_id, version_no)
        return as_response(version, VersionOut)

    @post("/{definition_id:uuid}/publish", status_code=200,
          summary="Publish a version (runs in progress keep theirs)")  # fmt: skip
    async def publish(
        self, definition_id: FromPath[uuid.UUID], data: JSONBody[PublishIn],
        principal: NamedDependency[Principal], interactives: NamedDependency[InteractiveService],
    ) -> DefinitionOut:  # fmt: skip
        published = await interactives.definitions.publish(
            principal, definition_id, data.version_no
        )
        return as_response(published, DefinitionOut)


INTERACTIVE_CONTROLLERS = [
    PublicInteractivesController,
    CabinetController,
    AdminInteractivesController,
]
