"""Settings (owner only, refused by the use cases for anyone else): message templates
with the variable check and a preview, run-time settings, staff accounts and roles, the
audit log search. The same use cases as ``/api/v1/admin/...`` (admin.py, identity.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.adapters.console.session import CONSOLE_PATH, View, flash_redirect
from app.application.admin.ports import MessageTemplate
from app.application.admin.service import AdminService
from app.application.booking.practice_zone import PRACTICE_TIMEZONE_KEY
from app.application.booking.use_cases import Booking
from app.application.identity.service import IdentityService
from app.domain.errors import DomainError, ValidationFailed
from app.domain.identity.model import STAFF_ROLES, Role
from app.domain.notifications.catalog import VARIABLES
from app.domain.notifications.templates import RenderedMessage

SETTINGS = f"{CONSOLE_PATH}/settings"
AUDIT_PAGE = 50
USERS_PAGE = 100
ROLE_NAMES = {
    "owner": "владелец",
    "assistant": "ассистент",
    "editor": "редактор",
    "client": "клиент",
}
SETTING_NAMES = {
    "practitioner.timezone": "Часовой пояс практики",
    "booking.hold_minutes": "Сколько минут держится бронь до оплаты",
    "booking.reminder_offsets_hours": "Напоминания о встрече, за сколько часов",
    "moderation.sla_hours": "Срок ответа на вопрос, часов",
    "moderation.crisis_sla_hours": "Срок ответа на кризисный вопрос, часов",
    "retention.analytics_days": "Хранить аналитику, дней",
    "retention.webhook_events_days": "Хранить уведомления платёжной системы, дней",
    "retention.notification_deliveries_days": "Хранить журнал отправки сообщений, дней",
    "crisis.resources": "Кризисные контакты",
}
Text = Annotated[str, QueryParameter(max_length=64)]


def _field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _roles(form: Any) -> frozenset[Role]:
    return frozenset(Role(r) for r in form.getall("roles", []) if r in ROLE_NAMES)


def _local_day(value: str, zone: str, *, next_day: bool = False) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("Дата должна быть в виде ГГГГ-ММ-ДД.", field="from") from None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time(), ZoneInfo(zone))


def _pretty(value: Any) -> str:
    """A bare text as it is (a time zone's name), anything else as JSON."""
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


class SettingsPages(Controller):
    path = "/settings"

    # --- overview: templates and run-time settings -----------------------------------

    @get("/", name="console_settings")
    async def overview(
        self, view: NamedDependency[View], admin: NamedDependency[AdminService]
    ) -> Template:
        templates = await admin.templates(view.principal)
        settings = await admin.settings(view.principal)
        return view.render(
            "settings/overview.html",
            templates=templates,
            settings=[(s, SETTING_NAMES.get(s.key, s.key), _pretty(s.value)) for s in settings],
        )

    @post("/runtime/{key:str}", status_code=303)
    async def put_setting(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        view: NamedDependency[View],
        admin: NamedDependency[AdminService],
        booking: NamedDependency[Booking],
    ) -> Redirect:
        raw = _field(await request.form(), "value").strip()
        try:
            value = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            value = raw  # a bare word, such as a time zone's name
        try:
            await admin.put_setting(view.principal, key, value)
        except ValidationFailed as exc:
            return flash_redirect(
                f"{SETTINGS}#setting-{key}", f"Настройка не сохранена: {exc.detail}", "error"
            )
        if key == PRACTICE_TIMEZONE_KEY:
            booking.slots.forget_remembered()  # working hours moved with the zone
        return flash_redirect(f"{SETTINGS}#setting-{key}", "Настройка сохранена.")

    # --- one message template ---------------------------------------------------------

    def _template_page(
        self, view: NamedDependency[View], admin: AdminService, template: MessageTemplate,
        subject: str | None, body: str, error: str | None = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        preview: RenderedMessage | None = None
        if error is None:
            try:
                preview = admin.preview(
                    view.principal, template.code, template.channel, subject, body
                )
            except ValidationFailed as exc:
                error = exc.detail
                status_code = 422
        return view.render(
            "settings/template.html",
            status_code=status_code,
            template=template,
            subject=subject,
            body=body,
            variables=sorted(VARIABLES.get(template.code, ())),
            preview=preview,
            error=error,
        )

    @get("/templates/{template_id:uuid}", name="console_template")
    async def template(
        self,
        template_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        admin: NamedDependency[AdminService],
    ) -> Template:
        found = await admin.template(view.principal, template_id)
        return self._template_page(view, admin, found, found.subject, found.body)

    @post("/templates/{template_id:uuid}", status_code=303)
    async def edit_template(
        self,
        request: Request[Any, Any, Any],
        template_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        admin: NamedDependency[AdminService],
    ) -> Template | Redirect:
        form = await request.form()
        found = await admin.template(view.principal, template_id)
        subject = _field(form, "subject") if found.channel == "email" else None
        body = _field(form, "body")
        if _field(form, "action") == "preview":
            return self._template_page(view, admin, found, subject, body)
        try:
            version = int(_field(form, "version"))
            await admin.update_template(view.principal, template_id, version, subject, body)
        except (ValueError, ValidationFailed) as exc:
            detail = exc.detail if isinstance(exc, DomainError) else "Обновите страницу."
            return self._template_page(
                view, admin, found, subject, body,
                error=f"Шаблон не сохранён: {detail}", status_code=422,
            )  # fmt: skip
        return flash_redirect(f"{SETTINGS}/templates/{template_id}", "Шаблон сохранён.")

    # --- staff accounts and roles ---------------------------------------------------

    @get("/staff", name="console_staff")
    async def staff(
        self,
        view: NamedDependency[View],
        identity: NamedDependency[IdentityService],
        after: Annotated[uuid.UUID | None, QueryParameter(name="after")] = None,
    ) -> Template:
        users = await identity.staff.list_users(view.principal, USERS_PAGE + 1, after)
        page = users[:USERS_PAGE]
        return view.render(
            "settings/staff.html",
            users=page,
            next_after=page[-1].id if len(users) > USERS_PAGE else None,
            role_names=ROLE_NAMES,
            staff_roles=[r.value for r in (Role.OWNER, Role.ASSISTANT, Role.EDITOR)],
        )

    @post("/staff", status_code=303)
    async def add_staff(
        self,
        request: Request[Any, Any, Any],
        view: NamedDependency[View],
        identity: NamedDependency[IdentityService],
    ) -> Redirect:
        form = await request.form()
        email = _field(form, "email").strip()
        roles = _roles(form) & STAFF_ROLES
        user = await identity.staff.add_staff(view.principal, email, roles)
        shown = user.email.value if user.email else email
        return flash_redirect(f"{SETTINGS}/staff", f"Сотрудник {shown} добавлен.")

    @post("/staff/{user_id:uuid}/roles", status_code=303)
    async def set_roles(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        identity: NamedDependency[IdentityService],
    ) -> Redirect:
        roles = _roles(await request.form())
        await identity.staff.set_roles(view.principal, user_id, roles)
        return flash_redirect(f"{SETTINGS}/staff#user-{user_id}", "Роли изменены.")

    # --- the audit log ---------------------------------------------------------------

    @get("/audit", name="console_audit")
    async def audit(
        self,
        view: NamedDependency[View],
        admin: NamedDependency[AdminService],
        identity: NamedDependency[IdentityService],
        actor: Text = "",
        action: Text = "",
        date_from: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
        date_to: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
        after_at: Annotated[datetime | None, QueryParameter(name="after_at")] = None,
        after_id: Annotated[int | None, QueryParameter(name="after_id", ge=1)] = None,
    ) -> Template:
        principal = view.principal
        users = await identity.staff.list_users(principal, USERS_PAGE, None)
        staff = [u for u in users if u.is_staff]
        names = {u.id: (u.email.value if u.email else str(u.id)) for u in users}
        query = {"actor": actor, "action": action.strip(), "from": date_from, "to": date_to}
        context: dict[str, Any] = {"staff": staff, "names": names, "query": query}
        try:
            actor_id = uuid.UUID(actor) if actor else None
        except ValueError:
            actor_id = None
        after = (after_at, after_id) if after_at is not None and after_id is not None else None
        try:
            start = _local_day(date_from, view.practice_zone)
            end = _local_day(date_to, view.practice_zone, next_day=True)
            entries = await admin.audit_log(
                principal, actor_id, None, action.strip() or None, start, end,
                AUDIT_PAGE + 1, after,
            )  # fmt: skip
        except ValidationFailed as exc:
            return view.render(
                "settings/audit.html", status_code=422, entries=[], error=exc.detail,
                next_url=None, **context,
            )  # fmt: skip
        page = entries[:AUDIT_PAGE]
        next_url = None
        if len(entries) > AUDIT_PAGE:
            last = page[-1]
            more = {**query, "after_at": last.occurred_at.isoformat(), "after_id": last.id}
            next_url = f"{SETTINGS}/audit?{urlencode(more)}"
        return view.render(
            "settings/audit.html", entries=page, error=None, next_url=next_url, **context
        )
