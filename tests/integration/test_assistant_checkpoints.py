"""LangGraph conversation state in PostgreSQL, encrypted: a real graph over the test
database through the application's saver; no conversation text at rest; resuming from
the stored state and across two savers (an interrupt confirmed after a restart)."""

from __future__ import annotations

import operator
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypedDict

import psycopg
import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import Command, interrupt

from app.adapters.llm.checkpoints import (
    CheckpointDecryptionFailed,
    KeyringCheckpointCipher,
    OpenCheckpointer,
    open_checkpointer,
)
from app.keyring import Keyring

KEYRING = Keyring.parse("old1:" + "o" * 43 + ",new2:" + "n" * 43)
PHRASE = "Сиреневый жираф ZEBRA-4417"
TOPIC = "тревога перед экзаменом ZEBRA-4417"


class Chat(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    topic: str
    turns: Annotated[int, operator.add]
    confirmed: str


def reply(state: Chat) -> dict[str, Any]:
    said = state["messages"][-1].content
    return {"messages": [AIMessage(f"Вы сказали: {said}")], "topic": TOPIC, "turns": 1}


def confirm(state: Chat) -> dict[str, Any]:
    answer = interrupt({"question": f"Подтвердить? {PHRASE}"})
    return {"confirmed": str(answer)}


def chat_graph(saver: Any, *, with_confirmation: bool = False) -> Any:
    graph = StateGraph(Chat)
    graph.add_node("reply", reply)
    graph.add_edge(START, "reply")
    if with_confirmation:
        graph.add_node("confirm", confirm)
        graph.add_edge("reply", "confirm")
        graph.add_edge("confirm", END)
    else:
        graph.add_edge("reply", END)
    return graph.compile(checkpointer=saver)


def config(thread_id: str) -> Any:
    # A value of the run's config that LangGraph would copy into the metadata.
    return {"configurable": {"thread_id": thread_id, "note": PHRASE}}


@pytest.fixture
async def opened(database_url: str) -> AsyncIterator[OpenCheckpointer]:
    checkpointer = await open_checkpointer(database_url, KEYRING)
    try:
        yield checkpointer
    finally:
        await checkpointer.close()


def assert_no_plaintext(db: psycopg.Connection[Any], *phrases: str) -> None:
    counted = 0
    for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
        for row in db.execute(f"SELECT * FROM {table}").fetchall():  # noqa: S608 (fixed names)
            counted += 1
            for value in row:
                for phrase in phrases:
                    for part in (phrase, *phrase.split()):
                        if isinstance(value, bytes | memoryview):
                            assert part.encode() not in bytes(value), (table, part)
                        else:
                            assert part not in str(value), (table, part)
        whole = db.execute(f"SELECT string_agg(t::text, ' ') FROM {table} t").fetchone()  # noqa: S608
        assert whole is not None
        for phrase in phrases:
            assert phrase not in (whole[0] or "")
    assert counted > 0


async def test_a_conversation_is_stored_encrypted_and_resumes(
    opened: OpenCheckpointer, postgresql: psycopg.Connection[Any]
) -> None:
    graph = chat_graph(opened.saver)
    thread = str(uuid.uuid4())
    first = await graph.ainvoke({"messages": [HumanMessage(PHRASE)], "turns": 0}, config(thread))
    assert first["messages"][-1].content == f"Вы сказали: {PHRASE}"

    postgresql.commit()
    assert_no_plaintext(postgresql, PHRASE, TOPIC)
    types = {r[0] for r in postgresql.execute("SELECT type FROM checkpoint_blobs").fetchall()}
    assert types
    assert all(t.endswith("+aesgcm:old1") for t in types), types
    inline = postgresql.execute(
        "SELECT checkpoint -> 'channel_values', metadata FROM checkpoints"
    ).fetchall()
    assert all(values == {} for values, _ in inline)
    assert all("note" not in metadata for _, metadata in inline)

    # A new saver (another process) continues the same conversation from the database.
    again = await open_checkpointer(str(opened.pool.conninfo), KEYRING)
    try:
        resumed = await chat_graph(again.saver).ainvoke(
            {"messages": [HumanMessage("второй вопрос")]}, config(thread)
        )
    finally:
        await again.close()
    assert [m.content for m in resumed["messages"]] == [
        PHRASE, f"Вы сказали: {PHRASE}", "второй вопрос", "Вы сказали: второй вопрос",
    ]  # fmt: skip
    assert resumed["topic"] == TOPIC
    assert resumed["turns"] == 2


async def test_an_interrupt_is_resumed_by_another_saver(
    database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    thread = str(uuid.uuid4())
    first = await open_checkpointer(database_url, KEYRING)
    try:
        paused = await chat_graph(first.saver, with_confirmation=True).ainvoke(
            {"messages": [HumanMessage(PHRASE)], "turns": 0}, config(thread)
        )
    finally:
        await first.close()
    assert paused["__interrupt__"][0].value == {"question": f"Подтвердить? {PHRASE}"}
    postgresql.commit()
    assert_no_plaintext(postgresql, PHRASE, TOPIC, "Подтвердить")

    # After a "restart", with a rotated keyring: the old key still decrypts.
    rotated = Keyring(keys=KEYRING.keys, primary="new2")
    second = await open_checkpointer(database_url, rotated)
    try:
        graph = chat_graph(second.saver, with_confirmation=True)
        done = await graph.ainvoke(Command(resume="да"), config(thread))
        state = await graph.aget_state(config(thread))
    finally:
        await second.close()
    assert done["confirmed"] == "да"
    assert done["messages"][-1].content == f"Вы сказали: {PHRASE}"
    assert state.next == ()
    types = {r[0] for r in postgresql.execute("SELECT type FROM checkpoint_blobs").fetchall()}
    assert any(t.endswith("+aesgcm:new2") for t in types)


async def test_a_saver_without_the_key_or_with_plaintext_rows_refuses_to_read(
    opened: OpenCheckpointer, database_url: str, postgresql: psycopg.Connection[Any]
) -> None:
    thread = str(uuid.uuid4())
    await chat_graph(opened.saver).ainvoke(
        {"messages": [HumanMessage(PHRASE)], "turns": 0}, config(thread)
    )
    stranger = await open_checkpointer(database_url, Keyring.parse("other:" + "x" * 43))
    try:
        with pytest.raises(CheckpointDecryptionFailed):
            await stranger.saver.aget_tuple(config(thread))
    finally:
        await stranger.close()
    postgresql.commit()
    postgresql.execute("UPDATE checkpoint_blobs SET type = 'msgpack' WHERE channel = 'topic'")
    postgresql.commit()
    with pytest.raises(CheckpointDecryptionFailed):
        await opened.saver.aget_tuple(config(thread))


async def test_setup_is_never_needed_and_refused(opened: OpenCheckpointer) -> None:
    with pytest.raises(RuntimeError):
        await opened.saver.setup()  # type: ignore[attr-defined]


def test_the_cipher_names_its_key_and_binds_its_use() -> None:
    cipher = KeyringCheckpointCipher(KEYRING)
    name, sealed = cipher.encrypt(b"secret")
    assert name == "aesgcm:old1"
    assert b"secret" not in sealed
    assert cipher.decrypt(name, sealed) == b"secret"
    with pytest.raises(CheckpointDecryptionFailed):
        cipher.decrypt("aesgcm:new2", sealed)
    with pytest.raises(CheckpointDecryptionFailed):
        cipher.decrypt(name, sealed[:-1] + bytes([sealed[-1] ^ 1]))
