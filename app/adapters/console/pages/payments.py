"""Payments: the list by date range (a cursor for the next page), one payment with its
refunds and the provider's state, a full or partial refund with the cancellation
policy's suggestion, and what reconciliation left open. Same use cases as the API's
``/api/v1/admin/payments``."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.adapters.console.formatting import format_money
from app.adapters.console.pages.forms import Form
from app.adapters.console.session import CONSOLE_PATH, View, flash_redirect
from app.adapters.http.pagination import MAX_LIMIT, AwareDatetime, decode_position, encode_position
from app.application.payments.ports import PAYMENT_OPEN, REFUND_NOT_REQUESTED, REFUND_PENDING
from app.application.payments.service import Payments
from app.domain.errors import InvalidState, ValidationFailed
from app.domain.payments.events import REFUND_FAILED
from app.domain.shared.money import Money

PAGE_SIZE = 25
BASE = f"{CONSOLE_PATH}/payments"
AMOUNT = re.compile(r"^\d{1,10}([.,]\d{1,2})?$")

PAYMENT_STATUSES = {
    "intent": "Создан",
    "pending": "Ждёт оплаты",
    "waiting_for_capture": "Ждёт подтверждения",
    "succeeded": "Оплачен",
    "canceled": "Отменён",
    "failed": "Не прошёл",
}
REFUND_STATUSES = {"pending": "В обработке", "succeeded": "Вернули", "canceled": "Не прошёл"}
KINDS = {"full": "Полная оплата", "deposit": "Предоплата", "remainder": "Доплата"}
REASONS = {
    "cancellation_policy": "Отмена по правилам услуги",
    "staff_decision": "Решение сотрудника",
    "hold_expired": "Оплата пришла после брони",
}
PROVIDERS = {"sandbox": "Песочница", "yookassa": "ЮKassa"}
PROBLEMS = {
    PAYMENT_OPEN: "Платёж давно не завершён",
    REFUND_NOT_REQUESTED: "Возврат не отправлен провайдеру",
    REFUND_PENDING: "Провайдер долго не завершает возврат",
    REFUND_FAILED: "Провайдер отменил возврат: деньги не вернулись",
}
APPOINTMENT_STATUSES = {
    "pending_payment": "ждёт оплаты",
    "confirmed": "подтверждена",
    "completed": "состоялась",
    "canceled": "отменена",
    "no_show": "клиент не пришёл",
    "expired": "бронь истекла",
}


class RefundForm(msgspec.Struct):
    amount: str = ""


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("a date as YYYY-MM-DD", field=field) from None


def _start_of(day: date | None, zone: str) -> datetime | None:
    return datetime.combine(day, time(), ZoneInfo(zone)) if day else None


def refund_amount(text: str) -> Money:
    """``1500``, ``1500,50`` or ``1 500.50`` as money; anything else is refused."""
    cleaned = re.sub(r"[\s\u00a0]", "", text)
    if not AMOUNT.match(cleaned):
        raise ValidationFailed("the amount is a sum like 1500 or 1500,50", field="amount")
    return Money.of(cleaned.replace(",", "."))


def _plain(amount: Money) -> str:
    """The amount as typed in a form: ``1500`` or ``1500,50``."""
    value = amount.amount.quantize(Decimal("0.01"))
    return f"{value:.0f}" if value == value.to_integral() else f"{value:.2f}".replace(".", ",")


class PaymentsPage(Controller):
    path = "/payments"

    @get("/", name="console_payments")
    async def list_payments(
        self,
        view: NamedDependency[View],
        payments: NamedDependency[Payments],
        date_from: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
        date_to: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
        status: Annotated[str, QueryParameter(name="status", max_length=32)] = "",
        cursor: Annotated[str | None, QueryParameter(name="cursor", max_length=200)] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
    ) -> Template:
        first, last = _day(date_from, "from"), _day(date_to, "to")
        zone = view.practice_zone
        window = (
            _start_of(first, zone),
            _start_of(last + timedelta(days=1) if last else None, zone),
        )
        wanted = status if status in PAYMENT_STATUSES else None
        after = decode_position(cursor, tuple[AwareDatetime, uuid.UUID])
        lines = await payments.list_payments(view.principal, wanted, limit + 1, window, after)
        page = lines[:limit]
        next_cursor = (
            encode_position((page[-1].created_at, page[-1].id)) if len(lines) > limit else None
        )
        return view.render(
            "payments/list.html", payments=page, next_cursor=next_cursor, date_from=date_from,
            date_to=date_to, status=wanted, statuses=PAYMENT_STATUSES, kinds=KINDS,
            continued=cursor is not None, limit=limit, default_limit=PAGE_SIZE,
        )  # fmt: skip

    @get("/problems", name="console_payment_problems")
    async def problems(
        self, view: NamedDependency[View], payments: NamedDependency[Payments]
    ) -> Template:
        found = await payments.staff.problems(view.principal)
        return view.render("payments/problems.html", problems=found, labels=PROBLEMS)

    @get("/{payment_id:uuid}", name="console_payment")
    async def payment(
        self, payment_id: FromPath[uuid.UUID], view: NamedDependency[View],
        payments: NamedDependency[Payments],
    ) -> Template:  # fmt: skip
        shown = await payments.staff.payment(view.principal, payment_id)
        return view.render(
            "payments/payment.html", p=shown, line=shown.record.line, statuses=PAYMENT_STATUSES,
            refund_statuses=REFUND_STATUSES, kinds=KINDS, reasons=REASONS, providers=PROVIDERS,
            appointment_statuses=APPOINTMENT_STATUSES, suggested=_plain(shown.suggested),
            left=_plain(shown.left),
        )  # fmt: skip

    @post("/{payment_id:uuid}/refund", status_code=303)
    async def refund(
        self, payment_id: FromPath[uuid.UUID], data: Form[RefundForm],
        view: NamedDependency[View], payments: NamedDependency[Payments],
    ) -> Redirect:  # fmt: skip
        here = f"{BASE}/{payment_id}"
        try:
            amount = refund_amount(data.amount)
            await payments.staff_refund(view.principal, payment_id, amount)
        except ValidationFailed as exc:
            text = (
                "Столько вернуть нельзя: больше, чем осталось от платежа."
                if "at most" in (exc.detail or "")
                else "Укажите сумму больше нуля, например 1500 или 1500,50."
            )
            return flash_redirect(here, text, "error")
        except InvalidState:
            return flash_redirect(here, "Вернуть можно только оплаченный платёж.", "error")
        return flash_redirect(here, f"Возврат оформлен: {format_money(amount)}")
