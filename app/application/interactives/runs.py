"""Self-check runs: the published list and questions, a run started and completed once,
the runs a visitor took anonymously claimed after signing in, the cabinet's list.

Answers are scored in memory and never kept; only the aggregate (level or profile, the
crisis flag, the duration) is stored, encrypted, and it reaches no analytics event, lead
timeline, deep link or log line."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import structlog

from app.application.access import Principal
from app.application.crm.leads import lead_for_self_check
from app.application.crm.ports import Consent
from app.application.interactives.ports import (
    CompletedRun,
    ContentLink,
    CrisisNotice,
    DeepLinkIssuer,
    InteractiveStore,
    InteractiveSummary,
    MyRun,
    PublicInteractive,
    PublicOption,
    PublicQuestion,
    Recommendations,
    RunMetadata,
    ServiceLink,
    StartedRun,
    TelegramLink,
)
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.crm.contact import LeadContact
from app.domain.errors import ConsentRequired, InvalidState, NotFound, ValidationFailed
from app.domain.identity.model import new_token
from app.domain.identity.tokens import token_hash
from app.domain.interactives.config import InteractiveConfig
from app.domain.interactives.events import SelfCheckCrisisSignalled
from app.domain.interactives.scoring import Outcome, score
from app.domain.shared.ids import new_id
from app.domain.shared.privacy import ensure_p0

logger = structlog.get_logger(__name__)

InteractivesUoW = UnitOfWork[InteractiveStore]
_MS = timedelta(milliseconds=1)


def public_questions(config: InteractiveConfig) -> tuple[PublicQuestion, ...]:
    """The questions as a client sees them: no values, categories or rules."""
    shown: list[PublicQuestion] = []
    for q in config.questions:
        if q.kind == "scale":
            shown.append(PublicQuestion(id=q.id, text=q.text, kind=q.kind, min=q.min, max=q.max))
        else:
            options = tuple(PublicOption(id=o.id, label=o.label) for o in q.options)
            shown.append(PublicQuestion(id=q.id, text=q.text, kind=q.kind, options=options))
    return tuple(shown)


@dataclass(frozen=True, slots=True)
class _Completed:
    """What the completing transaction hands on to what runs after its commit."""

    slug: str
    outcome: Outcome
    content: list[ContentLink]
    services: list[ServiceLink]
    resources: dict[str, object]
    purpose: str | None
    lead_id: uuid.UUID | None


class InteractiveRuns:
    def __init__(
        self,
        uow: Callable[[], InteractivesUoW],
        clock: Clock,
        deep_links: DeepLinkIssuer | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._deep_links = deep_links

    async def published(self) -> list[InteractiveSummary]:
        return await in_transaction(self._uow, lambda uow: uow.repos.runs.published())

    async def get(self, slug: str) -> PublicInteractive:
        """A published interactive with its current version's questions."""
        found = await in_transaction(self._uow, lambda uow: uow.repos.runs.published_one(slug))
        if found is None:
            raise NotFound()
        return PublicInteractive(
            slug=found.slug, interactive_type=found.interactive_type, title=found.title,
            description=found.description, topic_code=found.topic_code,
            version_no=found.version_no, questions=public_questions(found.config),
        )  # fmt: skip

    async def start(
        self,
        principal: Principal | None,
        slug: str,
        anonymous_id: str | None,
        metadata: RunMetadata,
    ) -> StartedRun:
        """A run of the published version for the user or the browser's anonymous id; an
        anonymous run comes with its claim token (only the token's SHA-256 is kept)."""
        if principal is None and anonymous_id is None:
            raise ValidationFailed("anonymous_id is required without signing in",
                                   field="anonymous_id")  # fmt: skip
        ensure_p0(metadata, where="run metadata")
        user_id = principal.user_id if principal else None
        claim_token = new_token() if principal is None else None

        async def work(uow: InteractivesUoW) -> uuid.UUID:
            found = await uow.repos.runs.published_one(slug)
            if found is None:
                raise NotFound()
            run_id = await uow.repos.runs.add_run(
                found.id, found.version_id, user_id, anonymous_id, metadata,
                token_hash(claim_token) if claim_token is not None else None,
            )  # fmt: skip
            await uow.repos.runs.record_event(
                "interactive.started", user_id, anonymous_id, {"interactive": slug}
            )
            return run_id

        run_id = await in_transaction(self._uow, work)
        logger.info("interactive_run_started", interactive=slug)
        return StartedRun(run_id, claim_token)

    async def complete(
        self,
        principal: Principal | None,
        run_id: uuid.UUID,
        anonymous_id: str | None,
        answers: Mapping[str, object],
        contact: LeadContact | None = None,
        consents: tuple[Consent, ...] = (),
    ) -> CompletedRun:
        """Score ``answers`` (kept in memory only) and store the aggregate, encrypted; once
        per run. A visitor who leaves a contact (with the ``personal_data`` consent)
        becomes a CRM lead, and the result's Telegram link carries that lead. The result
        is returned here and kept nowhere in plaintext: the analytics event, the lead's
        timeline and the deep link name the self-check only."""
        user_id = principal.user_id if principal else None
        if contact is not None:
            contact.identities()  # a malformed contact is refused before anything runs
            if not any(kind == "personal_data" and granted for kind, granted, _ in consents):
                raise ConsentRequired("The personal_data consent is required to leave a contact.")

        async def work(uow: InteractivesUoW) -> _Completed:
            runs = uow.repos.runs
            run = await runs.lock_run(run_id)
            if run is None or not run.belongs_to(user_id, anonymous_id):
                raise NotFound()
            if run.status != "in_progress":
                raise InvalidState(f"This run is {run.status}; start a new one.")
            outcome = score(run.config, answers)
            elapsed = self._clock.now() - run.started_at
            await runs.complete_run(run_id, outcome, max(0, elapsed // _MS))
            if outcome.crisis_triggered:  # staff are alerted; the signal names no run
                signal = new_id()
                uow.publish(
                    SelfCheckCrisisSignalled(
                        event_id=signal, occurred_at=self._clock.now(), aggregate_id=str(signal)
                    )
                )
            await runs.record_event(
                "interactive.completed", run.user_id, run.anonymous_id, {"interactive": run.slug}
            )
            wanted = run.config.recommendations.get(outcome.result)
            content, services = await runs.recommended(
                wanted.content if wanted else (), wanted.services if wanted else ()
            )
            lead_id = (
                await lead_for_self_check(uow.repos.leads, contact, consents, run.slug)
                if contact is not None
                else None
            )
            return _Completed(
                slug=run.slug, outcome=outcome, content=content, services=services,
                resources=await runs.crisis_resources() if outcome.crisis_triggered else {},
                purpose=wanted.telegram_purpose if wanted else None, lead_id=lead_id,
            )  # fmt: skip

        done = await in_transaction(self._uow, work)
        outcome = done.outcome
        logger.info("interactive_run_completed", interactive=done.slug)
        telegram = None
        if done.purpose is not None and self._deep_links is not None:
            payload = {"interactive": done.slug}
            url = await self._deep_links.url_for(done.purpose, payload, user_id, done.lead_id)
            telegram = TelegramLink(purpose=done.purpose, url=url) if url else None
        return CompletedRun(
            run_id=run_id, slug=done.slug, result_level=outcome.result_level,
            result_profile=outcome.result_profile,
            crisis=CrisisNotice(
                triggered=outcome.crisis_triggered,
                resources=dict(done.resources) if outcome.crisis_triggered else None,
            ),
            recommendations=Recommendations(
                content=tuple(done.content), services=tuple(done.services), telegram=telegram
            ),
        )  # fmt: skip

    async def claim(
        self, principal: Principal, anonymous_id: str, claim_tokens: Sequence[str]
    ) -> int:
        """After signing in: the runs this browser took anonymously become the user's,
        those whose claim tokens it shows (the anonymous id alone is the client's own
        choice, so anyone could name it). None claimed is a 404, like a foreign run."""
        hashes = sorted({token_hash(token) for token in claim_tokens})

        async def work(uow: InteractivesUoW) -> int:
            return await uow.repos.runs.claim(principal.user_id, anonymous_id, hashes)

        claimed = await in_transaction(self._uow, work) if hashes else 0
        if not claimed:
            raise NotFound()
        logger.info("interactive_runs_claimed", count=claimed)
        return claimed

    async def runs_of(self, principal: Principal) -> list[MyRun]:
        return await in_transaction(
            self._uow, lambda uow: uow.repos.runs.runs_of(principal.user_id)
        )
