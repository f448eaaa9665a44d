"""Staff alerts: reactions to the events that need staff (a paid booking, a cancellation
or a reschedule, a crisis-flagged question or self-check, a payment that needs
attention), periodic checks (moderation SLAs about to pass, the calendar link failing),
and each staff member's own choice of kinds.

An alert goes by e-mail and to the person's linked Telegram chat, through the
notification queue (retried, and deduplicated by a key per object, person and channel,
so each alert is sent once). It names the kind, a time, a service title at most and a
staff link; never a question, a form, or who a crisis flag is about."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog

from app.application.access import Principal, ensure_roles
from app.application.ports import Clock, NotificationRequest
from app.application.staff_alerts.ports import StaffAlertsUoW
from app.application.transactions import in_transaction
from app.domain.assistants.events import AssistantCrisisSignalled
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
)
from app.domain.errors import ValidationFailed
from app.domain.identity.model import STAFF_ROLES
from app.domain.interactives.events import SelfCheckCrisisSignalled
from app.domain.moderation.events import CrisisQuestionReceived
from app.domain.notifications.staff_alerts import AlertKind, preferences, receives
from app.domain.payments.events import MISMATCH, REFUND_FAILED, PaymentNeedsAttention
from app.domain.shared.links import SiteLinks

logger = structlog.get_logger(__name__)

SLA_WARNING_BEFORE = timedelta(hours=1)
SLA_BATCH = 100
# Cancellations of holds nobody paid for are not news to staff.
UNPAID_CANCEL_REASONS = frozenset({"hold_expired", "payment_canceled"})
REASON_TEXTS: Mapping[str, str] = {
    MISMATCH: "ответ платёжного сервиса не совпал с платежом (сумма или номер).",
    REFUND_FAILED: "возврат не прошёл у платёжного сервиса.",
}
TIME_FORMAT = "%d.%m.%Y %H:%M"


class StaffAlerts:
    def __init__(
        self, uow: Callable[[], StaffAlertsUoW], clock: Clock, links: SiteLinks,
        timezone: str, calendar_health: Callable[[], str] | None = None,
    ) -> None:  # fmt: skip
        self._uow = uow
        self._clock = clock
        self._links = links
        self._zone = ZoneInfo(timezone)
        self._calendar_health = calendar_health

    def _local(self, moment: datetime) -> str:
        return f"{moment.astimezone(self._zone).strftime(TIME_FORMAT)} ({self._zone.key})"

    async def _alert(
        self, uow: StaffAlertsUoW, kind: AlertKind, template: str, key: str,
        variables: dict[str, str],
    ) -> int:  # fmt: skip
        """Queue ``template`` to every staff member who receives ``kind``, by e-mail and
        by Telegram; ``key`` names the object (one alert per object and person)."""
        queued = 0
        for member in await uow.repos.staff_for(kind.value):
            if not receives(kind, member.roles, member.choice):
                continue
            chat = member.telegram_chat_id
            addresses = {"email": member.email, "telegram": str(chat) if chat else None}
            for channel, to in addresses.items():
                if to is None:
                    continue
                queued += await uow.notifications.enqueue(
                    NotificationRequest(
                        channel=channel, template_code=template, recipient_kind="user",
                        recipient_id=str(member.user_id),
                        dedupe_key=f"staff:{key}:{member.user_id}:{channel}",
                        to=to, variables=variables,
                    )
                )  # fmt: skip
        return queued

    async def _send(
        self, kind: AlertKind, template: str, key: str, variables: dict[str, str]
    ) -> int:
        async def work(uow: StaffAlertsUoW) -> int:
            return await self._alert(uow, kind, template, key, variables)

        return await in_transaction(self._uow, work)

    async def _appointment_alert(
        self, kind: AlertKind, template: str, appointment_id: uuid.UUID, key: str,
        *, new_only: bool = False,
    ) -> None:  # fmt: skip
        async def work(uow: StaffAlertsUoW) -> None:
            facts = await uow.repos.appointment(appointment_id)
            if facts is None or (new_only and facts.rescheduled):
                return  # a moved appointment's confirmation: the reschedule alert tells it
            await self._alert(uow, kind, template, key, {
                "service_title": facts.service_title,
                "start_local": self._local(facts.start_at),
                "link": self._links.staff_appointment(appointment_id),
            })  # fmt: skip

        await in_transaction(self._uow, work)

    # Event handlers (at least once: the dedupe key makes a redelivery harmless).

    async def on_confirmed(self, event: AppointmentConfirmed) -> None:
        if event.by_staff:
            return  # staff confirmed it themselves: no payment, nothing to tell
        appointment_id = uuid.UUID(event.aggregate_id)
        await self._appointment_alert(
            AlertKind.BOOKING_PAID, "staff.booking_paid", appointment_id,
            f"booking_paid:{appointment_id}", new_only=True,
        )  # fmt: skip

    async def on_canceled(self, event: AppointmentCanceled) -> None:
        if event.reason in UNPAID_CANCEL_REASONS:
            return
        appointment_id = uuid.UUID(event.aggregate_id)
        await self._appointment_alert(
            AlertKind.BOOKING_CHANGED, "staff.booking_canceled", appointment_id,
            f"booking_canceled:{appointment_id}",
        )  # fmt: skip

    async def on_rescheduled(self, event: AppointmentRescheduled) -> None:
        new_id = uuid.UUID(event.new_appointment_id)
        await self._appointment_alert(
            AlertKind.BOOKING_CHANGED, "staff.booking_rescheduled", new_id,
            f"booking_rescheduled:{new_id}",
        )  # fmt: skip

    async def on_crisis_question(self, event: CrisisQuestionReceived) -> None:
        await self._send(AlertKind.CRISIS, "staff.crisis_question",
                         f"crisis_question:{event.aggregate_id}", {
            "time_local": self._local(event.occurred_at),
            "due_local": self._local(event.sla_due_at),
            "link": self._links.staff_moderation_item(event.aggregate_id),
        })  # fmt: skip

    async def on_crisis_self_check(self, event: SelfCheckCrisisSignalled) -> None:
        await self._send(AlertKind.CRISIS, "staff.crisis_self_check",
                         f"crisis_self_check:{event.aggregate_id}", {
            "time_local": self._local(event.occurred_at),
            "link": self._links.staff_settings(),
        })  # fmt: skip

    async def on_crisis_assistant(self, event: AssistantCrisisSignalled) -> None:
        await self._send(AlertKind.CRISIS, "staff.crisis_assistant",
                         f"crisis_assistant:{event.aggregate_id}", {
            "time_local": self._local(event.occurred_at),
            "link": self._links.staff_settings(),
        })  # fmt: skip

    async def on_payment_needs_attention(self, event: PaymentNeedsAttention) -> None:
        await self._send(AlertKind.PAYMENT_ATTENTION, "staff.payment_attention",
                         f"payment:{event.aggregate_id}:{event.reason}", {
            "reason_text": REASON_TEXTS.get(event.reason, event.reason),
            "link": self._links.staff_payment(event.aggregate_id),
        })  # fmt: skip

    # Periodic jobs.

    async def warn_sla(self, now: datetime) -> int:
        """Job: each pending moderation item whose SLA ends within the hour, once."""

        async def work(uow: StaffAlertsUoW) -> int:
            queued = 0
            for item in await uow.repos.items_near_sla(now + SLA_WARNING_BEFORE, SLA_BATCH):
                if item.sla_due_at < now:
                    continue  # already missed: the queue shows it; no late warning
                queued += await self._alert(uow, AlertKind.SLA, "staff.sla_warning",
                                            f"sla:{item.item_id}", {
                    "due_local": self._local(item.sla_due_at),
                    "link": self._links.staff_moderation_item(item.item_id),
                })  # fmt: skip
            return queued

        return await in_transaction(self._uow, work)

    async def check_calendar(self, now: datetime) -> int:
        """Job: the Google Calendar link failing is told once a day while it fails."""
        if self._calendar_health is None:
            return 0
        state = self._calendar_health()
        if state in ("ok", "disabled"):
            return 0
        logger.warning("staff_alert_calendar_failing")
        day = now.astimezone(self._zone).date().isoformat()
        link = {"link": self._links.staff_settings()}
        return await self._send(
            AlertKind.CALENDAR, "staff.calendar_failing", f"calendar:{day}", link
        )

    # The staff member's own choices.

    async def my_preferences(self, principal: Principal) -> dict[AlertKind, bool]:
        ensure_roles(principal, *STAFF_ROLES)

        async def work(uow: StaffAlertsUoW) -> dict[str, bool]:
            return await uow.repos.choices(principal.user_id)

        return preferences(principal.roles, await in_transaction(self._uow, work))

    async def set_my_preferences(
        self, principal: Principal, changes: Mapping[str, bool]
    ) -> dict[AlertKind, bool]:
        """Switch kinds on or off for oneself; a kind one's roles do not receive is refused."""
        ensure_roles(principal, *STAFF_ROLES)
        allowed = preferences(principal.roles, {})
        for kind in changes:
            if kind not in allowed:
                raise ValidationFailed(f"unknown or not allowed alert kind: {kind}", field="kinds")

        async def work(uow: StaffAlertsUoW) -> dict[str, bool]:
            now = self._clock.now()
            for kind, enabled in changes.items():
                await uow.repos.set_choice(principal.user_id, kind, enabled, now)
            return await uow.repos.choices(principal.user_id)

        return preferences(principal.roles, await in_transaction(self._uow, work))
