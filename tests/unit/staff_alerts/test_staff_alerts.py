"""Staff alerts over in-memory fakes: who receives each kind, what an alert says (and
never says), once per object, and each person's choices."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.access import Principal
from app.application.events import EventHandlers
from app.application.staff_alerts.ports import AppointmentFacts, SlaItem, StaffMember
from app.application.staff_alerts.service import StaffAlerts
from app.domain.assistants.events import AssistantCrisisSignalled
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
)
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.identity.model import Role
from app.domain.interactives.events import SelfCheckCrisisSignalled
from app.domain.moderation.events import CrisisQuestionReceived
from app.domain.notifications.catalog import VARIABLES
from app.domain.notifications.staff_alerts import AlertKind, allowed_kinds, receives
from app.domain.payments.events import REFUND_FAILED, PaymentNeedsAttention
from app.domain.shared.ids import new_id
from app.domain.shared.links import SiteLinks
from tests.unit.memory import START, ManualClock

SITE = "https://site.example.org"


@dataclass
class FakeStore:
    members: dict[uuid.UUID, tuple[frozenset[str], str | None, int | None]] = field(
        default_factory=dict
    )
    saved: dict[tuple[uuid.UUID, str], bool] = field(default_factory=dict)
    appointments: dict[uuid.UUID, AppointmentFacts] = field(default_factory=dict)
    items: list[SlaItem] = field(default_factory=list)

    def add(self, role: str, email: str | None, chat: int | None = None) -> uuid.UUID:
        user_id = uuid.uuid4()
        self.members[user_id] = (frozenset({role}), email, chat)
        return user_id

    async def staff_for(self, kind: str) -> list[StaffMember]:
        return [
            StaffMember(user_id, roles, email, chat, self.saved.get((user_id, kind)))
            for user_id, (roles, email, chat) in self.members.items()
        ]

    async def choices(self, user_id: uuid.UUID) -> dict[str, bool]:
        return {kind: on for (who, kind), on in self.saved.items() if who == user_id}

    async def set_choice(self, user_id: uuid.UUID, kind: str, enabled: bool, now: datetime) -> None:
        self.saved[(user_id, kind)] = enabled

    async def appointment(self, appointment_id: uuid.UUID) -> AppointmentFacts | None:
        return self.appointments.get(appointment_id)

    async def items_near_sla(self, until: datetime, limit: int) -> list[SlaItem]:
        return [i for i in self.items if i.sla_due_at <= until][:limit]


@dataclass
class Setup:
    store: FakeStore
    uow: InMemoryUnitOfWork[FakeStore]
    clock: ManualClock
    alerts: StaffAlerts
    owner: uuid.UUID
    assistant: uuid.UUID
    editor: uuid.UUID
    health: list[str]

    def sent(self) -> list[tuple[str, str, str]]:
        return [(n.template_code, n.channel, n.to) for n in self.uow.notifications_queued]


@pytest.fixture
def setup() -> Setup:
    store = FakeStore()
    owner = store.add("owner", "owner@example.org", 111)
    assistant = store.add("assistant", "assistant@example.org", 222)
    editor = store.add("editor", "editor@example.org")
    uow = InMemoryUnitOfWork(store, InMemoryEventBus(EventHandlers()))
    clock = ManualClock()
    health = ["ok"]
    alerts = StaffAlerts(
        lambda: uow,
        clock,
        SiteLinks(SITE),
        "Europe/Moscow",
        lambda: health[0],  # type: ignore[arg-type,return-value]
    )
    return Setup(store, uow, clock, alerts, owner, assistant, editor, health)


def test_defaults_and_roles() -> None:
    assert receives(AlertKind.CRISIS, {"owner"}, None)
    assert not receives(AlertKind.CRISIS, {"assistant"}, None)
    assert receives(AlertKind.CRISIS, {"assistant"}, True)
    assert not receives(AlertKind.CRISIS, {"owner"}, False)
    assert not receives(AlertKind.PAYMENT_ATTENTION, {"editor"}, True)  # not an editor's work
    assert allowed_kinds({"editor"}) == {AlertKind.CRISIS, AlertKind.SLA}
    assert not allowed_kinds({"client"})


def test_every_staff_template_is_in_the_catalog_without_p2_variables() -> None:
    staff = {code: names for code, names in VARIABLES.items() if code.startswith("staff.")}
    assert len(staff) == 9
    for names in staff.values():
        assert "link" in names
        assert not names & {"text", "question", "display_name", "answers", "result"}


async def test_a_crisis_question_reaches_the_owner_by_email_and_telegram(setup: Setup) -> None:
    item = new_id()
    due = START + timedelta(hours=2)
    event = CrisisQuestionReceived(
        event_id=new_id(), occurred_at=START, aggregate_id=str(item), sla_due_at=due
    )
    await setup.alerts.on_crisis_question(event)
    await setup.alerts.on_crisis_question(event)  # redelivered: nothing twice
    assert setup.sent() == [
        ("staff.crisis_question", "email", "owner@example.org"),
        ("staff.crisis_question", "telegram", "111"),
    ]
    variables = setup.uow.notifications_queued[0].variables
    assert variables == {
        "time_local": "03.03.2025 12:00 (Europe/Moscow)",
        "due_local": "03.03.2025 14:00 (Europe/Moscow)",
        "link": f"{SITE}/admin/moderation/{item}",
    }


async def test_an_assistant_who_opted_in_is_told_and_one_who_opted_out_is_not(
    setup: Setup,
) -> None:
    assistant = Principal(setup.assistant, new_id(), frozenset({Role.ASSISTANT}))
    owner = Principal(setup.owner, new_id(), frozenset({Role.OWNER}))
    await setup.alerts.set_my_preferences(assistant, {"crisis": True})
    await setup.alerts.set_my_preferences(owner, {"crisis": False})
    await setup.alerts.on_crisis_self_check(
        SelfCheckCrisisSignalled(event_id=new_id(), occurred_at=START, aggregate_id=str(new_id()))
    )
    assert setup.sent() == [
        ("staff.crisis_self_check", "email", "assistant@example.org"),
        ("staff.crisis_self_check", "telegram", "222"),
    ]
    assert (await setup.alerts.my_preferences(owner))[AlertKind.CRISIS] is False


async def test_crisis_words_to_the_concierge_alert_staff_naming_nobody(setup: Setup) -> None:
    signal = str(new_id())
    event = AssistantCrisisSignalled(event_id=new_id(), occurred_at=START, aggregate_id=signal)
    await setup.alerts.on_crisis_assistant(event)
    await setup.alerts.on_crisis_assistant(event)  # redelivered: sent once
    assert setup.sent() == [
        ("staff.crisis_assistant", "email", "owner@example.org"),
        ("staff.crisis_assistant", "telegram", "111"),
    ]


async def test_choices_are_limited_to_ones_roles_and_staff(setup: Setup) -> None:
    editor = Principal(setup.editor, new_id(), frozenset({Role.EDITOR}))
    assert await setup.alerts.my_preferences(editor) == {
        AlertKind.CRISIS: False, AlertKind.SLA: False
    }  # fmt: skip
    with pytest.raises(ValidationFailed):
        await setup.alerts.set_my_preferences(editor, {"booking_paid": True})
    client = Principal(new_id(), new_id(), frozenset({Role.CLIENT}))
    with pytest.raises(Forbidden):
        await setup.alerts.my_preferences(client)


async def test_booking_alerts_name_the_service_and_time_only(setup: Setup) -> None:
    appointment = new_id()
    setup.store.appointments[appointment] = AppointmentFacts(
        "Консультация", START + timedelta(days=1)
    )
    await setup.alerts.on_confirmed(
        AppointmentConfirmed(event_id=new_id(), occurred_at=START, aggregate_id=str(appointment))
    )
    await setup.alerts.on_confirmed(  # confirmed by staff: no payment, no alert
        AppointmentConfirmed(event_id=new_id(), occurred_at=START,
                             aggregate_id=str(appointment), by_staff=True)
    )  # fmt: skip
    for reason in ("hold_expired", "client_request"):  # an unpaid hold lapsing is no news
        await setup.alerts.on_canceled(
            AppointmentCanceled(event_id=new_id(), occurred_at=START, aggregate_id=str(appointment),
                                reason=reason, refund_amount="0.00", currency="RUB")
        )  # fmt: skip
    assert [code for code, channel, _ in setup.sent() if channel == "email"] == [
        "staff.booking_paid", "staff.booking_canceled"
    ]  # fmt: skip
    assert setup.uow.notifications_queued[0].variables == {
        "service_title": "Консультация",
        "start_local": "04.03.2025 12:00 (Europe/Moscow)",
        "link": f"{SITE}/admin/appointments/{appointment}",
    }


async def test_a_reschedule_is_told_as_one_not_as_a_new_booking(setup: Setup) -> None:
    moved = new_id()
    setup.store.appointments[moved] = AppointmentFacts(
        "Консультация", START + timedelta(days=2), rescheduled=True
    )
    await setup.alerts.on_confirmed(  # the moved appointment is confirmed at once
        AppointmentConfirmed(event_id=new_id(), occurred_at=START, aggregate_id=str(moved))
    )
    await setup.alerts.on_rescheduled(
        AppointmentRescheduled(event_id=new_id(), occurred_at=START,
                               aggregate_id=str(new_id()), new_appointment_id=str(moved))
    )  # fmt: skip
    assert [code for code, channel, _ in setup.sent() if channel == "email"] == [
        "staff.booking_rescheduled"
    ]
    assert setup.uow.notifications_queued[0].variables["start_local"] == (
        "05.03.2025 12:00 (Europe/Moscow)"
    )


async def test_payment_attention_links_the_payment(setup: Setup) -> None:
    payment = new_id()
    await setup.alerts.on_payment_needs_attention(
        PaymentNeedsAttention(event_id=new_id(), occurred_at=START, aggregate_id=str(payment),
                              reason=REFUND_FAILED)
    )  # fmt: skip
    (email, _) = setup.uow.notifications_queued
    assert email.variables["link"] == f"{SITE}/admin/payments/{payment}"
    assert "возврат" in email.variables["reason_text"]


async def test_sla_warnings_go_once_per_item_and_only_before_the_deadline(setup: Setup) -> None:
    near, later, missed = new_id(), new_id(), new_id()
    setup.store.items = [
        SlaItem(missed, START - timedelta(minutes=5)),
        SlaItem(near, START + timedelta(minutes=40)),
        SlaItem(later, START + timedelta(hours=5)),
    ]
    assert await setup.alerts.warn_sla(START) == 2  # the owner, by e-mail and Telegram
    assert await setup.alerts.warn_sla(START + timedelta(minutes=5)) == 0
    links = {n.variables["link"] for n in setup.uow.notifications_queued}
    assert links == {f"{SITE}/admin/moderation/{near}"}


async def test_the_calendar_failing_is_told_once_a_day(setup: Setup) -> None:
    assert await setup.alerts.check_calendar(START) == 0
    setup.health[0] = "freebusy failed: HttpError"
    assert await setup.alerts.check_calendar(START) == 2
    assert await setup.alerts.check_calendar(START + timedelta(hours=1)) == 0
    assert await setup.alerts.check_calendar(START + timedelta(days=1)) == 2
    for n in setup.uow.notifications_queued:
        assert re.fullmatch(rf"{SITE}/admin/settings", n.variables["link"])
