"""The CRM: one person arriving by the contact form, a guest booking, a self-check with a
contact and the Telegram bot is one lead with four timeline events; staff work the lead;
personal data never gets into the timeline or the first touch."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from app.config import Settings
from app.domain.crm.timeline import validate_event
from app.domain.errors import ValidationFailed
from tests.conftest import FixedClock, make_settings
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in
from tests.e2e.test_interactives import CONFIG, VISITOR, answers, publish_quiz, start
from tests.telegram_api import TOKEN, RecordingSession

NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
SECRET = "s3cret-webhook-token-0123456789"
PERSONAL = {"consent_type": "personal_data", "granted": True, "document_version": "2026-01"}
EMAIL = "anna.lead@example.org"
FORM = {"name": "Анна", "email": EMAIL, "topic": "anxiety", "consents": [PERSONAL],
        "message": "Хочу записаться, но боюсь", "metadata": {"utm_source": "vk"}}  # fmt: skip


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_BOT_USERNAME="balance_test_bot",
    )  # fmt: skip


@pytest.fixture
async def client(settings: Settings, clock: FixedClock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    core = build_core(settings, clock=clock)
    assert core.telegram_bot is not None
    core.telegram_bot.session = RecordingSession()
    async with AsyncTestClient(app=create_app(settings, core=core)) as test_client:
        yield test_client


async def telegram_start(client: AsyncTestClient[Litestar], code: str) -> None:
    answer = await client.post(
        "/webhooks/telegram",
        json={"update_id": 5001, "message": {
            "message_id": 1, "date": 1_790_000_000, "text": f"/start {code}",
            "chat": {"id": 777, "type": "private"},
            "from": {"id": 777, "is_bot": False, "first_name": "Анна"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}},
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text


async def test_four_entry_points_with_one_email_are_separate_leads_until_staff_merge(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    """A contact detail is a claim: each public request makes its own lead, and staff,
    shown the leads that share a contact, merge them (audited)."""
    # 1. The contact form.
    sent = await client.post("/api/v1/leads", json=FORM)
    assert sent.status_code == 202, sent.text
    # 2. A guest booking with the same address (spelt differently).
    config = json.loads(json.dumps(CONFIG))
    config["recommendations"]["high"]["telegram_purpose"] = "interactive_result"
    # (also publishes the service "konsultatsiya")
    await publish_quiz(client, postgresql, now=NOW, config=config)
    postgresql.execute(
        """INSERT INTO schedule_rules (weekday, start_time, end_time)
           SELECT d, '09:00', '18:00' FROM generate_series(1, 7) AS d"""
    )
    postgresql.commit()
    booked = await client.post(
        "/api/v1/appointments",
        json={"service_slug": "konsultatsiya", "start_at": "2030-06-05T07:00:00+00:00",
              "format": "online", "timezone": "Europe/Moscow", "consents": [PERSONAL],
              "contact": {"name": "Анна", "email": EMAIL.upper()}},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    # 3. A self-check, leaving the address to get the plan.
    run = await start(client)
    done = await client.post(
        f"/api/v1/interactive-runs/{run}/complete",
        json={"anonymous_id": VISITOR, "consents": [PERSONAL],
              "contact": {"email": EMAIL},
              "answers": answers("ans_always_x44", "ans_always_x44", "ans_often_x43")},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    # 4. The bot, opened from the result's Telegram link (issued for the self-check's lead).
    postgresql.commit()
    code = postgresql.execute("SELECT code FROM deep_links WHERE lead_id IS NOT NULL").fetchone()
    assert code is not None
    await telegram_start(client, code[0])

    postgresql.commit()
    leads = dict(postgresql.execute("SELECT source, id FROM leads").fetchall())
    assert set(leads) == {"web_form", "booking", "interactive"}  # three people, as far as we know
    form_lead = leads["web_form"]
    # The message is a note, encrypted; nothing of it is in the timeline.
    note = postgresql.execute("SELECT body_encrypted, author_id FROM lead_notes").fetchone()
    assert note is not None
    assert note[0].startswith("enc:v1:")
    assert note[1] is None

    # Staff find all three by the address and see the others suggested for merging.
    assistant = bearer(signed_in(postgresql, "assistant", now=NOW))
    found = (await client.get("/api/v1/admin/leads", params={"q": "anna.lead"},
                              headers=assistant)).json()["items"]  # fmt: skip
    assert {lead["id"] for lead in found} == {str(i) for i in leads.values()}
    lead = (await client.get(f"/api/v1/admin/leads/{form_lead}", headers=assistant)).json()
    assert {(m["id"], m["kind"]) for m in lead["merge_suggestions"]} == {
        (str(leads["booking"]), "email"),
        (str(leads["interactive"]), "email"),
    }
    for source in ("booking", "interactive"):
        merged = await client.post(
            f"/api/v1/admin/leads/{form_lead}/merge",
            json={"source_lead_id": str(leads[source])},
            headers=assistant,
        )
        assert merged.status_code == 200, merged.text
    lead = merged.json()
    assert lead["merge_suggestions"] == []
    assert [n["body"] for n in lead["notes"]] == [FORM["message"]]
    assert sorted(i["kind"] for i in lead["identities"]) == ["email", "email", "email", "telegram"]
    assert lead["first_touch"] == {"entry_point": "web_form", "utm_source": "vk"}
    assert [e["event_type"] for e in lead["timeline"]] == [
        "web_form.submitted",
        "booking.held",
        "interactive.completed",
        "telegram.started",
        "lead.merged",
        "lead.merged",
    ]
    # The booking still belongs to the merged lead, and the merge is audited.
    postgresql.commit()
    assert postgresql.execute("SELECT lead_id FROM appointments").fetchone() == (form_lead,)
    audited = postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'lead.merge'"
    ).fetchone()
    assert audited == (2,)
    # A merged lead is no longer a lead of its own.
    gone = await client.get(f"/api/v1/admin/leads/{leads['booking']}", headers=assistant)
    assert gone.status_code == 404
    again = await client.post(
        f"/api/v1/admin/leads/{form_lead}/merge",
        json={"source_lead_id": str(leads["booking"])},
        headers=assistant,
    )
    assert again.status_code == 404
    itself = await client.post(
        f"/api/v1/admin/leads/{form_lead}/merge",
        json={"source_lead_id": str(form_lead)},
        headers=assistant,
    )
    assert (itself.status_code, itself.json()["code"]) == (422, "validation_failed")


async def test_personal_data_in_metadata_or_props_is_refused(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    for metadata in ({"utm_source": "anna@example.org"}, {"utm_term": "+7 999 123-45-67"},
                     {"comment": "позвоните мне"}, {"utm_campaign": "x" * 65}):  # fmt: skip
        answer = await client.post("/api/v1/leads", json={**FORM, "metadata": metadata})
        assert (answer.status_code, answer.json()["code"]) == (422, "validation_failed"), metadata
    for body, code in (({**FORM, "consents": []}, "consent_required"),
                       ({**FORM, "email": None}, "validation_failed"),
                       ({**FORM, "email": "not-an-address"}, "validation_failed")):  # fmt: skip
        answer = await client.post("/api/v1/leads", json=body)
        assert answer.json()["code"] == code, body
    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM leads").fetchone() == (0,)
    for event, props in (("booking.held", {"email": "a@b.ru"}),
                         ("telegram.started", {"purpose": "a@b.ru"}),
                         ("web_form.submitted", {"topic": "Очень длинный рассказ " * 5}),
                         ("made.up", {})):  # fmt: skip
        with pytest.raises(ValidationFailed):
            validate_event(event, props)


async def test_staff_work_a_lead(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await client.post("/api/v1/leads", json=FORM)
    postgresql.commit()
    lead_id = postgresql.execute("SELECT id FROM leads").fetchone()[0]  # type: ignore[index]
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    editor = bearer(signed_in(postgresql, "editor", now=NOW))
    assert (await client.get("/api/v1/admin/leads", headers=editor)).status_code == 403
    path = f"/api/v1/admin/leads/{lead_id}"
    stale = await client.patch(path, json={"version": 9, "status": "contacted"}, headers=owner)
    assert stale.status_code == 412
    moved = await client.patch(path, json={"version": 1, "status": "contacted"}, headers=owner)
    assert moved.json()["status"] == "contacted"
    noted = await client.post(f"{path}/notes", json={"body": "Перезвонить в среду"},
                              headers=owner)  # fmt: skip
    assert [n["body"] for n in noted.json()["notes"]][-1] == "Перезвонить в среду"
    anna = postgresql.execute(
        "INSERT INTO users (email) VALUES (%s) RETURNING id", (EMAIL,)
    ).fetchone()[0]  # type: ignore[index]
    postgresql.commit()
    converted = await client.post(f"{path}/convert", json={"user_id": str(anna)}, headers=owner)
    assert (converted.json()["status"], converted.json()["converted_user_id"]) == (
        "converted", str(anna))  # fmt: skip
    assert [e["event_type"] for e in converted.json()["timeline"]] == [
        "web_form.submitted", "lead.status_changed", "lead.note_added", "lead.converted"]  # fmt: skip
    postgresql.commit()
    actions = sorted(r[0] for r in postgresql.execute(
        "SELECT action FROM audit_log_entries WHERE entity_type = 'lead'"))  # fmt: skip
    assert actions == ["lead.convert", "lead.note_add", "lead.update"]
    assert (await client.get(f"/api/v1/admin/leads/{lead_id}", headers=owner)).status_code == 200
    postgresql.commit()
    assert postgresql.execute(
        "SELECT count(*) FROM audit_log_entries WHERE action = 'lead.read'"
    ).fetchone() == (1,)
