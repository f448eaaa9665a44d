"""The editors' side of interactives: definitions, immutable validated versions, which
version clients take. Owners and editors only; every write is audited. Publishing a new
version leaves runs in progress on the version they started with."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.interactives.ports import Definition, DefinitionVersion, InteractiveStore
from app.application.ports import UnitOfWork
from app.application.transactions import in_transaction
from app.domain.content.model import validate_slug
from app.domain.errors import NotFound, ValidationFailed, VersionConflict
from app.domain.identity.model import Role
from app.domain.interactives.config import validate_config

logger = structlog.get_logger(__name__)

InteractivesUoW = UnitOfWork[InteractiveStore]
EDITORS = (Role.OWNER, Role.EDITOR)
TYPES = frozenset({"quiz", "navigator", "thermometer", "boundaries", "prep", "ritual"})


class InteractiveDefinitions:
    def __init__(self, uow: Callable[[], InteractivesUoW]) -> None:
        self._uow = uow

    async def definitions(self, actor: Principal) -> list[Definition]:
        ensure_roles(actor, *EDITORS)
        return await in_transaction(self._uow, lambda uow: uow.repos.definitions.definitions())

    async def definition(self, actor: Principal, definition_id: uuid.UUID) -> Definition:
        ensure_roles(actor, *EDITORS)
        return await in_transaction(self._uow, lambda uow: _definition(uow, definition_id))

    async def create(
        self, actor: Principal, slug: str, interactive_type: str, title: str,
        description: str | None, topic_code: str | None,
    ) -> Definition:  # fmt: skip
        """A draft without versions."""
        ensure_roles(actor, *EDITORS)
        validate_slug(slug)
        if interactive_type not in TYPES:
            raise ValidationFailed("unknown interactive type", field="interactive_type")

        async def work(uow: InteractivesUoW) -> Definition:
            definition_id = await uow.repos.definitions.add_definition(
                slug, interactive_type, title, description, topic_code
            )
            await _audit(uow, actor, "interactive.create", definition_id, {"slug": slug})
            return await _definition(uow, definition_id)

        return await in_transaction(self._uow, work)

    async def update(
        self, actor: Principal, definition_id: uuid.UUID, version: int, title: str,
        description: str | None, topic_code: str | None,
    ) -> Definition:  # fmt: skip
        """Title, description and topic, at the version the editor read."""
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> Definition:
            await _definition(uow, definition_id)
            if not await uow.repos.definitions.update_definition(
                definition_id, version, title, description, topic_code
            ):
                raise VersionConflict()
            await _audit(uow, actor, "interactive.update", definition_id)
            return await _definition(uow, definition_id)

        return await in_transaction(self._uow, work)

    async def add_version(self, actor: Principal, definition_id: uuid.UUID, config: Any) -> int:
        """A new, validated version (not yet what clients take); its number."""
        ensure_roles(actor, *EDITORS)
        stored = msgspec.to_builtins(validate_config(config))

        async def work(uow: InteractivesUoW) -> int:
            number = await uow.repos.definitions.add_version(definition_id, stored, actor.user_id)
            if number is None:
                raise NotFound()
            await _audit(uow, actor, "interactive.version_add", definition_id,
                         {"version_no": number})  # fmt: skip
            return number

        return await in_transaction(self._uow, work)

    async def version(
        self, actor: Principal, definition_id: uuid.UUID, number: int
    ) -> DefinitionVersion:
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> DefinitionVersion:
            found = await uow.repos.definitions.version(definition_id, number)
            if found is None:
                raise NotFound()
            return found

        return await in_transaction(self._uow, work)

    async def publish(self, actor: Principal, definition_id: uuid.UUID, number: int) -> Definition:
        """Clients take ``number`` from now on; runs already started keep their version."""
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> Definition:
            found = await uow.repos.definitions.version(definition_id, number)
            if found is None:
                raise NotFound()
            await uow.repos.definitions.publish(definition_id, found.id)
            await _audit(uow, actor, "interactive.publish", definition_id,
                         {"version_no": number})  # fmt: skip
            return await _definition(uow, definition_id)

        published = await in_transaction(self._uow, work)
        logger.info("interactive_published", interactive=published.slug, version_no=number)
        return published

    async def archive(self, actor: Principal, definition_id: uuid.UUID) -> None:
        """Runs and versions stay; the self-check leaves the public list."""
        ensure_roles(actor, *EDITORS)

        async def work(uow: InteractivesUoW) -> None:
            if not await uow.repos.definitions.archive(definition_id):
                raise NotFound()
            await _audit(uow, actor, "interactive.archive", definition_id)

        await in_transaction(self._uow, work)


async def _definition(uow: InteractivesUoW, definition_id: uuid.UUID) -> Definition:
    found = await uow.repos.definitions.definition(definition_id)
    if found is None:
        raise NotFound()
    return found


async def _audit(
    uow: InteractivesUoW, actor: Principal, action: str, definition_id: uuid.UUID,
    details: dict[str, object] | None = None,
) -> None:  # fmt: skip
    await audit_action(uow, actor, action, "interactive_definition", str(definition_id), details)
