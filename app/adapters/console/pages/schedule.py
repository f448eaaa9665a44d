"""Schedule: weekly working hours, closed periods and extra hours, the free slots they
give for the next two weeks, and the services (price, duration, buffers, deposit,
cancellation policy, place, status). The same use cases as the API's
``/api/v1/admin/schedule-*`` and ``/api/v1/admin/services`` endpoints, and the public
slots for the preview."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.adapters.console.pages.forms import Form
from app.adapters.console.session import CONSOLE_PATH, View, flash_redirect
from app.application.booking.read_models import ScheduleExceptionView, ScheduleRuleView
from app.application.booking.use_cases import Booking
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.booking.place import checked_location, checked_meeting_url
from app.domain.booking.service import Service
from app.domain.errors import NotFound, SlugTaken, ValidationFailed
from app.domain.shared.time_range import TimeRange

PAGE = f"{CONSOLE_PATH}/schedule"
PREVIEW_DAYS = 14
EXCEPTIONS_BEHIND = timedelta(days=30)
EXCEPTIONS_AHEAD = timedelta(days=365)
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
KINDS = {"closed": "Выходной / закрыто", "open": "Дополнительные часы"}
STATUSES = {"published": "Активна (видна клиентам)", "draft": "Черновик", "archived": "В архиве"}
FORMATS = {"online": "Онлайн", "offline": "Очно", "hybrid": "Онлайн или очно"}
_MONEY = re.compile(r"^\d{1,10}(?:[.,]\d{1,2})?$")
SLUG_TAKEN = "Услуга с таким адресом в ссылке уже есть."
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Russian names of the fields the use cases may name in a ValidationFailed.
FIELD_LABELS = {
    "deposit": "Предоплата не может быть больше цены.",
    "cancel_partial_hours": (
        "Окно частичного возврата не может быть больше окна бесплатной отмены."
    ),
    "meeting_url": "Ссылка на встречу должна начинаться с https://.",
    "address": "Адрес: от 1 до 500 символов.",
    "end_at": "Конец должен быть позже начала.",
    "to": "Конец должен быть позже начала.",
}


class FormError(Exception):
    """A form field the console cannot accept; ``text`` is shown on the form."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _russian(exc: ValidationFailed) -> str:
    if exc.field and exc.field in FIELD_LABELS:
        return FIELD_LABELS[exc.field]
    if "end after it starts" in exc.detail:
        return "Конец должен быть позже начала."
    return "Данные не подходят: проверьте поля формы."


# --- form parsing --------------------------------------------------------------------


