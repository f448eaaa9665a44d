"""Which templates the code sends and which variables it fills in for each, with sample
values for previews. A template staff edit may use only the variables its code gets:
anything else would fail at send time, in front of a client."""

from __future__ import annotations

from collections.abc import Mapping

_APPOINTMENT = frozenset(
    {"display_name", "service_title", "start_local", "location", "manage_url"}
)  # what every appointment message gets (BookingService._message)

VARIABLES: Mapping[str, frozenset[str]] = {
    "auth.login_code": frozenset({"code"}),
    "auth.login_locked": frozenset(),
    "booking.held": _APPOINTMENT | {"payment_url", "hold_expires_local"},
    "booking.confirmed": _APPOINTMENT,
    "booking.reminder": _APPOINTMENT,
    "booking.rescheduled": _APPOINTMENT,
    "booking.location_changed": _APPOINTMENT,
    "booking.manage_link": _APPOINTMENT,
    "booking.canceled": _APPOINTMENT | {"refund_text", "booking_url"},
    "payment.failed": _APPOINTMENT | {"booking_url"},
    "booking.remainder_due": _APPOINTMENT | {"payment_url", "amount_due", "currency"},
    "waitlist.offer": _APPOINTMENT | {"booking_url", "offer_expires_local"},
    "moderation.answered": frozenset({"answer_url"}),
    "cabinet.data_export_ready": frozenset({"display_name", "download_url", "expires_local"}),
    "identity.guest_records_confirm": frozenset({"bookings_count", "confirm_url",
                                                  "expires_local"}),
    "privacy.guest_request": frozenset({"request_text", "confirm_url", "expires_local"}),
    "privacy.guest_export_ready": frozenset({"download_url", "expires_local"}),
    "bot.welcome": frozenset(),
    "bot.help": frozenset(),
    "bot.linked": frozenset(),
    "bot.link_pending": frozenset(),
    "identity.telegram_linked": frozenset({"display_name", "telegram_name", "cabinet_url"}),
    "bot.stopped": frozenset(),
    "bot.consent_prompt": frozenset(),
    "bot.consent_thanks": frozenset(),
    "bot.booking_prompt": frozenset({"link"}),
    "bot.plan": frozenset({"link"}),
    "bot.crisis": frozenset({"crisis_text", "crisis_contacts"}),
    "bot.link_first": frozenset({"link"}),
    "bot.my_empty": frozenset(),
    "bot.my_item": frozenset({"service_title", "start_local", "status", "manage_url"}),
    "bot.canceled": frozenset({"refund_text"}),
    "bot.appointment_changed": frozenset(),
    "bot.book_choose_service": frozenset(),
    "bot.book_choose_slot": frozenset({"timezone"}),
    "bot.book_no_slots": frozenset({"link"}),
    "bot.book_held": frozenset({"service_title", "start_local", "hold_expires_local",
                                "payment_url"}),
    "bot.book_taken": frozenset(),
    "bot.book_on_site": frozenset({"link"}),
    "bot.reschedule_choose_slot": frozenset({"service_title", "timezone"}),
    "bot.rescheduled": frozenset({"service_title", "start_local"}),
    "bot.reschedule_closed": frozenset({"hours", "link"}),
    # The booking concierge in the bot (/pick).
    "bot.concierge_intro": frozenset(),
    "bot.concierge_choose_day": frozenset({"timezone"}),
    "bot.concierge_choose_time": frozenset({"day", "timezone"}),
    "bot.concierge_confirm": frozenset({"service_title", "start_local", "price", "pay_now"}),
    "bot.concierge_declined": frozenset(),
    "bot.concierge_guided": frozenset(),
    # Staff alerts (app/domain/notifications/staff_alerts.py): no P2, a staff link.
    "staff.booking_paid": frozenset({"service_title", "start_local", "link"}),
    "staff.booking_canceled": frozenset({"service_title", "start_local", "link"}),
    "staff.booking_rescheduled": frozenset({"service_title", "start_local", "link"}),
    "staff.crisis_question": frozenset({"time_local", "due_local", "link"}),
    "staff.crisis_self_check": frozenset({"time_local", "link"}),
    "staff.crisis_assistant": frozenset({"time_local", "link"}),
    "staff.sla_warning": frozenset({"due_local", "link"}),
    "staff.payment_attention": frozenset({"reason_text", "link"}),
    "staff.calendar_failing": frozenset({"link"}),
}  # fmt: skip

# Messages not needed to carry out what the person asked for (reminders, marketing):
# they go only through channels the person agreed to (``consent.may_send``). Every
# other code is transactional (a confirmation, a cancellation, a receipt, a login code,
# a waitlist offer the person asked for, the notice that the rest of a deposit is due)
# and always goes.
CONSENT_BOUND: frozenset[str] = frozenset({"booking.reminder"})

SAMPLES: Mapping[str, str] = {
    "code": "123456",
    "display_name": "Анна",
    "service_title": "Индивидуальная консультация",
    "start_local": "05.06.2030 10:00 (Europe/Moscow, UTC+3)",
    "location": "Онлайн, ссылка на встречу: https://meet.google.com/abc-defg-hij",
    "manage_url": "https://example.org/cabinet/appointments/6f1c7d4e-2a5b-4c3d-9e8f-0a1b2c3d4e5f",
    "payment_url": "https://example.org/pay",
    "hold_expires_local": "10:15",
    "refund_text": "Мы вернём 3500.00 RUB.",
    "booking_url": "https://example.org/services/individual",
    "offer_expires_local": "06.06.2030 10:00",
    "download_url": "https://example.org/download",
    "expires_local": "08.06.2030 10:00",
    "link": "https://example.org/",
    "crisis_text": "Если вам сейчас очень тяжело…",
    "crisis_contacts": "Единый номер экстренных служб: 112",
    "status": "подтверждена",
    "hours": "24",
    "telegram_name": "@anna_example",
    "cabinet_url": "https://example.org/",
    "amount_due": "2500.00",
    "currency": "RUB",
    "confirm_url": "https://example.org/privacy/confirm#token=sample",
    "request_text": "выгрузку ваших данных",
    "bookings_count": "2",
    "timezone": "Europe/Moscow, UTC+03:00",
    "answer_url": "https://example.org/questions/answer#token=example",
    "time_local": "05.06.2030 09:40",
    "due_local": "05.06.2030 11:40",
    "reason_text": "возврат не прошёл у платёжного сервиса.",
    "day": "05.06",
    "price": "3500.00 RUB",
    "pay_now": "1000.00 RUB",
}
