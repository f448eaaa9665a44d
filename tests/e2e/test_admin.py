"""The owner's administration: templates previewed and checked against the variables the
code provides, settings checked per key, the audit log searched."""

from __future__ import annotations

from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.application.admin.service import check_template
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in

TEMPLATES = "/api/v1/admin/message-templates"


def seeded(db: psycopg.Connection[Any], code: str, channel: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT id, version, subject, body FROM message_templates"
        " WHERE code = %s AND channel = %s AND locale = 'ru'",
        (code, channel),
    ).fetchone()
    assert row is not None
    return {"id": str(row[0]), "version": row[1], "subject": row[2], "body": row[3]}


async def test_preview_renders_and_unknown_variables_are_refused(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    owner = bearer(signed_in(postgresql, "owner"))
    preview = await client.post(
        f"{TEMPLATES}/preview",
        json={"code": "booking.confirmed", "channel": "email", "subject": "Запись {start_local}",
              "body": "Здравствуйте, {display_name}!\n\n{service_title}, {start_local}."},
        headers=owner,
    )  # fmt: skip
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["subject"] == "Запись 05.06.2030 10:00 (Europe/Moscow, UTC+3)"
    assert shown["text"] == (
        "Здравствуйте, Анна!\n\nИндивидуальная консультация, 05.06.2030 10:00 "
        "(Europe/Moscow, UTC+3)."
    )
    assert "<p>Здравствуйте, Анна!</p>" in shown["html"]

    for body, fragment in (
        ("Ваш код: {code}", "booking.confirmed is not given {code}"),
        ("Привет, {user.email}", "must be a plain name"),
    ):
        refused = await client.post(
            f"{TEMPLATES}/preview",
            json={"code": "booking.confirmed", "channel": "telegram", "body": body},
            headers=owner,
        )
        assert refused.status_code == 422, body
        assert refused.json()["code"] == "template_invalid"
        assert fragment in refused.json()["detail"]

    template = seeded(postgresql, "booking.confirmed", "telegram")
    path = f"{TEMPLATES}/{template['id']}"
    bad_edit = await client.put(
        path, json={"version": template["version"], "body": "Оплатите: {payment_url}"},
        headers=owner,
    )  # fmt: skip
    assert bad_edit.status_code == 422  # booking.confirmed has no payment link
    stale = await client.put(path, json={"version": 99, "body": "{service_title}"}, headers=owner)
    assert stale.status_code == 412
    edited = await client.put(
        path, json={"version": template["version"], "body": "Ждём вас: {service_title}, {start_local}"},
        headers=owner,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "Ждём вас: {service_title}, {start_local}"
    unknown = await client.post(
        TEMPLATES, json={"code": "booking.gift", "channel": "telegram", "body": "?"},
        headers=owner,
    )  # fmt: skip
    assert unknown.status_code == 422
    no_subject = await client.post(
        TEMPLATES, json={"code": "booking.confirmed", "channel": "email", "locale": "en",
                         "body": "Booked: {service_title}"}, headers=owner,
    )  # fmt: skip
    assert no_subject.status_code == 422
    code_in_subject = await client.post(
        TEMPLATES, json={"code": "auth.login_code", "channel": "email", "locale": "en",
                         "subject": "Your code: {code}", "body": "Code: {code}"}, headers=owner,
    )  # fmt: skip
    assert code_in_subject.status_code == 422  # a subject shows on lock screens
    assert "subject" in code_in_subject.text
    english = await client.post(
        TEMPLATES, json={"code": "booking.confirmed", "channel": "telegram", "locale": "en",
                         "body": "Booked: {service_title}, {start_local}"}, headers=owner,
    )  # fmt: skip
    assert english.status_code == 201, english.text
    assert (await client.delete(path, headers=owner)).status_code == 409  # the ru original
    gone = await client.delete(f"{TEMPLATES}/{english.json()['id']}", headers=owner)
    assert gone.status_code == 204

    editor = bearer(signed_in(postgresql, "editor"))
    assert (await client.get(TEMPLATES, headers=editor)).status_code == 403
    log = await client.get("/api/v1/admin/audit-log", params={"entity_type": "message_template"},
                           headers=owner)  # fmt: skip
    assert [e["action"] for e in log.json()["items"]] == [
        "template.delete", "template.create", "template.update"]  # fmt: skip


async def test_every_seeded_template_uses_only_what_its_code_provides(
    postgresql: psycopg.Connection[Any],
) -> None:
    rows = postgresql.execute("SELECT code, channel, subject, body FROM message_templates")
    checked = 0
    for code, channel, subject, body in rows:
        check_template(code, channel, subject, body)
        checked += 1
    assert checked > 30


async def test_settings_are_checked_per_key(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    owner = bearer(signed_in(postgresql, "owner"))
    keys = [s["key"] for s in (await client.get("/api/v1/admin/settings", headers=owner)).json()[
        "items"]]  # fmt: skip
    assert "moderation.sla_hours" in keys
    changed = await client.put("/api/v1/admin/settings/moderation.sla_hours",
                               json={"value": 12}, headers=owner)  # fmt: skip
    assert changed.json()["value"] == 12
    cases = [
        ("moderation.sla_hours", -1, 422),
        ("moderation.sla_hours", "двенадцать", 422),
        ("practitioner.timezone", "Mars/Olympus", 422),
        ("booking.reminder_offsets_hours", [24, 24], 422),
        ("crisis.resources", {"text": "Помощь", "contacts": []}, 422),
        ("no.such.key", 1, 404),
    ]
    for key, value, status in cases:
        answer = await client.put(f"/api/v1/admin/settings/{key}", json={"value": value},
                                  headers=owner)  # fmt: skip
        assert answer.status_code == status, (key, value, answer.text)
    shown = await client.get("/api/v1/admin/settings/moderation.sla_hours", headers=owner)
    assert shown.json()["value"] == 12
    postgresql.commit()
    assert postgresql.execute(
        "SELECT entity_id FROM audit_log_entries WHERE action = 'setting.update'"
    ).fetchall() == [("moderation.sla_hours",)]
    assert (await client.get("/api/v1/admin/audit-log", params={"from": "2030-01-01T00:00:00Z",
            "to": "2020-01-01T00:00:00Z"}, headers=owner)).status_code == 422  # fmt: skip