def _time(value: str, label: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise FormError(f"«{label}»: укажите время в виде ЧЧ:ММ.") from None


def _date(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FormError(f"«{label}»: укажите дату в виде ГГГГ-ММ-ДД.") from None


def _optional_date(value: str, label: str) -> date | None:
    return _date(value, label) if value.strip() else None


def _int(value: str, label: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise FormError(f"«{label}»: нужно целое число.") from None
    if not low <= number <= high:
        raise FormError(f"«{label}»: от {low} до {high}.")
    return number


def _money(value: str, label: str) -> Decimal:
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if not _MONEY.match(text):
        raise FormError(f"«{label}»: сумма в рублях, например 3500 или 3500,50.")
    return Decimal(text.replace(",", "."))


def _uuid_or_none(value: str) -> uuid.UUID | None:
    if not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise FormError("Выберите услугу из списка.") from None


def _version(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


class RuleForm(msgspec.Struct):
    weekday: str = ""
    start_time: str = ""
    end_time: str = ""
    valid_from: str = ""
    valid_to: str = ""
    service_id: str = ""
    version: str = ""

    def to_rule(self, zone: str) -> WeeklyRule:
        weekday = _int(self.weekday or "0", "День недели", 1, 7)
        start = _time(self.start_time, "С")
        end = _time(self.end_time, "До")
        if end <= start:
            raise FormError("Конец рабочего времени должен быть позже начала.")
        valid_from = _optional_date(self.valid_from, "Действует с")
        valid_to = _optional_date(self.valid_to, "Действует по")
        if valid_from and valid_to and valid_to < valid_from:
            raise FormError("«Действует по» не может быть раньше «Действует с».")
        return WeeklyRule(
            weekday=weekday, start=start, end=end, timezone=zone, valid_from=valid_from,
            valid_to=valid_to, service_id=_uuid_or_none(self.service_id),
        )  # fmt: skip


class ExceptionForm(msgspec.Struct):
    kind: str = "closed"
    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    reason: str = ""
    version: str = ""

    def to_exception(self, zone: str) -> tuple[ScheduleException, str | None]:
        """Times in the practice's zone; without times the whole days are meant."""
        if self.kind not in KINDS:
            raise FormError("Выберите вид исключения.")
        tz = ZoneInfo(zone)
        start_day = _date(self.start_date, "Дата начала")
        end_day = _date(self.end_date, "Дата окончания") if self.end_date.strip() else start_day
        start_at = _time(self.start_time, "Время начала") if self.start_time.strip() else time(0)
        if self.end_time.strip():
            end = datetime.combine(end_day, _time(self.end_time, "Время окончания"), tz)
        else:
            end = datetime.combine(end_day + timedelta(days=1), time(0), tz)
        start = datetime.combine(start_day, start_at, tz)
        if end <= start:
            raise FormError("Конец должен быть позже начала.")
        reason = self.reason.strip()
        if len(reason) > 200:
            raise FormError("Причина: не больше 200 символов.")
        return ScheduleException(TimeRange(start, end), self.kind), reason or None


class ServiceForm(msgspec.Struct):
    title: str = ""
    slug: str = ""
    description_markdown: str = ""
    format: str = ""
    status: str = ""
    price: str = ""
    deposit: str = ""
    duration_minutes: str = ""
    buffer_before_minutes: str = ""
    buffer_after_minutes: str = ""
    min_notice_minutes: str = ""
    horizon_days: str = ""
    cancel_free_hours: str = ""
    cancel_partial_hours: str = ""
    cancel_partial_refund_percent: str = ""
    reschedule_min_hours: str = ""
    meeting_url: str = ""
    address: str = ""
    version: str = ""

    def to_service(self, current: Service) -> Service:
        """``current`` with the form's values; the service checks its own invariants."""
        title = self.title.strip()
        slug = self.slug.strip() or current.slug
        if not (_SLUG.match(slug) and len(slug) <= 200):
            raise FormError(
                "Адрес в ссылке: латинские буквы, цифры и дефисы, например konsultatsiya."
            )
        if not 1 <= len(title) <= 300:
            raise FormError("Название: от 1 до 300 символов.")
        if self.format not in FORMATS:
            raise FormError("Выберите формат.")
        if self.status not in STATUSES:
            raise FormError("Выберите состояние услуги.")
        price = _money(self.price, "Цена")
        deposit = _money(self.deposit, "Предоплата") if self.deposit.strip() else None
        meeting_url = self.meeting_url.strip() or None
        address = self.address.strip() or None
        return Service(
            id=current.id, slug=slug, title=title,
            description_markdown=self.description_markdown.strip(), format=self.format,
            duration_minutes=_int(self.duration_minutes, "Длительность", 10, 720),
            price_amount=price, deposit_amount=deposit or None, currency=current.currency,
            buffer_before_minutes=_int(self.buffer_before_minutes, "Перерыв до", 0, 240),
            buffer_after_minutes=_int(self.buffer_after_minutes, "Перерыв после", 0, 240),
            min_notice_minutes=_int(self.min_notice_minutes, "Запись не позже чем за", 0, 43200),
            horizon_days=_int(self.horizon_days, "Запись вперёд на", 1, 365),
            cancel_free_hours=_int(self.cancel_free_hours, "Бесплатная отмена", 0, 720),
            cancel_partial_hours=_int(self.cancel_partial_hours, "Частичный возврат", 0, 720),
            cancel_partial_refund_percent=_int(
                self.cancel_partial_refund_percent, "Процент возврата", 0, 100
            ),
            reschedule_min_hours=_int(self.reschedule_min_hours, "Перенос не позже", 0, 720),
            status=self.status, version=current.version,
            meeting_url=checked_meeting_url(meeting_url),
            address=checked_location(address, "address"),
        )  # fmt: skip

    @classmethod
    def of(cls, s: Service) -> ServiceForm:
        return cls(
            title=s.title, slug=s.slug, description_markdown=s.description_markdown,
            format=s.format, status=s.status, price=_plain(s.price_amount),
            deposit=_plain(s.deposit_amount) if s.deposit_amount else "",
            duration_minutes=str(s.duration_minutes),
            buffer_before_minutes=str(s.buffer_before_minutes),
            buffer_after_minutes=str(s.buffer_after_minutes),
            min_notice_minutes=str(s.min_notice_minutes), horizon_days=str(s.horizon_days),
            cancel_free_hours=str(s.cancel_free_hours),
            cancel_partial_hours=str(s.cancel_partial_hours),
            cancel_partial_refund_percent=str(s.cancel_partial_refund_percent),
            reschedule_min_hours=str(s.reschedule_min_hours), meeting_url=s.meeting_url or "",
            address=s.address or "", version=str(s.version),
        )  # fmt: skip


NEW_SERVICE = ServiceForm(
    format="online", status="draft", duration_minutes="50", buffer_before_minutes="0",
    buffer_after_minutes="10", min_notice_minutes="720", horizon_days="60",
    cancel_free_hours="24", cancel_partial_hours="0", cancel_partial_refund_percent="0",
    reschedule_min_hours="24",
)  # fmt: skip


def _blank_service() -> Service:
    """What a new service starts from (the form fills in the rest)."""
    return Service(
        id=uuid.uuid4(), slug="new", title="", description_markdown="", format="online",
        duration_minutes=50, price_amount=Decimal(0), deposit_amount=None, currency="RUB",
        buffer_before_minutes=0, buffer_after_minutes=0, min_notice_minutes=0,
        horizon_days=60, cancel_free_hours=24, cancel_partial_hours=0,
        cancel_partial_refund_percent=0, reschedule_min_hours=24, status="draft",
    )  # fmt: skip


def _plain(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    text = f"{amount:.2f}"
    return text[:-3] if text.endswith(".00") else text


# --- what the page shows -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotDay:
    day: date
    times: list[str]


@dataclass(frozen=True, slots=True)
class ServicePreview:
    service: Service
    days: list[SlotDay]

    @property
    def count(self) -> int:
        return sum(len(d.times) for d in self.days)


def _group_by_day(starts: list[datetime], zone: str) -> list[SlotDay]:
    tz = ZoneInfo(zone)
    days: dict[date, list[str]] = {}
    for start in starts:
        local = start.astimezone(tz)
        days.setdefault(local.date(), []).append(f"{local:%H:%M}")
    return [SlotDay(day, times) for day, times in sorted(days.items())]


def _exception_form(e: ScheduleExceptionView, zone: str) -> ExceptionForm:
    tz = ZoneInfo(zone)
    start, end = e.start_at.astimezone(tz), e.end_at.astimezone(tz)
    return ExceptionForm(
        kind=e.kind, start_date=start.date().isoformat(), start_time=f"{start:%H:%M}",
        end_date=end.date().isoformat(), end_time=f"{end:%H:%M}", reason=e.reason or "",
        version=str(e.version),
    )  # fmt: skip


def _rule_form(r: ScheduleRuleView) -> RuleForm:
    return RuleForm(
        weekday=str(r.weekday), start_time=f"{r.start_time:%H:%M}",
        end_time=f"{r.end_time:%H:%M}",
        valid_from=r.valid_from.isoformat() if r.valid_from else "",
        valid_to=r.valid_to.isoformat() if r.valid_to else "",
        service_id=str(r.service_id) if r.service_id else "", version=str(r.version),
    )  # fmt: skip


class SchedulePage(Controller):
    """``/console/schedule`` (rules, exceptions, preview) and ``/console/schedule/services``."""

    path = "/schedule"

    async def _overview(
        self, view: View, booking: Booking, status_code: int = 200, **context: Any
    ) -> Template:
        principal = view.principal
        zone = view.practice_zone
        services = await booking.schedule.services(principal)
        rules = sorted(
            await booking.schedule.rules(principal), key=lambda r: (r.weekday, r.start_time)
        )
        now = datetime.now(tz=ZoneInfo("UTC"))
        exceptions = await booking.schedule.exceptions(
            principal, TimeRange(now - EXCEPTIONS_BEHIND, now + EXCEPTIONS_AHEAD)
        )
        previews = [
            ServicePreview(
                s,
                _group_by_day(
                    await booking.slots.slots(s.slug, now, now + timedelta(days=PREVIEW_DAYS)),
                    zone,
                ),
            )
            for s in services
            if s.is_published
        ]
        context.setdefault("rule_form", RuleForm(weekday="1", start_time="10:00", end_time="18:00"))
        context.setdefault("exception_form", ExceptionForm())
        context.setdefault("error", None)
        context.setdefault("error_form", None)
        return view.render(
            "schedule/index.html",
            status_code,
            services=services,
            service_titles={s.id: s.title for s in services},
            rules=rules,
            exceptions=sorted(exceptions, key=lambda e: e.start_at),
            previews=previews,
            preview_days=PREVIEW_DAYS,
            weekdays=WEEKDAYS,
            kinds=KINDS,
            **context,
        )

    @get("/")
    async def overview(
        self, view: NamedDependency[View], booking: NamedDependency[Booking]
    ) -> Template:
        return await self._overview(view, booking)

    # --- weekly rules ----------------------------------------------------------------

    @post("/rules", status_code=303)
    async def add_rule(
        self, data: Form[RuleForm], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Template | Redirect:  # fmt: skip
        try:
            rule = data.to_rule(view.practice_zone)
            await booking.schedule.add_rule(view.principal, rule)
        except FormError as exc:
            return await self._overview(
                view, booking, 422, rule_form=data, error=exc.text, error_form="rule"
            )
        except ValidationFailed as exc:
            return await self._overview(
                view, booking, 422, rule_form=data, error=_russian(exc), error_form="rule"
            )
        return flash_redirect(f"{PAGE}#rules", "Рабочие часы добавлены.")

    async def _rule(self, view: View, booking: Booking, rule_id: uuid.UUID) -> ScheduleRuleView:
        for rule in await booking.schedule.rules(view.principal):
            if rule.id == rule_id:
                return rule
        raise NotFound()

    async def _rule_page(
        self, view: View, booking: Booking, rule: ScheduleRuleView, form: RuleForm,
        error: str | None = None,
    ) -> Template:  # fmt: skip
        services = await booking.schedule.services(view.principal)
        return view.render(
            "schedule/rule.html", 422 if error else 200, rule=rule, form=form, error=error,
            services=services, weekdays=WEEKDAYS,
        )  # fmt: skip

    @get("/rules/{rule_id:uuid}")
    async def rule_form(
        self, rule_id: FromPath[uuid.UUID], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Template:  # fmt: skip
        rule = await self._rule(view, booking, rule_id)
        return await self._rule_page(view, booking, rule, _rule_form(rule))

    @post("/rules/{rule_id:uuid}", status_code=303)
    async def update_rule(
        self, rule_id: FromPath[uuid.UUID], data: Form[RuleForm], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Template | Redirect:  # fmt: skip
        rule = await self._rule(view, booking, rule_id)
        try:
            await booking.schedule.update_rule(
                view.principal, rule_id, data.to_rule(view.practice_zone), _version(data.version)
            )
        except FormError as exc:
            return await self._rule_page(view, booking, rule, data, exc.text)
        except ValidationFailed as exc:
            return await self._rule_page(view, booking, rule, data, _russian(exc))
        return flash_redirect(f"{PAGE}#rules", "Рабочие часы изменены.")

    @post("/rules/{rule_id:uuid}/delete", status_code=303)
    async def delete_rule(
        self, rule_id: FromPath[uuid.UUID], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Redirect:  # fmt: skip
        await booking.schedule.delete_rule(view.principal, rule_id)
        return flash_redirect(f"{PAGE}#rules", "Рабочие часы удалены.")

    # --- exceptions ------------------------------------------------------------------

    @post("/exceptions", status_code=303)
    async def add_exception(
        self, data: Form[ExceptionForm], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Template | Redirect:  # fmt: skip
        try:
            exception, reason = data.to_exception(view.practice_zone)
            await booking.schedule.add_exception(view.principal, exception, reason)
        except FormError as exc:
            return await self._overview(
                view, booking, 422, exception_form=data, error=exc.text, error_form="exception"
            )
        except ValidationFailed as exc:
            return await self._overview(
                view, booking, 422, exception_form=data, error=_russian(exc),
                error_form="exception",
            )  # fmt: skip
        text = "Выходной добавлен." if exception.kind == "closed" else "Часы добавлены."
        return flash_redirect(f"{PAGE}#exceptions", text)

    async def _exception(
        self, view: View, booking: Booking, exception_id: uuid.UUID
    ) -> ScheduleExceptionView:
        now = datetime.now(tz=ZoneInfo("UTC"))
        window = TimeRange(now - EXCEPTIONS_BEHIND, now + EXCEPTIONS_AHEAD)
        for item in await booking.schedule.exceptions(view.principal, window):
            if item.id == exception_id:
                return item
        raise NotFound()

    @get("/exceptions/{exception_id:uuid}")
    async def exception_form(
        self, exception_id: FromPath[uuid.UUID], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Template:  # fmt: skip
        item = await self._exception(view, booking, exception_id)
        return view.render(
            "schedule/exception.html", item=item, form=_exception_form(item, view.practice_zone),
            error=None, kinds=KINDS,
        )  # fmt: skip

    @post("/exceptions/{exception_id:uuid}", status_code=303)
    async def update_exception(
        self, exception_id: FromPath[uuid.UUID], data: Form[ExceptionForm],
        view: NamedDependency[View], booking: NamedDependency[Booking],
    ) -> Template | Redirect:  # fmt: skip
        item = await self._exception(view, booking, exception_id)
        try:
            exception, reason = data.to_exception(view.practice_zone)
            await booking.schedule.update_exception(
                view.principal, exception_id, exception, reason, _version(data.version)
            )
        except (FormError, ValidationFailed) as exc:
            text = exc.text if isinstance(exc, FormError) else _russian(exc)
            return view.render(
                "schedule/exception.html", 422, item=item, form=data, error=text, kinds=KINDS
            )
        return flash_redirect(f"{PAGE}#exceptions", "Исключение изменено.")

    @post("/exceptions/{exception_id:uuid}/delete", status_code=303)
    async def delete_exception(
        self, exception_id: FromPath[uuid.UUID], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Redirect:  # fmt: skip
        await booking.schedule.delete_exception(view.principal, exception_id)
        return flash_redirect(f"{PAGE}#exceptions", "Исключение удалено.")

    # --- services --------------------------------------------------------------------

    @get("/services")
    async def services(
        self, view: NamedDependency[View], booking: NamedDependency[Booking]
    ) -> Template:
        items = await booking.schedule.services(view.principal)
        return view.render(
            "schedule/services.html", services=items, statuses=STATUSES, formats=FORMATS
        )

    async def _service(self, view: View, booking: Booking, service_id: uuid.UUID) -> Service:
        for service in await booking.schedule.services(view.principal):
            if service.id == service_id:
                return service
        raise NotFound()

    def _service_page(
        self, view: View, service: Service | None, form: ServiceForm, error: str | None = None
    ) -> Template:
        return view.render(
            "schedule/service.html", 422 if error else 200, service=service, form=form,
            error=error, statuses=STATUSES, formats=FORMATS,
        )  # fmt: skip

    @get("/services/new")
    async def new_service_form(self, view: NamedDependency[View]) -> Template:
        return self._service_page(view, None, NEW_SERVICE)

    @post("/services", status_code=303)
    async def add_service(
        self, data: Form[ServiceForm], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Template | Redirect:  # fmt: skip
        try:
            if not data.slug.strip():
                raise FormError("Укажите адрес услуги в ссылке.")
            service = data.to_service(_blank_service())
            await booking.schedule.add_service(view.principal, service)
        except FormError as exc:
            return self._service_page(view, None, data, exc.text)
        except ValidationFailed as exc:
            return self._service_page(view, None, data, _russian(exc))
        except SlugTaken:
            return self._service_page(view, None, data, SLUG_TAKEN)
        return flash_redirect(f"{PAGE}/services", f"Услуга «{service.title}» добавлена.")

    @get("/services/{service_id:uuid}")
    async def service_form(
        self, service_id: FromPath[uuid.UUID], view: NamedDependency[View],
        booking: NamedDependency[Booking],
    ) -> Template:  # fmt: skip
        service = await self._service(view, booking, service_id)
        return self._service_page(view, service, ServiceForm.of(service))

    @post("/services/{service_id:uuid}", status_code=303)
    async def update_service(
        self, service_id: FromPath[uuid.UUID], data: Form[ServiceForm],
        view: NamedDependency[View], booking: NamedDependency[Booking],
    ) -> Template | Redirect:  # fmt: skip
        current = await self._service(view, booking, service_id)
        try:
            service = data.to_service(current)
            await booking.schedule.update_service(view.principal, service, _version(data.version))
        except FormError as exc:
            return self._service_page(view, current, data, exc.text)
        except ValidationFailed as exc:
            return self._service_page(view, current, data, _russian(exc))
        except SlugTaken:
            return self._service_page(view, current, data, SLUG_TAKEN)
        return flash_redirect(f"{PAGE}/services", f"Услуга «{service.title}» сохранена.")
