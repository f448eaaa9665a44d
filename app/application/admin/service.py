"""The owner's administration: message templates (validated against the variables the
code provides, previewed with sample values), run-time settings (a schema per key) and
the audit log. Every write is audited."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from app.application.access import Principal, ensure_roles
from app.application.admin.ports import AdminStore, AuditRecord, MessageTemplate, Setting
from app.application.audit import audit_action
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.admin_settings import validate_setting
from app.domain.errors import InvalidState, NotFound, ValidationFailed, VersionConflict
from app.domain.identity.model import Role
from app.domain.notifications.catalog import SAMPLES, VARIABLES
from app.domain.notifications.templates import (
    RenderedMessage,
    TemplateError,
    placeholders,
    render_message,
)

T = TypeVar("T")
MAX_AUDIT_WINDOW = timedelta(days=366)
AdminUoW = UnitOfWork[AdminStore]


SECRET_VARIABLES = {"auth.login_code": frozenset({"code"})}
"""Variables that are secrets: allowed in a message's body, never in its subject."""


def check_template(code: str, channel: str, subject: str | None, body: str) -> None:
    """A template the code can send: a known code, only the variables it provides, an
    e-mail subject."""
    provided = VARIABLES.get(code)
    if provided is None:
        raise ValidationFailed("no message is sent under this code", field="code")
    if channel == "email" and not (subject and subject.strip()):
        raise ValidationFailed("an e-mail template needs a subject", field="subject")
    secret = SECRET_VARIABLES.get(code, frozenset()) & (placeholders(subject) if subject else set())
    if secret:
        # A subject shows on lock screens and in mail previews: a secret stays in the body.
        raise TemplateError(
            f"{{{sorted(secret)[0]}}} may appear only in the body, never in the subject",
            field="subject",
        )
    used = placeholders(body) | (placeholders(subject) if subject else set())
    unknown = sorted(used - provided)
    if unknown:
        raise TemplateError(
            f"{code} is not given {', '.join('{' + u + '}' for u in unknown)}; it has: "
            + (", ".join("{" + p + "}" for p in sorted(provided)) or "no variables"),
            field="body",
        )


class AdminService:
    def __init__(self, uow: Callable[[], AdminUoW], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def _owner(self, actor: Principal, work: Callable[[AdminUoW], Awaitable[T]]) -> T:
        ensure_roles(actor, Role.OWNER)
        return await in_transaction(self._uow, work)

    # --- templates -------------------------------------------------------------------

    async def templates(self, actor: Principal) -> list[MessageTemplate]:
        return await self._owner(actor, lambda uow: uow.repos.templates())

    async def template(self, actor: Principal, template_id: uuid.UUID) -> MessageTemplate:
        return await self._owner(actor, lambda uow: _template(uow, template_id))

    def preview(self, actor: Principal, code: str, channel: str, subject: str | None,
                body: str) -> RenderedMessage:  # fmt: skip
        """Render a draft with sample values, after the same checks as saving."""
        ensure_roles(actor, Role.OWNER)
        check_template(code, channel, subject, body)
        return render_message(subject, body, dict(SAMPLES))

    async def add_template(
        self, actor: Principal, code: str, channel: str, locale: str, subject: str | None,
        body: str,
    ) -> MessageTemplate:  # fmt: skip
        check_template(code, channel, subject, body)

        async def work(uow: AdminUoW) -> MessageTemplate:
            template_id = await uow.repos.add_template(
                code, channel, locale, subject, body, actor.user_id
            )
            await _audit(uow, actor, "template.create", str(template_id), {"template": code})
            return await _template(uow, template_id)

        return await self._owner(actor, work)

    async def update_template(
        self, actor: Principal, template_id: uuid.UUID, version: int, subject: str | None,
        body: str,
    ) -> MessageTemplate:  # fmt: skip
        """Only the subject and body change; the code and channel the template was made
        for decide which variables it may use."""

        async def work(uow: AdminUoW) -> MessageTemplate:
            found = await _template(uow, template_id)
            check_template(found.code, found.channel, subject, body)
            if not await uow.repos.update_template(
                template_id, version, subject, body, actor.user_id
            ):
                raise VersionConflict()
            await _audit(uow, actor, "template.update", str(template_id),
                         {"template": found.code})  # fmt: skip
            return await _template(uow, template_id)

        return await self._owner(actor, work)

    async def delete_template(self, actor: Principal, template_id: uuid.UUID) -> None:
        """Only a translation goes; the Russian original is what every send falls back to."""

        async def work(uow: AdminUoW) -> None:
            found = await _template(uow, template_id)
            if found.locale == "ru":
                raise InvalidState("The Russian template is the fallback; edit it instead.")
            await uow.repos.delete_template(template_id)
            await _audit(uow, actor, "template.delete", str(template_id),
                         {"template": found.code})  # fmt: skip

        await self._owner(actor, work)

    # --- settings --------------------------------------------------------------------

    async def settings(self, actor: Principal) -> list[Setting]:
        return await self._owner(actor, lambda uow: uow.repos.settings())

    async def setting(self, actor: Principal, key: str) -> Setting:
        async def work(uow: AdminUoW) -> Setting:
            found = await uow.repos.setting(key)
            if found is None:
                raise NotFound()
            return found

        return await self._owner(actor, work)

    async def put_setting(self, actor: Principal, key: str, value: Any) -> Setting:
        """Only a known key, with a value of its key's shape (``SCHEMAS``)."""
        checked = validate_setting(key, value)

        async def work(uow: AdminUoW) -> Setting:
            await uow.repos.put_setting(key, checked, actor.user_id)
            await _audit(uow, actor, "setting.update", key)
            found = await uow.repos.setting(key)
            assert found is not None  # noqa: S101 (written in this transaction)
            return found

        return await self._owner(actor, work)

    # --- audit log -------------------------------------------------------------------

    async def audit_log(
        self, actor: Principal, actor_id: uuid.UUID | None, entity_type: str | None,
        action: str | None, date_from: datetime | None, date_to: datetime | None, limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> list[AuditRecord]:  # fmt: skip
        """Entries of a window of at most 366 days (the last 30 by default), newest
        first; ``after``: the (occurred_at, id) of the last entry already shown."""
        date_to = date_to or self._clock.now()
        date_from = date_from or date_to - timedelta(days=30)
        if date_from >= date_to or date_to - date_from > MAX_AUDIT_WINDOW:
            raise ValidationFailed("from must be before to, at most 366 days apart",
                                   field="from")  # fmt: skip

        async def work(uow: AdminUoW) -> list[AuditRecord]:
            return await uow.repos.audit_log(
                actor_id, entity_type, action, date_from, date_to, limit, after
            )

        return await self._owner(actor, work)


async def _template(uow: AdminUoW, template_id: uuid.UUID) -> MessageTemplate:
    found = await uow.repos.template(template_id)
    if found is None:
        raise NotFound()
    return found


async def _audit(
    uow: AdminUoW, actor: Principal, action: str, entity_id: str,
    details: dict[str, str] | None = None,
) -> None:  # fmt: skip
    entity = "message_template" if action.startswith("template.") else "system_setting"
    await audit_action(uow, actor, action, entity, entity_id, details)
