"""The owner's administration over in-memory storage: a template is checked against the
variables its code provides (and a secret stays out of the subject), a setting against
its key's schema; stale versions, the Russian fallback, the audit log's window."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from app.application.access import Principal
from app.application.admin.ports import AuditRecord
from app.application.admin.service import AdminService, check_template
from app.domain.errors import (
    AlreadyExists,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from app.domain.identity.model import Role
from app.domain.notifications.templates import TemplateError
from tests.unit.admin.fakes import admin_world
from tests.unit.memory import ManualClock

OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
CONFIRMED_BODY = "Здравствуйте, {display_name}! {service_title}, {start_local}."


class World:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.state, self.uow = admin_world(self.clock)
        self.admin = AdminService(self.uow, self.clock)


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize(
    ("code", "channel", "subject", "body", "error", "field"),
    [
        ("booking.unknown", "telegram", None, "Текст", ValidationFailed, "code"),
        ("booking.confirmed", "email", None, CONFIRMED_BODY, ValidationFailed, "subject"),
        ("booking.confirmed", "email", "  ", CONFIRMED_BODY, ValidationFailed, "subject"),
        ("auth.login_code", "email", "Код {code}", "Код: {code}", TemplateError, "subject"),
        ("booking.confirmed", "telegram", None, "Код {code}", TemplateError, "body"),
        ("booking.confirmed", "email", "{payment_url}", CONFIRMED_BODY, TemplateError, "body"),
        ("booking.confirmed", "telegram", None, "{user.email}", TemplateError, None),
    ],
)
def test_a_template_the_code_cannot_send_is_refused(
    code: str, channel: str, subject: str | None, body: str,
    error: type[Exception], field: str | None,
) -> None:  # fmt: skip
    with pytest.raises(error) as refused:
        check_template(code, channel, subject, body)
    if field is not None:
        assert getattr(refused.value, "field", None) == field


def test_unknown_variables_are_named_with_those_the_code_has() -> None:
    with pytest.raises(TemplateError) as refused:
        check_template("cabinet.data_export_ready", "telegram", None, "{code} {link}")
    assert str(refused.value) == (
        "cabinet.data_export_ready is not given {code}, {link}; it has: "
        "{display_name}, {download_url}, {expires_local}"
    )
    check_template("auth.login_code", "email", "Вход на сайт", "Ваш код: {code}")  # body: fine
    check_template("bot.help", "telegram", None, "Помощь")


def test_a_preview_renders_sample_values_after_the_same_checks(world: World) -> None:
    shown = world.admin.preview(OWNER, "booking.confirmed", "email", "{start_local}",
                                CONFIRMED_BODY)  # fmt: skip
    assert shown.subject == "05.06.2030 10:00 (Europe/Moscow, UTC+3)"
    assert shown.text.startswith("Здравствуйте, Анна!")
    with pytest.raises(TemplateError):
        world.admin.preview(OWNER, "booking.confirmed", "telegram", None, "{code}")
    with pytest.raises(Forbidden):
        world.admin.preview(EDITOR, "booking.confirmed", "telegram", None, CONFIRMED_BODY)


async def test_a_translation_is_added_edited_and_removed(world: World) -> None:
    ru = await world.admin.add_template(OWNER, "booking.confirmed", "telegram", "ru", None,
                                        CONFIRMED_BODY)  # fmt: skip
    en = await world.admin.add_template(OWNER, "booking.confirmed", "telegram", "en", None,
                                        "Hello, {display_name}!")  # fmt: skip
    assert (en.locale, en.version, en.updated_by) == ("en", 1, OWNER.user_id)
    with pytest.raises(AlreadyExists):
        await world.admin.add_template(OWNER, "booking.confirmed", "telegram", "en", None, "Hi")

    edited = await world.admin.update_template(OWNER, en.id, 1, None, "Hi, {display_name}.")
    assert (edited.body, edited.version) == ("Hi, {display_name}.", 2)
    assert [t.locale for t in await world.admin.templates(OWNER)] == ["en", "ru"]

    with pytest.raises(InvalidState):  # every send falls back to the Russian original
        await world.admin.delete_template(OWNER, ru.id)
    await world.admin.delete_template(OWNER, en.id)
    with pytest.raises(NotFound):
        await world.admin.template(OWNER, en.id)
    assert world.uow.actions() == [
        "template.create", "template.create", "template.update", "template.delete",
    ]  # fmt: skip
    assert {e.entity_type for e in world.uow.audit_log} == {"message_template"}
    assert world.uow.audit_log[-1].details == {"template": "booking.confirmed"}


async def test_an_edit_is_checked_against_the_templates_own_code_and_version(
    world: World,
) -> None:
    email = await world.admin.add_template(OWNER, "booking.confirmed", "email", "ru",
                                           "Запись подтверждена", CONFIRMED_BODY)  # fmt: skip
    with pytest.raises(ValidationFailed):  # still an e-mail: it needs its subject
        await world.admin.update_template(OWNER, email.id, 1, None, CONFIRMED_BODY)
    with pytest.raises(TemplateError):  # booking.confirmed is not given a payment link
        await world.admin.update_template(OWNER, email.id, 1, "Оплата", "{payment_url}")
    await world.admin.update_template(OWNER, email.id, 1, "Подтверждено", CONFIRMED_BODY)
    with pytest.raises(VersionConflict):  # a second tab still holds version 1
        await world.admin.update_template(OWNER, email.id, 1, "Другая тема", CONFIRMED_BODY)
    stored = world.state.templates[email.id]
    assert (stored.subject, stored.version) == ("Подтверждено", 2)
    assert world.uow.actions() == ["template.create", "template.update"]
    with pytest.raises(NotFound):
        await world.admin.update_template(OWNER, uuid.uuid4(), 1, None, "x")


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("booking.unknown", 5, NotFound),
        ("booking.hold_minutes", 3, ValidationFailed),
        ("booking.hold_minutes", "15", ValidationFailed),
        ("booking.reminder_offsets_hours", [24, 24], ValidationFailed),
        ("booking.reminder_offsets_hours", [1, 2, 3, 4, 5, 6], ValidationFailed),
        ("practitioner.timezone", "Mars/Olympus_Mons", ValidationFailed),
        ("crisis.resources", {"text": "Звоните", "contacts": []}, ValidationFailed),
        (
            "crisis.resources",
            {"text": "x", "contacts": [{"title": "t", "phone": "1"}], "extra": True},
            ValidationFailed,
        ),
    ],
)
async def test_a_setting_keeps_its_keys_schema(
    world: World, key: str, value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await world.admin.put_setting(OWNER, key, value)
    assert world.state.settings == {}
    assert world.uow.transactions == 0


async def test_a_valid_setting_is_stored_audited_and_read_back(world: World) -> None:
    resources = {"text": "Если вам тяжело", "contacts": [{"title": "Телефон доверия",
                                                          "phone": "8-800-2000-122"}]}  # fmt: skip
    stored = await world.admin.put_setting(OWNER, "crisis.resources", resources)
    assert (stored.key, stored.value, stored.updated_by) == (
        "crisis.resources", resources, OWNER.user_id,
    )  # fmt: skip
    await world.admin.put_setting(OWNER, "booking.hold_minutes", 20)
    assert [s.key for s in await world.admin.settings(OWNER)] == [
        "booking.hold_minutes", "crisis.resources",
    ]  # fmt: skip
    assert (await world.admin.setting(OWNER, "booking.hold_minutes")).value == 20
    with pytest.raises(NotFound):
        await world.admin.setting(OWNER, "retention.analytics_days")  # never set
    with pytest.raises(Forbidden):
        await world.admin.put_setting(EDITOR, "booking.hold_minutes", 30)
    assert world.uow.actions() == ["setting.update", "setting.update"]
    assert {e.entity_type for e in world.uow.audit_log} == {"system_setting"}


async def test_the_audit_log_is_searched_over_a_bounded_window(world: World) -> None:
    now = world.clock.current
    for n, days_ago in enumerate((1, 29, 31, 400)):
        world.state.audit.append(
            AuditRecord(
                id=n,
                occurred_at=now - timedelta(days=days_ago),
                actor_id=None,
                actor_role="owner",
                action="setting.update",
                entity_type="system_setting",
                entity_id=None,
            )
        )
    recent = await world.admin.audit_log(OWNER, None, None, None, None, None, 100)
    assert [r.id for r in recent] == [0, 1]  # the last 30 days by default
    year = await world.admin.audit_log(OWNER, None, None, None, now - timedelta(days=366), now, 100)
    assert [r.id for r in year] == [0, 1, 2]
    for date_from, date_to in ((now, now), (now, now - timedelta(days=1)),
                               (now - timedelta(days=367), now)):  # fmt: skip
        with pytest.raises(ValidationFailed):
            await world.admin.audit_log(OWNER, None, None, None, date_from, date_to, 100)
    with pytest.raises(Forbidden):
        await world.admin.audit_log(EDITOR, None, None, None, None, None, 100)
