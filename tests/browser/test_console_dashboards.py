"""Dashboards: SVG charts with tables beside them, the same numbers as the analytics API
for the same range of days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.browser.conftest import ConsoleServer

Snap = Callable[[Any, str], list[Path]]
A11y = Callable[[Any], None]
STEPS = ("started", "slot_selected", "held", "paid")


def _range() -> tuple[str, str]:
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    return (today - timedelta(days=13)).isoformat(), today.isoformat()


def test_the_dashboards_draw_the_numbers_of_the_analytics_api(
    signed_in_page: Callable[[str], Any], console: ConsoleServer, snap: Snap, check_a11y: A11y
) -> None:
    for n, name in enumerate(("booking.started", "booking.started", "booking.slot_selected")):
        sent = httpx.post(
            console.url("/api/v1/events"),
            json={"name": name, "anonymous_id": f"visitor-{n:04d}", "props": {"entry": "site"}},
            timeout=10,
        )
        assert sent.status_code == 202, sent.text
    first, last = _range()
    page = signed_in_page("owner")
    page.goto("/console/dashboards")
    page.fill("#from", first)
    page.fill("#to", last)
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url(f"**/console/dashboards?from={first}&to={last}")

    query = {"from": first, "to": last}
    funnel = console.api("GET", "/api/v1/admin/dashboards/booking-funnel", params=query)
    assert funnel.status_code == 200, funnel.text
    for step in STEPS:
        expected = sum(row[step] for row in funnel.json()["items"])
        assert page.get_by_test_id(f"funnel-{step}").inner_text() == str(expected)
    assert int(page.get_by_test_id("funnel-started").inner_text()) >= 2

    sla = console.api("GET", "/api/v1/admin/dashboards/moderation-sla", params=query).json()
    assert page.get_by_test_id("sla-total").inner_text().startswith(f"{sla['items_total']} ")
    assert page.get_by_test_id("sla-handled").inner_text() == str(sla["items_handled"])
    assert page.get_by_test_id("sla-breaches").inner_text() == str(sla["breaches"])

    shows = console.api("GET", "/api/v1/admin/dashboards/no-show-rate", params=query).json()
    rows = page.get_by_test_id("noshow-table").locator("tbody tr")
    assert (rows.count() if shows["items"] else 0) == len(shows["items"])
    runs = console.api("GET", "/api/v1/admin/dashboards/interactives", params=query).json()
    rows = page.get_by_test_id("completion-table").locator("tbody tr")
    assert (rows.count() if runs["items"] else 0) == len(runs["items"])

    for chart in ("funnel-chart", "funnel-daily", "sla-chart"):
        svg = page.get_by_test_id(chart)
        assert svg.get_attribute("role") == "img"
    assert page.get_by_role("img", name="Воронка записи за период").count() == 1
    bars = page.get_by_test_id("funnel-chart").locator("rect")
    assert bars.count() == len(STEPS)
    assert float(bars.first.get_attribute("width") or 0) > 0
    snap(page, "dashboards")
    check_a11y(page)


def test_a_reversed_range_is_refused_on_the_form(
    signed_in_page: Callable[[str], Any],
) -> None:
    first, last = _range()
    page = signed_in_page("owner")
    page.goto(f"/console/dashboards?from={last}&to={first}")
    assert page.get_by_role("alert").count() == 1
    assert page.locator("#from").input_value() == last
    assert page.get_by_test_id("funnel-chart").count() == 0


def test_an_assistant_is_refused_the_dashboards(
    signed_in_page: Callable[[str], Any],
) -> None:
    page = signed_in_page("assistant")
    response = page.goto("/console/dashboards")
    assert response is not None
    assert response.status == 403
    assert page.get_by_test_id("error-code").inner_text() == "forbidden"
