"""The private diary: only with the health_data consent, only its author, ciphertext in
the database and plaintext through the API."""

from __future__ import annotations

from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.e2e.identity_helpers import bearer
from tests.e2e.staff import signed_in

DIARY = "/api/v1/me/diary"
ENTRY = {"entry_date": "2026-11-20", "mood": 3, "text": "Тревожно перед разговором с мамой",
         "tags": ["семья", "тревога"]}  # fmt: skip


async def consent(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> None:
    given = await client.post(
        "/api/v1/me/consents",
        json={"consent_type": "health_data", "granted": True, "document_version": "2026-01"},
        headers=headers,
    )
    assert given.status_code in (200, 201), given.text


async def test_without_the_health_data_consent_the_diary_is_closed(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    anna = bearer(signed_in(postgresql, "client"))
    for method, path, body in (("GET", DIARY, None), ("POST", DIARY, ENTRY)):
        answer = await client.request(method, path, json=body, headers=anna)
        assert (answer.status_code, answer.json()["code"]) == (403, "consent_required")
    assert (await client.get(DIARY)).status_code == 401
    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM diary_entries").fetchone() == (0,)


async def test_write_read_edit_delete_with_ciphertext_at_rest(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    anna = bearer(signed_in(postgresql, "client"))
    await consent(client, anna)
    created = await client.post(DIARY, json=ENTRY, headers=anna)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert {k: entry[k] for k in ENTRY} == ENTRY
    assert created.headers["cache-control"] == "no-store"

    postgresql.commit()
    stored = postgresql.execute("SELECT body_encrypted FROM diary_entries").fetchone()[0]  # type: ignore[index]
    assert stored.startswith("enc:v1:")
    assert "мамой" not in stored
    assert "семья" not in stored

    listed = await client.get(DIARY, params={"from": "2026-11-01", "to": "2026-11-30"},
                              headers=anna)  # fmt: skip
    assert [e["text"] for e in listed.json()["items"]] == [ENTRY["text"]]
    outside = await client.get(DIARY, params={"from": "2026-10-01", "to": "2026-10-31"},
                               headers=anna)  # fmt: skip
    assert outside.json()["items"] == []

    path = f"{DIARY}/{entry['id']}"
    stale = await client.put(path, json={**ENTRY, "text": "Новое", "version": 7}, headers=anna)
    assert stale.status_code == 412
    edited = await client.put(
        path, json={**ENTRY, "text": "Стало спокойнее", "version": entry["version"]},
        headers=anna,
    )  # fmt: skip
    assert (edited.json()["text"], edited.json()["version"]) == ("Стало спокойнее", 2)
    assert (await client.get(path, headers=anna)).json()["text"] == "Стало спокойнее"
    assert (await client.delete(path, headers=anna)).status_code == 204
    assert (await client.get(path, headers=anna)).status_code == 404
    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM diary_entries").fetchone() == (0,)


async def test_someone_elses_entry_is_not_found(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    anna, boris = (bearer(signed_in(postgresql, "client")) for _ in range(2))
    await consent(client, anna)
    await consent(client, boris)
    entry = (await client.post(DIARY, json=ENTRY, headers=anna)).json()
    path = f"{DIARY}/{entry['id']}"
    for method, body in (("GET", None), ("PUT", {**ENTRY, "version": 1}), ("DELETE", None)):
        answer = await client.request(method, path, json=body, headers=boris)
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found"), method
    assert (await client.get(DIARY, params={"from": "2026-11-01", "to": "2026-11-30"},
                             headers=boris)).json()["items"] == []  # fmt: skip
    assert (await client.get(path, headers=anna)).json()["text"] == ENTRY["text"]


async def test_bad_diary_input_is_a_clear_problem(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    anna = bearer(signed_in(postgresql, "client"))
    await consent(client, anna)
    for body in ({**ENTRY, "mood": 11}, {**ENTRY, "entry_date": "вчера"},
                 {**ENTRY, "tags": ["x" * 51]}, {"text": "без даты"}):  # fmt: skip
        answer = await client.post(DIARY, json=body, headers=anna)
        assert (answer.status_code, answer.json()["code"]) == (422, "validation_failed"), body
    for params in ({"from": "2026-11-30", "to": "2026-11-01"},
                   {"from": "2024-01-01", "to": "2026-01-01"}):  # fmt: skip
        answer = await client.get(DIARY, params=params, headers=anna)
        assert answer.status_code == 422, params
