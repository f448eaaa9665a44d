"""The booking concierge over the real platform, end to end: no stand-ins but the model's
provider (the local OpenAI-compatible stub). The client's own ``ai_processing`` consent
given through the API, the model gate in PostgreSQL, the thread's owner in
``assistant_threads`` and the encrypted LangGraph checkpointer in PostgreSQL; the
proposal waits at the interrupt in the database and a confirmation resumes it there."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.bootstrap import build_core, create_app
from tests.conftest import FixedClock, make_settings
from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in
from tests.e2e.test_concierge import CONSENTS, NOW, THURSDAY_17, URL, Practice, tool_call
from tests.e2e.test_llm_stub import Provider, provider  # noqa: F401
from tests.e2e.test_telegram_notifications import link_anna
from tests.telegram_api import RecordingSession

PHRASE = "хочу онлайн в четверг вечером, меня зовут Ариадна"


@pytest.fixture
async def client(
    database_url: str,
    postgresql: psycopg.Connection[Any],
    provider: Provider,  # noqa: F811
) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Practice]]:
    settings = make_settings(
        database_url, LLM_PROVIDER="openai", LLM_BASE_URL=provider.base_url,
        LLM_API_KEY="sk-stub", LLM_MODEL="balance-chat", LLM_TIMEOUT_SECONDS="30",
    )  # fmt: skip
    core = build_core(settings, clock=FixedClock(NOW))
    owner = bearer(signed_in(postgresql, "owner", now=NOW))
    anna = link_anna(postgresql)
    try:
        async with AsyncTestClient(app=create_app(settings, core=core)) as http:
            yield http, Practice(http, RecordingSession(), owner, anna, None)  # type: ignore[arg-type]
    finally:
        await core.close_clients()


def at_rest(db: psycopg.Connection[Any]) -> str:
    db.commit()
    parts = []
    for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
        for row in db.execute(f"SELECT * FROM {table}").fetchall():  # noqa: S608 - fixed names
            for value in row:
                raw = bytes(value) if isinstance(value, (bytes, memoryview)) else b""
                parts.append(raw.decode("utf-8", "replace") if raw else json.dumps(value,
                             ensure_ascii=False, default=str))  # fmt: skip
    return "\n".join(parts)


async def test_with_the_clients_consent_the_model_proposes_and_the_confirmation_holds(
    client: tuple[AsyncTestClient[Litestar], Practice],
    provider: Provider,  # noqa: F811
    postgresql: psycopg.Connection[Any],
) -> None:
    http, practice = client
    await practice.offer(4)

    # Without the consent the client's words reach no model: the guided flow answers.
    guided = await practice.ask({"message": PHRASE})
    assert (guided["mode"], guided["guided_reason"]) == ("guided", "no_consent")
    assert provider.requests == []

    given = await http.post(
        "/api/v1/me/consents", headers=practice.anna,
        json={"consent_type": "ai_processing", "granted": True, "document_version": "2026-01"},
    )  # fmt: skip
    assert given.status_code < 300, given.text

    slot = f"konsultatsiya@{int(THURSDAY_17.timestamp())}"
    provider.replies += [
        tool_call("find_free_slots", {"service": "konsultatsiya", "date_from": "четверг",
                                      "part_of_day": "evening", "format": "online"}),
        tool_call("propose_slot", {"slot_id": slot}, "call_2"),
    ]  # fmt: skip
    proposed = await practice.ask({"message": PHRASE})
    assert (proposed["mode"], proposed["step"]) == ("assistant", "confirm")
    thread = proposed["thread_id"]
    # The name was masked before it left; the words went only with the consent.
    sent = json.dumps(provider.requests[0]["messages"], ensure_ascii=False)
    assert "Ариадна" not in sent
    assert "[имя]" in sent

    # The conversation waits in PostgreSQL, encrypted, owned by the client.
    postgresql.commit()
    owners = postgresql.execute(
        "SELECT assistant FROM assistant_threads WHERE thread_id = %s", (thread,)
    ).fetchall()
    assert owners == [("concierge",)]
    stored = at_rest(postgresql)
    assert stored  # checkpoints were written
    for words in ("четверг", "вечером", "онлайн", "Ариадна", "konsultatsiya"):
        assert words not in stored

    # Someone else cannot resume it.
    other = bearer(signed_in(postgresql, "client", "boris@example.org", now=NOW))
    stolen = await http.post(
        URL,
        headers=other,
        json={"confirm": {"thread_id": thread, "timezone": "Europe/Moscow", "consents": CONSENTS}},
    )
    assert stolen.status_code == 403, stolen.text

    held = await practice.ask(
        {"confirm": {"thread_id": thread, "timezone": "Europe/Moscow", "consents": CONSENTS}}
    )
    assert (held["mode"], held["step"]) == ("assistant", "held")
    postgresql.commit()
    assert postgresql.execute("SELECT status, start_at, format FROM appointments").fetchall() == [
        ("pending_payment", THURSDAY_17, "online")
    ]
    assert len(provider.requests) == 2  # the confirmation called no model
    # The model gate counted the caller's calls (under a keyed hash, never the id).
    counted = postgresql.execute("SELECT * FROM assistant_call_counts").fetchall()
    assert counted
    assert all("user:" not in str(row) for row in counted)
