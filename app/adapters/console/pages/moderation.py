"""Moderation: the queue (crisis first, with the SLA countdown) and one item, whose text
is shown only after an explicit "show" (the audited read); approve, reject with a reason,
answer privately, publish an anonymised Q&A. The same use cases as the JSON API's
``/api/v1/admin/moderation``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.adapters.console.formatting import plural
from app.adapters.console.pages.forms import Form
from app.adapters.console.session import CONSOLE_PATH, View, flash_redirect
from app.adapters.http.pagination import (
    MAX_LIMIT,
    AwareDatetime,
    CursorQuery,
    decode_position,
    page_of,
)
from app.application.moderation.service import PUBLISHERS, ModerationService
from app.domain.moderation.items import QueueEntry
from app.domain.moderation.triggers import URGENT

PATH = f"{CONSOLE_PATH}/moderation"
PAGE_SIZE = 50

Status = Literal["pending", "approved", "answered", "rejected", "published"]
STATUSES: tuple[tuple[str, str], ...] = (
    ("pending", "Ждут решения"),
    ("approved", "Одобрены"),
    ("answered", "С ответом"),
    ("rejected", "Отклонены"),
    ("published", "Опубликованы"),
)
STATUS_LABELS = dict(STATUSES)
KIND_LABELS = {"question": "Вопрос", "review": "Отзыв"}
TRIGGER_LABELS = {
    "crisis": "кризис",
    "self_harm": "самоповреждение",
    "violence": "насилие",
    "pii": "личные данные",
    "spam": "спам",
}
REASONS: tuple[tuple[str, str], ...] = (
    ("off_topic", "Не по теме"),
    ("spam", "Спам или реклама"),
    ("abusive", "Оскорбления"),
    ("duplicate", "Повтор"),
    ("personal_data", "Личные данные"),
    ("unsafe", "Небезопасное содержание"),
    ("other", "Другое"),
)
ACTION_LABELS = {
    "approve": "одобрено",
    "reject": "отклонено",
    "answer": "дан ответ",
    "publish": "опубликовано",
}


def _part(n: int, one: str, few: str, many: str) -> str:
    return f"{n} {plural(n, one, few, many)}"


def duration_text(seconds: float) -> str:
    """``2 дня 3 ч``, ``1 ч 20 мин``, ``5 минут``, ``меньше минуты``."""
    minutes = int(abs(seconds)) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _part(days, "день", "дня", "дней") + (f" {hours} ч" if hours else "")
    if hours:
        return f"{hours} ч" + (f" {minutes} мин" if minutes else "")
    if minutes:
        return _part(minutes, "минута", "минуты", "минут")
    return "меньше минуты"


def sla_text(due: datetime, now: datetime) -> str:
    """``осталось 1 ч 20 мин`` before the SLA is due, ``просрочено на 2 дня`` after."""
    left = (due - now).total_seconds()
    if left >= 0:
        return f"осталось {duration_text(left)}"
    return f"просрочено на {duration_text(left)}"


def is_crisis(triggers: list[str]) -> bool:
    return bool(URGENT & set(triggers))


class RejectForm(msgspec.Struct):
    reason_code: str = ""


class AnswerForm(msgspec.Struct):
    body: str = ""


class PublishForm(msgspec.Struct):
    slug: str = ""
    title: str = ""
    body_markdown: str = ""


def _labels() -> dict[str, Any]:
    return {
        "statuses": STATUSES,
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "trigger_labels": TRIGGER_LABELS,
        "reasons": REASONS,
        "action_labels": ACTION_LABELS,
        "sla_text": sla_text,
        "is_crisis": is_crisis,
    }


class ModerationPages(Controller):
    path = "/moderation"

    @get("/", name="console_moderation")
    async def queue(
        self, view: NamedDependency[View], moderation: NamedDependency[ModerationService],
        status: Annotated[Status, QueryParameter(name="status")] = "pending",
        cursor: CursorQuery = None,
    ) -> Template:  # fmt: skip
        after = decode_position(cursor, tuple[bool, AwareDatetime, uuid.UUID])
        limit = min(PAGE_SIZE, MAX_LIMIT)
        rows = await moderation.queue(view.principal, status, limit + 1, after)
        page, next_cursor = page_of(rows, limit, lambda e: (e.urgent, e.sla_due_at, e.id))
        return view.render(
            "moderation/queue.html",
            items=page,
            status=status,
            next_cursor=next_cursor,
            now=datetime.now(UTC),
            **_labels(),
        )

    @get("/{item_id:uuid}", name="console_moderation_item")
    async def item(
        self, item_id: FromPath[uuid.UUID], view: NamedDependency[View],
        moderation: NamedDependency[ModerationService],
        show: Annotated[str | None, QueryParameter(name="show")] = None,
    ) -> Template:  # fmt: skip
        entry: QueueEntry = await moderation.entry(view.principal, item_id)
        full = await moderation.item(view.principal, item_id) if show == "text" else None
        return view.render(
            "moderation/item.html",
            entry=entry,
            full=full,
            # Only whom the use case lets publish are offered the form (it checks again).
            may_publish=bool(view.principal.roles & set(PUBLISHERS)),
            now=datetime.now(UTC),
            **_labels(),
        )

    @post("/{item_id:uuid}/approve", status_code=303)
    async def approve(
        self, item_id: FromPath[uuid.UUID], view: NamedDependency[View],
        moderation: NamedDependency[ModerationService],
    ) -> Redirect:  # fmt: skip
        await moderation.approve(view.principal, item_id)
        return flash_redirect(f"{PATH}/{item_id}", "Одобрено.")

    @post("/{item_id:uuid}/reject", status_code=303)
    async def reject(
        self, item_id: FromPath[uuid.UUID], data: Form[RejectForm], view: NamedDependency[View],
        moderation: NamedDependency[ModerationService],
    ) -> Redirect:  # fmt: skip
        await moderation.reject(view.principal, item_id, data.reason_code)
        reason = dict(REASONS).get(data.reason_code, data.reason_code)
        return flash_redirect(f"{PATH}/{item_id}", f"Отклонено: {reason.lower()}.")

    @post("/{item_id:uuid}/answer", status_code=303)
    async def answer(
        self, item_id: FromPath[uuid.UUID], data: Form[AnswerForm], view: NamedDependency[View],
        moderation: NamedDependency[ModerationService],
    ) -> Redirect:  # fmt: skip
        await moderation.answer(view.principal, item_id, data.body)
        return flash_redirect(f"{PATH}/{item_id}", "Ответ отправлен автору.")

    @post("/{item_id:uuid}/publish", status_code=303)
    async def publish(
        self, item_id: FromPath[uuid.UUID], data: Form[PublishForm], view: NamedDependency[View],
        moderation: NamedDependency[ModerationService],
    ) -> Redirect:  # fmt: skip
        await moderation.publish(
            view.principal, item_id, data.slug.strip(), data.title, data.body_markdown
        )
        return flash_redirect(f"{PATH}/{item_id}", "Опубликовано как анонимный вопрос-ответ.")
