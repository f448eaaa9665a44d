"""Clients and leads: search, one lead with its timeline and notes (the read is audited
by the CRM use case, as through the API), status and assignment, convert, merge."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.adapters.console.pages.forms import Form
from app.adapters.console.session import CONSOLE_PATH, View, flash_redirect
from app.adapters.http.pagination import AwareDatetime, decode_position, encode_position
from app.application.crm.service import CrmService, ManualLead
from app.domain.crm.lead import Lead
from app.domain.errors import ValidationFailed

PAGE_SIZE = 25
BASE = f"{CONSOLE_PATH}/clients"

STATUS_LABELS = {
    "new": "Новый",
    "contacted": "Связались",
    "qualified": "Подходит",
    "converted": "Клиент",
    "lost": "Потерян",
    "merged": "Объединён",
}
EDITABLE_STATUSES = ("new", "contacted", "qualified", "lost")
SOURCE_LABELS = {
    "web_form": "Форма на сайте",
    "manual": "Добавлен вручную",
    "booking": "Запись",
    "telegram": "Telegram",
    "interactive": "Самопроверка",
}
EVENT_LABELS = {
    "web_form.submitted": "Заполнил форму на сайте",
    "booking.held": "Выбрал время записи",
    "booking.paid": "Оплатил запись",
    "booking.confirmed": "Запись подтверждена",
    "booking.rescheduled": "Запись перенесена",
    "booking.canceled": "Запись отменена",
    "booking.completed": "Встреча состоялась",
    "booking.no_show": "Не пришёл на встречу",
    "interactive.completed": "Прошёл самопроверку",
    "telegram.started": "Написал в Telegram",
    "lead.created": "Лид добавлен",
    "lead.status_changed": "Статус изменён",
    "lead.assigned": "Назначен ответственный",
    "lead.converted": "Стал клиентом",
    "lead.note_added": "Добавлена заметка",
    "lead.merged": "Объединён с другим лидом",
}
KIND_LABELS = {"email": "Почта", "phone": "Телефон", "telegram": "Telegram"}
SAME_CONTACT = {
    "email": "с той же почтой",
    "phone": "с тем же телефоном",
    "telegram": "с тем же Telegram",
}

STATUS_FILTERS = ("new", "contacted", "qualified", "converted", "lost")


class ManualLeadForm(msgspec.Struct):
    name: str = ""
    email: str = ""
    phone: str = ""
    note: str = ""


class NoteForm(msgspec.Struct):
    body: str = ""


class StatusForm(msgspec.Struct):
    version: int = 0
    status: str = ""
    assignee: str = ""


class ConvertForm(msgspec.Struct):
    email: str = ""


class MergeForm(msgspec.Struct):
    source_lead_id: str = ""


class TimelineEntry(msgspec.Struct, frozen=True):
    """One line of the lead's page: an event, or a note with its text."""

    at: datetime
    label: str
    detail: str | None = None
    note: str | None = None


def timeline(lead: Lead) -> list[TimelineEntry]:
    """Events and notes together, newest first (a note stands for its own event)."""
    entries = [
        TimelineEntry(at=e.occurred_at, label=EVENT_LABELS.get(e.event_type, e.event_type),
                      detail=_event_detail(e.event_type, e.props))
        for e in lead.timeline
        if e.event_type != "lead.note_added"
    ]  # fmt: skip
    entries += [TimelineEntry(at=n.created_at, label="Заметка", note=n.body) for n in lead.notes]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _event_detail(event_type: str, props: dict[str, Any]) -> str | None:
    if event_type == "lead.status_changed":
        before, after = props.get("from", ""), props.get("to", "")
        return f"{STATUS_LABELS.get(before, before)} → {STATUS_LABELS.get(after, after)}"
    return None


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ValidationFailed("not an id", field=field) from None


