"""HTTP endpoints of the owner's administration: templates, settings, the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.adapters.http.auth import role_guard
from app.adapters.http.identity import NO_STORE
from app.adapters.http.pagination import (
    MAX_LIMIT,
    AwareDatetime,
    BigintId,
    CursorQuery,
    decode_position,
    page_of,
)
from app.adapters.http.read_models import as_response
from app.application.access import Principal
from app.application.admin.service import AdminService
from app.application.booking.practice_zone import PRACTICE_TIMEZONE_KEY
from app.application.booking.use_cases import Booking
from app.domain.identity.model import Role

Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_.]{1,63}$")]
Subject = Annotated[str, msgspec.Meta(max_length=300)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
Channel = Literal["email", "telegram"]


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    channel: Channel
    body: Body
    locale: Literal["ru", "en"] = "ru"
    subject: Subject | None = None


class TemplateUpdate(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    body: Body
    subject: Subject | None = None


class PreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    channel: Channel
    body: Body
    subject: Subject | None = None


class PreviewOut(msgspec.Struct):
    subject: str | None
    text: str
    html: str


class TemplateOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    channel: str
    locale: str
    subject: str | None
    body: str
    updated_at: datetime
    updated_by: uuid.UUID | None
    version: int


class TemplatesOut(msgspec.Struct):
    items: list[TemplateOut]


class SettingOut(msgspec.Struct):
    key: str
    value: Any
    updated_at: datetime
    updated_by: uuid.UUID | None


class SettingsOut(msgspec.Struct):
    items: list[SettingOut]


class SettingIn(msgspec.Struct, forbid_unknown_fields=True):
    value: Any


class AuditEntryOut(msgspec.Struct):
    id: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: str | None
    details: dict[str, Any]


class AuditLogOut(msgspec.Struct):
    items: list[AuditEntryOut]
    next_cursor: str | None = None


class AdminController(Controller):
    """Owner only; every write is audited."""

    path = "/api/v1/admin"
    tags = ["admin: templates, settings, audit"]  # noqa: RUF012
    cache_control = NO_STORE
    guards = [role_guard(Role.OWNER)]  # noqa: RUF012  (before the body is validated)

    @get("/message-templates", summary="All message templates")
    async def templates(
        self, principal: NamedDependency[Principal], admin: NamedDependency[AdminService]
    ) -> TemplatesOut:
        return TemplatesOut(as_response(await admin.templates(principal), list[TemplateOut]))

    @post("/message-templates", summary="A template (e.g. a translation) for a known code")
    async def add_template(
        self, data: JSONBody[TemplateIn], principal: NamedDependency[Principal],
        admin: NamedDependency[AdminService],
    ) -> TemplateOut:  # fmt: skip
        template = await admin.add_template(
            principal, data.code, data.channel, data.locale, data.subject, data.body
        )
        return as_response(template, TemplateOut)

    @post("/message-templates/preview", status_code=200,
          summary="Render a draft with sample values (checked as when saving)")  # fmt: skip
    async def preview(
        self, data: JSONBody[PreviewIn], principal: NamedDependency[Principal],
        admin: NamedDependency[AdminService],
    ) -> PreviewOut:  # fmt: skip
        rendered = admin.preview(principal, data.code, data.channel, data.subject, data.body)
        return PreviewOut(subject=rendered.subject, text=rendered.text, html=rendered.html)

    @get("/message-templates/{template_id:uuid}", summary="One template")
    async def template(
        self, template_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        admin: NamedDependency[AdminService],
    ) -> TemplateOut:  # fmt: skip
        return as_response(await admin.template(principal, template_id), TemplateOut)

    @put("/message-templates/{template_id:uuid}", summary="Edit; send version")
    async def update_template(
        self, template_id: FromPath[uuid.UUID], data: JSONBody[TemplateUpdate],
        principal: NamedDependency[Principal], admin: NamedDependency[AdminService],
    ) -> TemplateOut:  # fmt: skip
        template = await admin.update_template(
            principal, template_id, data.version, data.subject, data.body
        )
        return as_response(template, TemplateOut)

    @delete("/message-templates/{template_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            summary="Remove a translation (the Russian original stays)")  # fmt: skip
    async def delete_template(
        self, template_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        admin: NamedDependency[AdminService],
    ) -> None:  # fmt: skip
        await admin.delete_template(principal, template_id)

    @get("/settings", summary="All run-time settings")
    async def settings(
        self, principal: NamedDependency[Principal], admin: NamedDependency[AdminService]
    ) -> SettingsOut:
        return SettingsOut(as_response(await admin.settings(principal), list[SettingOut]))

    @get("/settings/{key:str}", summary="One setting")
    async def setting(
        self, key: FromPath[str], principal: NamedDependency[Principal],
        admin: NamedDependency[AdminService],
    ) -> SettingOut:  # fmt: skip
        return as_response(await admin.setting(principal, key), SettingOut)

    @put("/settings/{key:str}", summary="Change a setting (its value is checked per key)")
    async def put_setting(
        self, key: FromPath[str], data: JSONBody[SettingIn],
        principal: NamedDependency[Principal], admin: NamedDependency[AdminService],
        booking: NamedDependency[Booking],
    ) -> SettingOut:  # fmt: skip
        changed = await admin.put_setting(principal, key, data.value)
        if key == PRACTICE_TIMEZONE_KEY:
            booking.slots.forget_remembered()  # working hours moved with the zone
        return as_response(changed, SettingOut)

    @get("/audit-log", summary="Audit entries, newest first (30 days by default)")
    async def audit_log(
        self, principal: NamedDependency[Principal], admin: NamedDependency[AdminService],
        actor: Annotated[uuid.UUID | None, QueryParameter(name="actor")] = None,
        entity_type: Annotated[str | None, QueryParameter(name="entity_type",
                                                          max_length=64)] = None,
        action: Annotated[str | None, QueryParameter(name="action", max_length=64)] = None,
        date_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        date_to: Annotated[datetime | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)] = 100,
        cursor: CursorQuery = None,
    ) -> AuditLogOut:  # fmt: skip
        after = decode_position(cursor, tuple[AwareDatetime, BigintId])
        entries = await admin.audit_log(
            principal, actor, entity_type, action, date_from, date_to, limit + 1, after
        )
        page, next_cursor = page_of(entries, limit, lambda e: (e.occurred_at, e.id))
        return AuditLogOut(as_response(page, list[AuditEntryOut]), next_cursor)
