"""How the schedule page reads its forms: local times in the practice's zone, whole days
when no time is given, and Russian messages for what it cannot accept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from app.adapters.console.pages.schedule import (
    ExceptionForm,
    FormError,
    RuleForm,
    ServiceForm,
    _group_by_day,
    _russian,
)
from app.domain.booking.service import Service
from app.domain.errors import ValidationFailed

ZONE = "Europe/Moscow"


def _service() -> Service:
    return Service(
        id=uuid.uuid4(), slug="konsultatsiya", title="Консультация", description_markdown="",
        format="online", duration_minutes=50, price_amount=Decimal("3500.00"),
        deposit_amount=None, currency="RUB", buffer_before_minutes=0, buffer_after_minutes=10,
        min_notice_minutes=720, horizon_days=60, cancel_free_hours=24, cancel_partial_hours=6,
        cancel_partial_refund_percent=50, reschedule_min_hours=24, status="published",
    )  # fmt: skip


def test_a_day_off_without_times_is_the_whole_local_day() -> None:
    exception, reason = ExceptionForm(start_date="2027-01-07", reason=" Рождество ").to_exception(
        ZONE
    )
    assert exception.kind == "closed"
    assert exception.period.start == datetime(2027, 1, 6, 21, 0, tzinfo=UTC)
    assert exception.period.end == datetime(2027, 1, 7, 21, 0, tzinfo=UTC)
    assert reason == "Рождество"


def test_extra_hours_with_times_are_read_in_the_practice_zone() -> None:
    form = ExceptionForm(kind="open", start_date="2027-01-09", start_time="11:00", end_time="14:30")
    exception, reason = form.to_exception(ZONE)
    assert exception.period.start == datetime(2027, 1, 9, 8, 0, tzinfo=UTC)
    assert exception.period.end == datetime(2027, 1, 9, 11, 30, tzinfo=UTC)
    assert reason is None


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (ExceptionForm(start_date="2027-01-09", start_time="15:00", end_time="11:00"),
         "Конец должен быть позже начала."),
        (ExceptionForm(start_date=""), "«Дата начала»: укажите дату в виде ГГГГ-ММ-ДД."),
        (ExceptionForm(kind="maybe", start_date="2027-01-09"), "Выберите вид исключения."),
        (ExceptionForm(start_date="2027-01-09", start_time="25:00"),
         "«Время начала»: укажите время в виде ЧЧ:ММ."),
    ],
)  # fmt: skip
def test_a_wrong_exception_is_named_in_russian(form: ExceptionForm, message: str) -> None:
    with pytest.raises(FormError) as refused:
        form.to_exception(ZONE)
    assert refused.value.text == message


def test_working_hours_must_end_after_they_start() -> None:
    rule = RuleForm(weekday="2", start_time="09:00", end_time="13:00").to_rule(ZONE)
    assert (rule.weekday, rule.start, rule.end, rule.service_id) == (2, time(9), time(13), None)
    with pytest.raises(FormError, match="позже начала"):
        RuleForm(weekday="2", start_time="13:00", end_time="09:00").to_rule(ZONE)
    with pytest.raises(FormError, match="День недели"):
        RuleForm(weekday="8", start_time="09:00", end_time="13:00").to_rule(ZONE)


def test_a_service_form_round_trips_and_keeps_what_it_does_not_show() -> None:
    current = _service()
    form = ServiceForm.of(current)
    assert form.price == "3500"
    form.price = "4 200,50"
    form.meeting_url = "https://meet.example.org/room"
    updated = form.to_service(current)
    assert updated.price_amount == Decimal("4200.50")
    assert updated.meeting_url == "https://meet.example.org/room"
    assert (updated.slug, updated.currency, updated.version) == (current.slug, "RUB", 1)


def test_a_service_form_refuses_what_the_service_refuses() -> None:
    form = ServiceForm.of(_service())
    form.price = "много"
    with pytest.raises(FormError, match="Цена"):
        form.to_service(_service())
    form = ServiceForm.of(_service())
    form.deposit = "9000"
    with pytest.raises(ValidationFailed) as refused:
        form.to_service(_service())
    assert _russian(refused.value) == "Предоплата не может быть больше цены."


def test_slots_are_grouped_by_the_local_day() -> None:
    starts = [datetime(2027, 1, 8, 20, 30, tzinfo=UTC), datetime(2027, 1, 8, 21, 0, tzinfo=UTC)]
    days = _group_by_day(starts, ZONE)
    assert [(d.day.isoformat(), d.times) for d in days] == [
        ("2027-01-08", ["23:30"]),
        ("2027-01-09", ["00:00"]),
    ]
