"""The assistants' platform through the product's own flows: the ai_processing consent
given and withdrawn like any other, and a person's conversations (encrypted LangGraph
checkpoints) in the export and gone after erasure, while another person's stay."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from langchain_core.messages import HumanMessage
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.llm.checkpoints import open_checkpointer
from app.bootstrap import Core, build_core, create_app
from app.config import Settings
from app.keyring import Keyring
from tests.conftest import TEST_KEYRING, FixedClock
from tests.e2e.conftest import mailing_settings
from tests.e2e.identity_helpers import Inbox, bearer, eventually, login, wait_for_mail
from tests.integration.test_assistant_checkpoints import PHRASE, chat_graph

CONSENTS = "/api/v1/me/consents"


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return mailing_settings(database_url, inbox)


@pytest.fixture
def core(settings: Settings, clock: FixedClock) -> Core:
    return build_core(settings, clock=clock)


@pytest.fixture
async def client(settings: Settings, core: Core) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(settings, core=core), timeout=60) as test_client:
        yield test_client


async def test_the_ai_processing_consent_is_given_and_withdrawn_like_the_others(
    client: AsyncTestClient[Litestar], inbox: Inbox, core: Core, clock: FixedClock
) -> None:
    token, user = await login(client, inbox, "ai.consent@example.org")
    user_id = uuid.UUID(user["id"])
    listed = (await client.get(CONSENTS, headers=bearer(token))).json()["items"]
    assert {c["consent_type"]: c["granted"] for c in listed}["ai_processing"] is False
    assert await core.assistants.consent.granted(user_id) is False

    for granted in (True, False, True):
        clock.advance(seconds=1)
        response = await client.post(
            CONSENTS,
            json={
                "consent_type": "ai_processing",
                "granted": granted,
                "document_version": "2030-01",
            },
            headers=bearer(token),
        )
        assert response.status_code == 201, response.text
        current = {c["consent_type"]: c for c in response.json()["items"]}
        assert current["ai_processing"]["granted"] is granted
        assert await core.assistants.consent.granted(user_id) is granted


async def converse(database_url: str, thread_id: str) -> None:
    """A real conversation stored by the application's encrypted saver."""
    checkpointer = await open_checkpointer(database_url, Keyring.parse(TEST_KEYRING))
    try:
        await chat_graph(checkpointer.saver).ainvoke(
            {"messages": [HumanMessage(PHRASE)], "turns": 0},
            {"configurable": {"thread_id": thread_id}},
        )
    finally:
        await checkpointer.close()


def checkpoint_threads(db: psycopg.Connection[Any]) -> dict[str, set[str]]:
    db.commit()
    return {
        table: {r[0] for r in db.execute(f"SELECT DISTINCT thread_id FROM {table}").fetchall()}  # noqa: S608
        for table in ("assistant_threads", "checkpoints", "checkpoint_blobs", "checkpoint_writes")
    }


async def test_conversations_are_exported_and_erased_with_the_person(
    client: AsyncTestClient[Litestar], inbox: Inbox, core: Core,
    postgresql: psycopg.Connection[Any], database_url: str,
) -> None:  # fmt: skip
    email = "ai.erase@example.org"
    token, user = await login(client, inbox, email)
    _, other = await login(client, inbox, "ai.keep@example.org")
    mine, theirs = f"concierge-{uuid.uuid4()}", f"concierge-{uuid.uuid4()}"
    await core.assistants.owners.claim(mine, uuid.UUID(user["id"]), "concierge")
    await core.assistants.owners.claim(theirs, uuid.UUID(other["id"]), "concierge")
    await converse(database_url, mine)
    await converse(database_url, theirs)
    before = checkpoint_threads(postgresql)
    assert all(before[t] == {mine, theirs} for t in before), before

    await client.post("/api/v1/me/data-exports", headers=bearer(token))
    mail = await wait_for_mail(inbox, email, count=2)
    (link,) = re.findall(r"/api/v1/me/data-exports/\S+", mail)
    archive = (await client.get(link, headers=bearer(token))).json()
    (conversation,) = archive["sections"]["assistants"]["conversations"]
    assert conversation["thread_id"] == mine
    assert conversation["assistant"] == "concierge"

    assert (await client.post("/api/v1/me/erasure", headers=bearer(token))).status_code == 202

    def done() -> bool:
        postgresql.commit()
        return postgresql.execute("SELECT status FROM erasure_requests").fetchone() == ("done",)

    await eventually(done)
    after = checkpoint_threads(postgresql)
    assert all(after[t] == {theirs} for t in after), after
    audit = postgresql.execute(
        "SELECT details FROM audit_log_entries WHERE action = 'user.erase'"
    ).fetchone()
    assert audit is not None
    assert audit[0]["assistant_threads"] == 1
    assert audit[0]["checkpoints"] >= 1
