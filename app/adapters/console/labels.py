"""Russian names for the codes the application returns (statuses, formats, states),
available in every template as ``label(kind, code)``. Unknown codes show as they are."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "appointment_status": {
        "pending_payment": "Ждёт оплаты",
        "confirmed": "Подтверждена",
        "canceled": "Отменена",
        "rescheduled": "Перенесена",
        "completed": "Состоялась",
        "no_show": "Неявка",
    },
    "format": {"online": "Онлайн", "offline": "Очно", "hybrid": "Онлайн или очно"},
    "payment_state": {
        "paid": "Оплачено",
        "partially_refunded": "Частично возвращено",
        "refunded": "Возвращено",
        "pending": "Ждёт оплаты",
        "none": "Не оплачено",
    },
    "intake": {
        "missing": "Анкеты нет",
        "waiting": "Анкета ждёт прочтения",
        "viewed": "Анкета прочитана",
    },
    "history_kind": {
        "event": "Событие",
        "payment": "Платёж",
        "refund": "Возврат",
        "message": "Сообщение",
        "staff": "Действие сотрудника",
    },
    "payment_status": {
        "pending": "ожидает",
        "waiting_for_capture": "ожидает подтверждения",
        "succeeded": "прошёл",
        "canceled": "отменён",
        "failed": "не прошёл",
    },
    "moderation_kind": {"question": "Вопрос", "review": "Отзыв"},
}


def label(kind: str, code: str | None) -> str:
    """The Russian name of ``code`` among ``kind``; the code itself when none is known."""
    if code is None:
        return "—"
    return LABELS.get(kind, {}).get(code, code)
