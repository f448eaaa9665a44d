"""Interactives: self-checks scored on the server, with nothing of the answers kept.

A run is started against the published version and completed once: the answers are
checked and scored in memory, and only the aggregate (level or profile, the crisis
flag, the duration) is stored, encrypted: a result band or a crisis flag of a person is
health data (P2). Answers never reach the database, a log line or an event, and the
result reaches no analytics event, lead timeline, deep link or log line either. A run
started without signing in gets a claim token, returned once; claiming the run after
signing in needs it. Editors write definitions and immutable versions; publishing a new
version leaves runs in progress on the version they started with.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.interactives.ports import DeepLinkIssuer, InteractiveStore, Row
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.content.model import validate_slug
from app.domain.crm.contact import LeadContact
from app.domain.errors import (
    ConsentRequired,
    InvalidState,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from app.domain.identity.model import Role, new_token
from app.domain.identity.tokens import token_hash
from app.domain.interactives.config import InteractiveConfig, validate_config
from app.domain.interactives.scoring import Outcome, score
from app.domain.shared.privacy import ensure_p0

logger = structlog.get_logger(__name__)

InteractivesUoW = UnitOfWork[InteractiveStore]
EDITORS = (Role.OWNER, Role.EDITOR)
ABANDON_AFTER = timedelta(hours=24)
SEAL_BATCH = 200
TYPES = frozenset({"quiz", "navigator", "thermometer", "boundaries", "prep", "ritual"})


def public_questions(config: InteractiveConfig) -> list[Row]:
    """The questions as a client sees them: no values, categories or rules."""
    questions: list[Row] = []
    for question in config.questions:
        shown: Row = {"id": question.id, "text": question.text, "kind": question.kind}
        if question.kind == "scale":
            shown.update(min=question.min, max=question.max)
        else:
            shown["options"] = [{"id": o.id, "label": o.label} for o in question.options]
        questions.append(shown)
    return questions


class InteractiveService:
    def __init__(
        self,
        uow: Callable[[], InteractivesUoW],
        clock: Clock,
        deep_links: DeepLinkIssuer | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._deep_links = deep_links

    # --- public ----------------------------------------------------------------------

    async def published(self) -> list[Row]:
        async def work(uow: InteractivesUoW) -> list[Row]:
            return await uow.repos.published()

        return await in_transaction(self._uow, work)

    async def get(self, slug: str) -> Row:
        """A published interactive with its current version's questions."""

        async def work(uow: InteractivesUoW) -> Row | None:
            return await uow.repos.published_one(slug)

        found = await in_transaction(self._uow, work)
        if found is None:
            raise NotFound()
        config = msgspec.convert(found["config"], InteractiveConfig)
        return {
            "slug": found["slug"], "interactive_type": found["interactive_type"],
            "title": found["title"], "description": found["description"],
            "topic_code": found["topic_code"], "version_no": found["version_no"],
            "questions": public_questions(config),
        }  # fmt: skip

    async def start(
        self, principal: Principal | None, slug: str, anonymous_id: str | None, metadata: Row
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
            found = await uow.repos.published_one(slug)
            if found is None:
                raise NotFound()
            run_id = await uow.repos.add_run(
                found["id"], found["version_id"], user_id, anonymous_id, metadata,
                token_hash(claim_token) if claim_token is not None else None,
            )  # fmt: skip
            await uow.repos.record_event(
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
        answers: dict[str, Any],
        contact: LeadContact | None = None,
        consents: tuple[tuple[str, bool, str], ...] = (),
    ) -> Row:
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
            run = await uow.repos.lock_run(run_id)
            if run is None or not _owns(run, user_id, anonymous_id):
                raise NotFound()
            if run["status"] != "in_progress":
                raise InvalidState(f"This run is {run['status']}; start a new one.")
            config = msgspec.convert(run["config"], InteractiveConfig)
            outcome = score(config, answers)
            elapsed = self._clock.now() - run["started_at"]
            await uow.repos.complete_run(run_id, outcome, max(0, elapsed // _MS))
            await uow.repos.record_event(
                "interactive.completed",
                run["user_id"],
                run["anonymous_id"],
                {"interactive": run["slug"]},
            )
            wanted = config.recommendations.get(outcome.result)
            content, services = await uow.repos.recommended(
                wanted.content if wanted else (), wanted.services if wanted else ()
            )
            lead_id = (
                await uow.repos.lead_for(contact, consents, run["slug"])
                if contact is not None
                else None
            )
            return _Completed(
                slug=run["slug"], outcome=outcome, content=content, services=services,
                lead_id=lead_id,
                resources=await uow.repos.crisis_resources() if outcome.crisis_triggered else {},
                purpose=wanted.telegram_purpose if wanted else None,
            )  # fmt: skip

        done = await in_transaction(self._uow, work)
        outcome, slug = done.outcome, done.slug
        logger.info("interactive_run_completed", interactive=slug)
        telegram = None
        if done.purpose is not None and self._deep_links is not None:
            payload = {"interactive": slug}
            url = await self._deep_links.url_for(done.purpose, payload, user_id, done.lead_id)
            telegram = {"purpose": done.purpose, "url": url} if url else None
        crisis: Row = {"triggered": outcome.crisis_triggered}
        if outcome.crisis_triggered:
            crisis["resources"] = done.resources
        return {
            "run_id": run_id, "result_level": outcome.result_level,
            "result_profile": outcome.result_profile, "crisis": crisis,
            "recommendations": {"content": done.content, "services": done.services,
                                "telegram": telegram},
        }  # fmt: skip

    async def claim(
        self, principal: Principal, anonymous_id: str, claim_tokens: Sequence[str]
    ) -> int:
        """After signing in: the runs this browser took anonymously become the user's,
        those whose claim tokens it shows (the anonymous id alone is the client's own
        choice, so anyone could name it). None claimed is a 404, like a foreign run."""
        hashes = sorted({token_hash(token) for token in claim_tokens})

        async def work(uow: InteractivesUoW) -> int:
            return await uow.repos.claim(principal.user_id, anonymous_id, hashes)

        claimed = await in_transaction(self._uow, work) if hashes else 0
        if not claimed:
            raise NotFound()
        logger.info("interactive_runs_claimed", count=claimed)
        return claimed

    async def runs_of(self, principal: Principal) -> list[Row]:
        async def work(uow: InteractivesUoW) -> list[Row]:
            return await uow.repos.runs_of(principal.user_id)

        return await in_transaction(self._uow, work)

    async def abandon_stale(self, now: datetime) -> int:
        """Job: runs not completed within a day are marked abandoned."""

        async def work(uow: InteractivesUoW) -> int:
            return await uow.repos.abandon(now - ABANDON_AFTER)

        count = await in_transaction(self._uow, work)
        if count:
            logger.info("interactive_runs_abandoned", count=count)
        return count

    async def seal_legacy_results(self) -> int:
        """Job: results written in plaintext before 0035 move into the encrypted column,
        a batch per transaction, until none is left."""

        async def work(uow: InteractivesUoW) -> int:
            return await uow.repos.seal_legacy_results(SEAL_BATCH)

        total = 0
        while (sealed := await in_transaction(self._uow, work)) > 0:
            total += sealed
            if sealed < SEAL_BATCH:
                break
        if total:
            logger.info("interactive_results_sealed", count=total)
        return total

    # --- admin -----------------------------------------------------------------------

    async def definitions(self, actor: Principal) -> list[Row]:
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> list[Row]:
            return await uow.repos.definitions()

        return await in_transaction(self._uow, work)

    async def definition(self, actor: Principal, definition_id: uuid.UUID) -> Row:
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> Row | None:
            return await uow.repos.definition(definition_id)

        found = await in_transaction(self._uow, work)
        if found is None:
            raise NotFound()
        return found

    async def create(
        self, actor: Principal, slug: str, interactive_type: str, title: str,
        description: str | None, topic_code: str | None,
    ) -> Row:  # fmt: skip
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        if interactive_type not in TYPES:
            raise ValidationFailed("unknown interactive type", field="interactive_type")

        async def work(uow: InteractivesUoW) -> Row:
            definition_id = await uow.repos.add_definition(
                slug, interactive_type, title, description, topic_code
            )
            await _audit(uow, actor, "interactive.create", definition_id, {"slug": slug})
            found = await uow.repos.definition(definition_id)
            assert found is not None  # noqa: S101 (written in this transaction)
            return found

        return await in_transaction(self._uow, work)

    async def update(
        self, actor: Principal, definition_id: uuid.UUID, version: int, title: str,
        description: str | None, topic_code: str | None,
    ) -> Row:  # fmt: skip
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> Row:
            if await uow.repos.definition(definition_id) is None:
                raise NotFound()
            if not await uow.repos.update_definition(
                definition_id, version, title, description, topic_code
            ):
                raise VersionConflict()
            await _audit(uow, actor, "interactive.update", definition_id)
            found = await uow.repos.definition(definition_id)
            assert found is not None  # noqa: S101 (written in this transaction)
            return found

        return await in_transaction(self._uow, work)

    async def add_version(self, actor: Principal, definition_id: uuid.UUID, config: Any) -> int:
        """A new, validated version (not yet what clients take)."""
        ensure_roles(actor, *EDITORS)
        checked = validate_config(config)
        stored = msgspec.to_builtins(checked)

        async def work(uow: InteractivesUoW) -> int:
            number = await uow.repos.add_version(definition_id, stored, actor.user_id)
            if number is None:
                raise NotFound()
            await _audit(uow, actor, "interactive.version_add", definition_id,
                         {"version_no": number})  # fmt: skip
            return number

        return await in_transaction(self._uow, work)

    async def version(self, actor: Principal, definition_id: uuid.UUID, number: int) -> Row:
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> Row | None:
            return await uow.repos.version(definition_id, number)

        found = await in_transaction(self._uow, work)
        if found is None:
            raise NotFound()
        return found

    async def publish(self, actor: Principal, definition_id: uuid.UUID, number: int) -> Row:
        """Clients take ``number`` from now on; runs already started keep their version."""
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> Row:
            found = await uow.repos.version(definition_id, number)
            if found is None:
                raise NotFound()
            await uow.repos.publish(definition_id, found["id"])
            await _audit(uow, actor, "interactive.publish", definition_id,
                         {"version_no": number})  # fmt: skip
            definition = await uow.repos.definition(definition_id)
            assert definition is not None  # noqa: S101 (read in this transaction)
            return definition

        published = await in_transaction(self._uow, work)
        logger.info("interactive_published", interactive=published["slug"], version_no=number)
        return published

    async def archive(self, actor: Principal, definition_id: uuid.UUID) -> None:
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> None:
            if not await uow.repos.archive(definition_id):
                raise NotFound()
            await _audit(uow, actor, "interactive.archive", definition_id)

        await in_transaction(self._uow, work)


_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class StartedRun:
    id: uuid.UUID
    claim_token: str | None
    """Only for a run started without signing in; shown once, only its hash is kept."""


@dataclass(frozen=True, slots=True)
class _Completed:
    slug: str
    outcome: Outcome
    content: list[Row]
    services: list[Row]
    resources: Row
    purpose: str | None
    lead_id: uuid.UUID | None = None


def _owns(run: Row, user_id: uuid.UUID | None, anonymous_id: str | None) -> bool:
    """A run belongs to its user; a run without one, to the browser holding its id."""
    if run["user_id"] is not None:
        return bool(run["user_id"] == user_id)
    return anonymous_id is not None and run["anonymous_id"] == anonymous_id


async def _audit(
    uow: UnitOfWork[Any], actor: Principal, action: str, definition_id: uuid.UUID,
    details: Row | None = None,
) -> None:  # fmt: skip
    await audit_action(uow, actor, action, "interactive_definition", str(definition_id), details)