class ClientsPage(Controller):
    path = "/clients"

    @get("/", name="console_clients")
    async def list_leads(
        self,
        view: NamedDependency[View],
        crm: NamedDependency[CrmService],
        q: Annotated[str, QueryParameter(name="q", max_length=100)] = "",
        status: Annotated[str, QueryParameter(name="status", max_length=32)] = "",
        cursor: Annotated[str | None, QueryParameter(name="cursor", max_length=200)] = None,
    ) -> Template:
        query = q.strip()
        short = 0 < len(query) < 2
        after = decode_position(cursor, tuple[AwareDatetime, uuid.UUID])
        wanted = status if status in STATUS_FILTERS else None
        rows = await crm.leads(
            view.principal, wanted, None if short or not query else query, PAGE_SIZE + 1, after
        )
        page = rows[:PAGE_SIZE]
        next_cursor = (
            encode_position((page[-1].created_at, page[-1].id)) if len(rows) > PAGE_SIZE else None
        )
        return view.render(
            "clients/list.html", leads=page, q=query, status=wanted, short=short,
            next_cursor=next_cursor, statuses=STATUS_LABELS, sources=SOURCE_LABELS,
            filters=STATUS_FILTERS,
        )  # fmt: skip

    @post("/", status_code=303)
    async def create_manual(
        self, data: Form[ManualLeadForm], view: NamedDependency[View],
        crm: NamedDependency[CrmService],
    ) -> Redirect:  # fmt: skip
        """Someone staff met outside the site (a call, a referral), as ``POST /admin/leads``."""
        person = ManualLead(
            data.name.strip(), data.email.strip() or None, data.phone.strip() or None,
            note=data.note.strip() or None,
        )  # fmt: skip
        lead = await crm.create_manual(view.principal, person)
        return flash_redirect(f"{BASE}/{lead.id}", "Лид добавлен")

    @get("/{lead_id:uuid}", name="console_lead")
    async def lead(
        self, lead_id: FromPath[uuid.UUID], view: NamedDependency[View],
        crm: NamedDependency[CrmService],
    ) -> Template:  # fmt: skip
        found = await crm.lead(view.principal, lead_id)
        return view.render(
            "clients/lead.html", lead=found, entries=timeline(found), statuses=STATUS_LABELS,
            editable=EDITABLE_STATUSES, sources=SOURCE_LABELS, kinds=KIND_LABELS,
            same=SAME_CONTACT, me=view.principal.user_id,
        )  # fmt: skip

    @post("/{lead_id:uuid}/notes", status_code=303)
    async def add_note(
        self, lead_id: FromPath[uuid.UUID], data: Form[NoteForm], view: NamedDependency[View],
        crm: NamedDependency[CrmService],
    ) -> Redirect:  # fmt: skip
        await crm.add_note(view.principal, lead_id, data.body)
        return flash_redirect(f"{BASE}/{lead_id}", "Заметка добавлена")

    @post("/{lead_id:uuid}/status", status_code=303)
    async def update(
        self, lead_id: FromPath[uuid.UUID], data: Form[StatusForm], view: NamedDependency[View],
        crm: NamedDependency[CrmService],
    ) -> Redirect:  # fmt: skip
        assignee = _uuid(data.assignee, "assignee") if data.assignee else None
        await crm.update(view.principal, lead_id, data.version, data.status or None, assignee)
        return flash_redirect(f"{BASE}/{lead_id}", "Изменения сохранены")

    @post("/{lead_id:uuid}/convert", status_code=303)
    async def convert(
        self, lead_id: FromPath[uuid.UUID], data: Form[ConvertForm],
        view: NamedDependency[View], crm: NamedDependency[CrmService],
    ) -> Redirect:  # fmt: skip
        """The account is found by its exact e-mail (the same audited lookup as the API's);
        the lead is linked only to a single account with that address."""
        if not data.email.strip():
            raise ValidationFailed("give the client's e-mail", field="email")
        found = await crm.lookup(view.principal, email=data.email.strip())
        accounts = [match for match in found if match.kind == "user"]
        if len(accounts) != 1:
            return flash_redirect(
                f"{BASE}/{lead_id}", "Аккаунт клиента с такой почтой не найден", "error"
            )
        await crm.convert(view.principal, lead_id, accounts[0].id)
        return flash_redirect(f"{BASE}/{lead_id}", "Лид стал клиентом")

    @post("/{lead_id:uuid}/merge", status_code=303)
    async def merge(
        self, lead_id: FromPath[uuid.UUID], data: Form[MergeForm], view: NamedDependency[View],
        crm: NamedDependency[CrmService],
    ) -> Redirect:  # fmt: skip
        source = _uuid(data.source_lead_id, "source_lead_id")
        await crm.merge(view.principal, lead_id, source)
        return flash_redirect(f"{BASE}/{lead_id}", "Лиды объединены")
