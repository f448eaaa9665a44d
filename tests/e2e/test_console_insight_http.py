"""Dashboards and settings pages over HTTP without a browser: the range form's errors,
the audit log's pages, a setting that does not fit its key."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.e2e.staff import signed_in

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
ROW = re.compile(r"<code>setting\.update</code>")


async def _owner(client: AsyncTestClient[Litestar], db: psycopg.Connection[Any]) -> str:
    client.cookies.set("eb_console", signed_in(db, "owner"), path="/console")
    page = await client.get("/console/settings")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token
    return token.group(1)


async def test_the_dashboards_answer_a_bad_range_on_the_form(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    await _owner(client, postgresql)
    page = await client.get("/console/dashboards")
    assert page.status_code == 200, page.text
    assert page.text.count('role="img"') == 3  # no self-checks or appointments yet
    for query in ("from=2026-02-30", "from=2026-03-02&to=2026-03-01", "from=2020-01-01&to=2026-01-01"):  # fmt: skip
        refused = await client.get(f"/console/dashboards?{query}")
        assert refused.status_code == 422
        assert 'role="alert"' in refused.text
        assert 'id="from"' in refused.text


async def test_the_audit_log_pages_through_its_entries(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _owner(client, postgresql)
    for minutes in range(10, 61):
        saved = await client.post(
            "/console/settings/runtime/booking.hold_minutes",
            data={"value": str(minutes), "_csrf_token": token},
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
    first = await client.get("/console/settings/audit?action=setting.update")
    assert first.status_code == 200, first.text
    assert len(ROW.findall(first.text)) == 50
    more = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert more
    second = await client.get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200, second.text
    assert len(ROW.findall(second.text)) == 1
    assert 'rel="next"' not in second.text


async def test_a_setting_that_does_not_fit_its_key_is_not_saved(
    client: AsyncTestClient[Litestar], postgresql: psycopg.Connection[Any]
) -> None:
    token = await _owner(client, postgresql)
    refused = await client.post(
        "/console/settings/runtime/booking.reminder_offsets_hours",
        data={"value": "[24, 24]", "_csrf_token": token},
    )
    assert refused.status_code == 200
    assert "Настройка не сохранена" in refused.text
    assert "[24,2]" in refused.text  # the stored value, unchanged
