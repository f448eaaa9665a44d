"""The owner's administration: message templates (validated against the variables the
code provides, previewed with sample values), run-time settings (a schema per key) and
the audit log. Every write is audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.admin_settings import validate_setting
from app.domain.errors import InvalidState, NotFound, ValidationFailed, VersionConflict
from app.domain.identity.model import Role
from app.domain.notifications.catalog import SAMPLES, VARIABLES
from app.domain.notifications.templates import TemplateError, placeholders, render_message

Row = dict[str, Any]
MAX_AUDIT_WINDOW = timedelta(days=366)


class AdminStore(Protocol):
    async def templates(self) -> list[Row]: ...

    async def template(self, template_id: uuid.UUID) -> Row | None: ...

    async def add_template(
        self, code: str, channel: str, locale: str, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> uuid.UUID: ...  # fmt: skip

    async def update_template(
        self, template_id: uuid.UUID, version: int, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> bool: ...  # fmt: skip

    async def delete_template(self, template_id: uuid.UUID) -> None: ...

    async def settings(self) -> list[Row]: ...

    async def setting(self, key: str) -> Row | None: ...

    async def put_setting(self, key: str, value: Any, actor_id: uuid.UUID) -> None: ...

    async def audit_log(
        self, actor_id: uuid.UUID | None, entity_type: str | None, action: str | None,
        date_from: datetime, date_to: datetime, limit: int,
    ) -> list[Row]: ...  # fmt: skip


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

    async def _owner(self, actor: Principal, work: Callable[[AdminUoW], Any]) -> Any:
        ensure_roles(actor, Role.OWNER)
        return await in_transaction(self._uow, work)

    # --- templates -------------------------------------------------------------------

    async def templates(self, actor: Principal) -> list[Row]:
        async def work(uow: AdminUoW) -> list[Row]:
            return await uow.repos.templates()

        rows: list[Row] = await self._owner(actor, work)
        return rows

    async def template(self, actor: Principal, template_id: uuid.UUID) -> Row:
        async def work(uow: AdminUoW) -> Row:
            return await _template(uow, template_id)

        row: Row = await self._owner(actor, work)
        return row

    def preview(self, actor: Principal, code: str, channel: str, subject: str | None,
                body: str) -> Row:  # fmt: skip
        """Render a draft with sample values, after the same checks as saving."""
        ensure_roles(actor, Role.OWNER)
        check_template(code, channel, subject, body)
        rendered = render_message(subject, body, dict(SAMPLES))
        return {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}

    async def add_template(
        self, actor: Principal, code: str, channel: str, locale: str, subject: str | None,
        body: str,
    ) -> Row:  # fmt: skip
        check_template(code, channel, subject, body)

        async def work(uow: AdminUoW) -> Row:
            template_id = await uow.repos.add_template(
                code, channel, locale, subject, body, actor.user_id
            )
            await _audit(uow, actor, "template.create", str(template_id), {"template": code})
            return await _template(uow, template_id)

        row: Row = await self._owner(actor, work)
        return row

    async def update_template(
        self, actor: Principal, template_id: uuid.UUID, version: int, subject: str | None,
        body: str,
    ) -> Row:  # fmt: skip
        async def work(uow: AdminUoW) -> Row:
            found = await _template(uow, template_id)
            check_template(found["code"], found["channel"], subject, body)
            if not await uow.repos.update_template(
                template_id, version, subject, body, actor.user_id
            ):
                raise VersionConflict()
            await _audit(uow, actor, "template.update", str(template_id),
                         {"template": found["code"]})  # fmt: skip
            return await _template(uow, template_id)

        row: Row = await self._owner(actor, work)
        return row

    async def delete_template(self, actor: Principal, template_id: uuid.UUID) -> None:
        """Only a translation goes; the Russian original is what every send falls back to."""

        async def work(uow: AdminUoW) -> None:
            found = await _template(uow, template_id)
            if found["locale"] == "ru":
                raise InvalidState("The Russian template is the fallback; edit it instead.")
            await uow.repos.delete_template(template_id)
            await _audit(uow, actor, "template.delete", str(template_id),
                         {"template": found["code"]})  # fmt: skip

        await self._owner(actor, work)

    # --- settings --------------------------------------------------------------------

    async def settings(self, actor: Principal) -> list[Row]:
        async def work(uow: AdminUoW) -> list[Row]:
            return await uow.repos.settings()

        rows: list[Row] = await self._owner(actor, work)
        return rows

    async def setting(self, actor: Principal, key: str) -> Row:
        async def work(uow: AdminUoW) -> Row:
            found = await uow.repos.setting(key)
            if found is None:
                raise NotFound()
            return found

        row: Row = await self._owner(actor, work)
        return row

    async def put_setting(self, actor: Principal, key: str, value: Any) -> Row:
        checked = validate_setting(key, value)

        async def work(uow: AdminUoW) -> Row:
            await uow.repos.put_setting(key, checked, actor.user_id)
            await _audit(uow, actor, "setting.update", key)
            found = await uow.repos.setting(key)
            assert found is not None  # noqa: S101 (written in this transaction)
            return found

        row: Row = await self._owner(actor, work)
        return row

    # --- audit log -------------------------------------------------------------------

    async def audit_log(
        self, actor: Principal, actor_id: uuid.UUID | None, entity_type: str | None,
        action: str | None, date_from: datetime | None, date_to: datetime | None, limit: int,
    ) -> list[Row]:  # fmt: skip
        date_to = date_to or self._clock.now()
        date_from = date_from or date_to - timedelta(days=30)
        if date_from >= date_to or date_to - date_from > MAX_AUDIT_WINDOW:
            raise ValidationFailed("from must be before to, at most 366 days apart",
                                   field="from")  # fmt: skip

        async def work(uow: AdminUoW) -> list[Row]:
            return await uow.repos.audit_log(
                actor_id, entity_type, action, date_from, date_to, limit
            )

        rows: list[Row] = await self._owner(actor, work)
        return rows


async def _template(uow: AdminUoW, template_id: uuid.UUID) -> Row:
    found = await uow.repos.template(template_id)
    if found is None:
        raise NotFound()
    return found


async def _audit(
    uow: AdminUoW, actor: Principal, action: str, entity_id: str, details: Row | None = None
) -> None:
    entity = "message_template" if action.startswith("template.") else "system_setting"
    await audit_action(uow, actor, action, entity, entity_id, details)
