"""Identity end to end: login, sessions, consents, staff, IDOR, export. E-mails go
through the in-process worker to a real SMTP server (aiosmtpd) and are read from there."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from tests.conftest import FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import (
    PERSONAL_DATA,
    Inbox,
    bearer,
    last_code,
    login,
    wait_for_mail,
)
from tests.e2e.staff import signed_in
from tests.integration import rows

START = "/api/v1/auth/email/start"
VERIFY = "/api/v1/auth/email/verify"


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


async def make_owner(db: psycopg.Connection[Any], email: str) -> None:
    db.commit()
    user_id = db.execute(
        "INSERT INTO users (email) VALUES (%(e)s) RETURNING id", {"e": email}
    ).fetchone()[0]  # type: ignore[index]
    db.execute(
        "INSERT INTO user_roles (user_id, role_code) VALUES (%(u)s, 'owner')", {"u": user_id}
    )
    db.commit()


async def test_a_new_address_logs_in_and_reads_its_profile(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    token, user = await login(client, inbox, "Anna@Example.org")
    assert user["email"] == "Anna@Example.org"
    assert user["roles"] == ["client"]
    me = await client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert me.headers["cache-control"] == "no-store"
    consents = (await client.get("/api/v1/me/consents", headers=bearer(token))).json()["items"]
    assert {c["consent_type"]: c["granted"] for c in consents}["personal_data"] is True
    postgresql.commit()  # the database keeps only the token's hash
    hashes = postgresql.execute("SELECT token_hash FROM auth_sessions").fetchall()
    assert all(token.encode() not in bytes(h[0]) for h in hashes)


async def test_first_login_needs_the_personal_data_consent(
    client: AsyncTestClient[Litestar], inbox: Inbox
) -> None:
    await client.post(START, json={"email": "new@example.org"})
    code = await last_code(inbox, "new@example.org")
    refused = await client.post(VERIFY, json={"email": "new@example.org", "code": code})
    assert refused.status_code == 403
    assert refused.json()["code"] == "consent_required"
    accepted = await client.post(
        VERIFY, json={"email": "new@example.org", "code": code, "consents": [PERSONAL_DATA]}
    )
    assert accepted.status_code == 200  # the code was not used up by the refusal


async def test_start_answers_the_same_for_known_and_unknown_addresses(
    client: AsyncTestClient[Litestar], inbox: Inbox, clock: FixedClock
) -> None:
    await login(client, inbox, "known@example.org")
    clock.advance(seconds=30)  # the pause before an address's second code
    known = await client.post(START, json={"email": "known@example.org"})
    unknown = await client.post(START, json={"email": "nobody@example.org"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    await wait_for_mail(inbox, "nobody@example.org")  # both really get a code


async def test_five_wrong_codes_lock_the_code(
    client: AsyncTestClient[Litestar], inbox: Inbox
) -> None:
    await client.post(START, json={"email": "guess@example.org"})
    code = await last_code(inbox, "guess@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    body = {"email": "guess@example.org", "consents": [PERSONAL_DATA]}
    for _ in range(5):
        attempt = await client.post(VERIFY, json={**body, "code": wrong})
        assert attempt.status_code == 401
        assert attempt.json()["code"] == "authentication_failed"
        assert attempt.headers["www-authenticate"] == "Bearer"
    right = await client.post(VERIFY, json={**body, "code": code})
    assert right.status_code == 401


async def test_a_used_code_fails_and_codes_expire(
    client: AsyncTestClient[Litestar], inbox: Inbox, clock: FixedClock
) -> None:
    await login(client, inbox, "once@example.org")
    used = await last_code(inbox, "once@example.org")
    again = await client.post(VERIFY, json={"email": "once@example.org", "code": used})
    assert again.status_code == 401
    clock.advance(seconds=30)
    await client.post(START, json={"email": "once@example.org"})
    fresh = await last_code(inbox, "once@example.org", count=2)
    clock.advance(minutes=11)
    late = await client.post(VERIFY, json={"email": "once@example.org", "code": fresh})
    assert late.status_code == 401


async def test_codes_per_address_are_limited(
    client: AsyncTestClient[Litestar], clock: FixedClock
) -> None:
    for pause in (0, 30, 60):  # each further code after a longer pause
        clock.advance(seconds=pause)
        assert (await client.post(START, json={"email": "spam@example.org"})).status_code == 202
    clock.advance(minutes=5)
    limited = await client.post(START, json={"email": "spam@example.org"})
    assert limited.status_code == 429  # three in 15 minutes
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0
    clock.advance(minutes=16)
    assert (await client.post(START, json={"email": "spam@example.org"})).status_code == 202


async def test_logout_revokes_the_token(client: AsyncTestClient[Litestar], inbox: Inbox) -> None:
    token, _ = await login(client, inbox, "bye@example.org")
    assert (await client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 401
    garbage = await client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert garbage.status_code == 401


async def test_sessions_end_after_idle_time_sooner_for_staff(
    client: AsyncTestClient[Litestar],
    inbox: Inbox,
    postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:
    client_token, _ = await login(client, inbox, "client@example.org")
    await make_owner(postgresql, "owner@example.org")
    owner_token, _ = await login(client, inbox, "owner@example.org")
    clock.advance(minutes=31)
    assert (await client.get("/api/v1/me", headers=bearer(owner_token))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(client_token))).status_code == 200
    clock.advance(days=31)
    assert (await client.get("/api/v1/me", headers=bearer(client_token))).status_code == 401


async def test_profile_update_with_version_check(
    client: AsyncTestClient[Litestar], inbox: Inbox
) -> None:
    token, user = await login(client, inbox, "me@example.org")
    changed = await client.patch(
        "/api/v1/me",
        json={
            "display_name": "Анна",
            "phone": "8 (999) 123-45-67",
            "timezone": "Asia/Yekaterinburg",
        },
        headers={**bearer(token), "If-Match": str(user["version"])},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["display_name"], body["phone"], body["version"]) == ("Анна", "+79991234567", 2)
    stale = await client.patch(
        "/api/v1/me", json={"locale": "en"}, headers={**bearer(token), "If-Match": "1"}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_conflict"
    bad_zone = await client.patch(
        "/api/v1/me", json={"timezone": "Mars/Base"}, headers=bearer(token)
    )
    assert bad_zone.status_code == 422
    unknown = await client.patch("/api/v1/me", json={"roles": ["owner"]}, headers=bearer(token))
    assert unknown.status_code == 422


async def test_consents_append_history(
    client: AsyncTestClient[Litestar],
    inbox: Inbox,
    postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:
    token, _ = await login(client, inbox, "consent@example.org")
    for granted in (True, False):
        clock.advance(seconds=1)
        response = await client.post(
            "/api/v1/me/consents",
            json={"consent_type": "health_data", "granted": granted, "document_version": "2026-01"},
            headers=bearer(token),
        )
        assert response.status_code == 201
    current = {c["consent_type"]: c for c in response.json()["items"]}
    assert current["health_data"]["granted"] is False
    postgresql.commit()
    assert postgresql.execute(
        "SELECT count(*) FROM consents WHERE consent_type = 'health_data'"
    ).fetchone() == (2,)


async def test_owner_manages_staff_and_blocks_users(
    client: AsyncTestClient[Litestar],
    inbox: Inbox,
    postgresql: psycopg.Connection[Any],
    clock: FixedClock,
) -> None:
    await make_owner(postgresql, "owner@example.org")
    owner, _ = await login(client, inbox, "owner@example.org")
    victim, victim_user = await login(client, inbox, "client@example.org")

    assert (await client.get("/api/v1/admin/users", headers=bearer(victim))).status_code == 403
    added = await client.post(
        "/api/v1/admin/users",
        json={"email": "editor@example.org", "roles": ["editor"]},
        headers=bearer(owner),
    )
    assert added.status_code == 201
    assert added.json()["roles"] == ["editor"]
    changed = await client.put(
        f"/api/v1/admin/users/{added.json()['id']}/roles",
        json={"roles": ["editor", "assistant"]},
        headers=bearer(owner),
    )
    assert changed.json()["roles"] == ["assistant", "editor"]

    page = await client.get("/api/v1/admin/users?limit=2", headers=bearer(owner))
    assert len(page.json()["items"]) == 2
    rest = await client.get(
        f"/api/v1/admin/users?limit=2&cursor={page.json()['next_cursor']}", headers=bearer(owner)
    )
    assert rest.json()["next_cursor"] is None
    assert len(page.json()["items"]) + len(rest.json()["items"]) == 3

    blocked = await client.post(
        f"/api/v1/admin/users/{victim_user['id']}/block", headers=bearer(owner)
    )
    assert blocked.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(victim))).status_code == 401
    clock.advance(seconds=30)  # the pause before an address's second code
    await client.post(START, json={"email": "client@example.org"})
    relogin = await client.post(
        VERIFY,
        json={
            "email": "client@example.org",
            "code": await last_code(inbox, "client@example.org", 2),
        },
    )
    assert relogin.status_code == 403, relogin.text
    assert relogin.json()["code"] == "account_blocked"
    postgresql.commit()
    actions = [r[0] for r in postgresql.execute("SELECT action FROM audit_log_entries ORDER BY id")]
    assert actions == ["user.add_staff", "user.set_roles", "user.block"]


async def test_foreign_exports_answer_404(client: AsyncTestClient[Litestar], inbox: Inbox) -> None:
    first, _ = await login(client, inbox, "first@example.org")
    second, _ = await login(client, inbox, "second@example.org")
    export = await client.post("/api/v1/me/data-exports", headers=bearer(first))
    assert export.status_code == 202
    export_id = export.json()["id"]
    assert (
        await client.get(f"/api/v1/me/data-exports/{export_id}", headers=bearer(first))
    ).status_code == 200
    theirs = await client.get(f"/api/v1/me/data-exports/{export_id}", headers=bearer(second))
    missing = await client.get(f"/api/v1/me/data-exports/{uuid.uuid4()}", headers=bearer(second))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() | {"request_id": ""} == missing.json() | {"request_id": ""}


async def test_export_holds_only_the_users_data_and_downloads_once(
    client: AsyncTestClient[Litestar], inbox: Inbox, postgresql: psycopg.Connection[Any]
) -> None:
    token, user = await login(client, inbox, "export@example.org")
    await login(client, inbox, "someone-else@example.org")
    # A diary entry (P2, encrypted) and a self-check result of theirs.
    await client.post(
        "/api/v1/me/consents",
        json={"consent_type": "health_data", "granted": True, "document_version": "2026-01"},
        headers=bearer(token),
    )
    diary = await client.post(
        "/api/v1/me/diary", json={"entry_date": "2026-11-20", "text": "Запись для экспорта"},
        headers=bearer(token),
    )  # fmt: skip
    assert diary.status_code == 201, diary.text
    definition, version = rows.interactive(postgresql)
    postgresql.execute(
        """INSERT INTO interactive_runs (definition_id, version_id, user_id, status,
                                         completed_at, result_level)
           VALUES (%(d)s, %(v)s, %(u)s, 'completed', now(), 'moderate')""",
        {"d": definition, "v": version, "u": user["id"]},
    )
    postgresql.commit()
    await client.post("/api/v1/leads", json={
        "name": "Экспорт", "email": "EXPORT@example.org", "message": "Перезвоните вечером",
        "consents": [{"consent_type": "personal_data", "granted": True,
                      "document_version": "2026-01"}]})  # fmt: skip
    # The form's address is only a claim: its lead is theirs once staff convert it.
    postgresql.commit()
    lead_id = postgresql.execute("SELECT id FROM leads").fetchone()[0]  # type: ignore[index]
    assistant = bearer(signed_in(postgresql, "assistant"))
    converted = await client.post(
        f"/api/v1/admin/leads/{lead_id}/convert", json={"user_id": user["id"]}, headers=assistant
    )
    assert converted.status_code == 200, converted.text
    asked = await client.post(
        "/api/v1/questions", json={"text": "Как пережить расставание?"}, headers=bearer(token)
    )
    assert asked.status_code == 202
    export_id = (await client.post("/api/v1/me/data-exports", headers=bearer(token))).json()["id"]

    mail = await wait_for_mail(inbox, "export@example.org", count=2)
    download_token = mail.split("token=")[1].split()[0]
    status = (
        await client.get(f"/api/v1/me/data-exports/{export_id}", headers=bearer(token))
    ).json()
    assert status["status"] == "ready"

    url = f"/api/v1/me/data-exports/{export_id}/download"
    assert (await client.get(f"{url}?token=nope", headers=bearer(token))).status_code == 404
    archive = await client.get(f"{url}?token={download_token}", headers=bearer(token))
    assert archive.status_code == 200
    assert archive.headers["cache-control"] == "no-store"
    identity = archive.json()["sections"]["identity"]
    assert identity["profile"]["email"] == "export@example.org"
    assert identity["profile"]["id"] == user["id"]
    assert "someone-else@example.org" not in archive.text
    assert archive.json()["sections"]["booking"] == {
        "appointments": [],
        "payments": [],
        "refunds": [],
        "intake_forms": [],
        "waitlist_requests": [],
    }
    sections = archive.json()["sections"]
    [lead] = sections["crm"]["leads"]
    assert [n["body"] for n in lead["notes"]] == ["Перезвоните вечером"]
    assert [i["kind"] for i in lead["identities"]] == ["email"]
    assert [i["text"] for i in sections["moderation"]["items"]] == ["Как пережить расставание?"]
    assert [e["text"] for e in sections["diary"]["entries"]] == ["Запись для экспорта"]
    assert [(r["slug"], r["result_level"]) for r in sections["interactives"]["runs"]] == [
        ("anxiety-check", "moderate")
    ]
    assert (
        await client.get(f"{url}?token={download_token}", headers=bearer(token))
    ).status_code == 404
    postgresql.commit()
    assert postgresql.execute(
        "SELECT status, archive_encrypted FROM data_export_requests WHERE id = %(i)s",
        {"i": export_id},
    ).fetchone() == ("downloaded", None)
