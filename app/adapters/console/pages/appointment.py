"""One appointment: its whole record and history (payments and refunds among it), the
intake form behind an explicit "show" (an audited read), and the staff actions: confirm,
complete, no-show, cancel (its refund shown first), reschedule to a free time, set the
meeting link or address. Same use cases as the API's ``/api/v1/admin/appointments``."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.adapters.console.formatting import format_money
from app.adapters.console.pages.forms import Form
from app.adapters.console.session import View, flash_redirect
from app.application.access import Principal
from app.application.booking.staff_day import StaffDay
from app.application.booking.use_cases import Booking
from app.domain.errors import DomainError, ValidationFailed

# How far ahead the reschedule form offers free times.
RESCHEDULE_DAYS = 14
ACTIONS = {"confirm": "confirm", "complete": "complete", "no-show": "no_show"}
DONE = {
    "confirm": "Запись подтверждена.",
    "complete": "Встреча отмечена как состоявшаяся.",
    "no-show": "Отмечена неявка.",
}


class BackForm(msgspec.Struct):
    back: str = ""


class PlaceForm(msgspec.Struct):
    meeting_url: str = ""
    location_text: str = ""
    back: str = ""


class RescheduleForm(msgspec.Struct):
    start_at: str = ""
    back: str = ""


def safe_back(back: str, appointment_id: uuid.UUID) -> str:
    """Where to return after an action: a console page, else the appointment's own."""
    if back.startswith("/console/") and not back.startswith("//") and "\\" not in back:
        return back
    return f"/console/appointments/{appointment_id}"


class AppointmentPages(Controller):
    path = "/appointments/{appointment_id:uuid}"

    @get("/", name="console_appointment")
    async def record(
        self,
        appointment_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        principal: NamedDependency[Principal],
        staff_day: NamedDependency[StaffDay],
        now: NamedDependency[datetime],
    ) -> Template:
        record = await staff_day.record(principal, appointment_id)
        return view.render(
            "appointment.html",
            record=record,
            a=record.appointment,
            now=now,
            back=f"/console/appointments/{appointment_id}",
            intake=None,
        )

    @get("/intake", name="console_appointment_intake")
    async def intake(
        self,
        appointment_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> Template:
        """The intake form, decrypted: owner only, every read audited (in the use case)."""
        form = await booking.intake.staff_form(principal, appointment_id)
        return view.render("intake.html", appointment_id=appointment_id, form=form)

    @post("/actions/{action:str}", status_code=303)
    async def act(
        self,
        appointment_id: FromPath[uuid.UUID],
        action: FromPath[str],
        data: Form[BackForm],
        principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> Redirect:
        name = ACTIONS.get(action)
        if name is None:
            raise ValidationFailed("unknown action", field="action")
        back = safe_back(data.back, appointment_id)
        try:
            await booking.staff.transition(principal, appointment_id, name)
        except DomainError as exc:
            return flash_redirect(back, f"Не получилось: {exc.detail} ({exc.code})", "error")
        return flash_redirect(back, DONE[action])

    @get("/cancel", name="console_cancel")
    async def cancel_form(
        self,
        appointment_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        principal: NamedDependency[Principal],
        staff_day: NamedDependency[StaffDay],
        booking: NamedDependency[Booking],
        back: Annotated[str, QueryParameter(name="back", max_length=300)] = "",
    ) -> Template:
        preview = await booking.staff.cancel_preview(principal, appointment_id)
        record = await staff_day.record(principal, appointment_id)
        return view.render(
            "cancel.html",
            a=record.appointment,
            preview=preview,
            back=safe_back(back, appointment_id),
        )

    @post("/cancel", status_code=303)
    async def cancel(
        self,
        appointment_id: FromPath[uuid.UUID],
        data: Form[BackForm],
        principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> Redirect:
        back = safe_back(data.back, appointment_id)
        preview = await booking.staff.cancel_preview(principal, appointment_id)
        try:
            await booking.staff.transition(principal, appointment_id, "cancel")
        except DomainError as exc:
            return flash_redirect(back, f"Не получилось: {exc.detail} ({exc.code})", "error")
        refund = preview.refund
        text = (
            "Запись отменена, возврата нет (ничего не оплачено)."
            if refund.is_zero
            else f"Запись отменена. Возврат: {format_money(refund)}."
        )
        return flash_redirect(back, text)

    @get("/reschedule", name="console_reschedule")
    async def reschedule_form(
        self,
        appointment_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        principal: NamedDependency[Principal],
        staff_day: NamedDependency[StaffDay],
        booking: NamedDependency[Booking],
        now: NamedDependency[datetime],
        back: Annotated[str, QueryParameter(name="back", max_length=300)] = "",
    ) -> Template:
        record = await staff_day.record(principal, appointment_id)
        a = record.appointment
        # The times the move accepts: the service's free slots (its notice applies).
        starts = await booking.slots.slots(
            a.service_slug, now, now + timedelta(days=RESCHEDULE_DAYS), None
        )
        zone = ZoneInfo(view.practice_zone)
        days: dict[date, list[datetime]] = {}
        for start in starts:
            days.setdefault(start.astimezone(zone).date(), []).append(start)
        return view.render("reschedule.html", a=a, days=days, back=safe_back(back, appointment_id))

    @post("/reschedule", status_code=303)
    async def reschedule(
        self,
        appointment_id: FromPath[uuid.UUID],
        data: Form[RescheduleForm],
        principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> Redirect:
        try:
            start = datetime.fromisoformat(data.start_at)
        except ValueError:
            raise ValidationFailed("choose a time", field="start_at") from None
        if start.tzinfo is None:
            raise ValidationFailed("choose a time", field="start_at")
        try:
            new = await booking.staff.reschedule(principal, appointment_id, start)
        except DomainError as exc:
            back = f"/console/appointments/{appointment_id}/reschedule"
            return flash_redirect(back, f"Не получилось: {exc.detail} ({exc.code})", "error")
        return flash_redirect(f"/console/appointments/{new.id}", "Запись перенесена.")

    @post("/place", status_code=303)
    async def place(
        self,
        appointment_id: FromPath[uuid.UUID],
        data: Form[PlaceForm],
        principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> Redirect:
        back = safe_back(data.back, appointment_id)
        try:
            await booking.places.change(
                principal,
                appointment_id,
                data.meeting_url.strip() or None,
                data.location_text.strip() or None,
            )
        except DomainError as exc:
            return flash_redirect(back, f"Не получилось: {exc.detail} ({exc.code})", "error")
        return flash_redirect(back, "Место встречи сохранено; клиенту сообщим.")
