"""Dashboards: the booking funnel, self-check completion, moderation SLA and no-show rate
over a range of local days, drawn as SVG with a table beside each chart. The same
``analytics.dashboard`` use case as ``GET /api/v1/admin/dashboards/{name}`` (owner only)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from app.adapters.console.charts import bar_chart, duration, line_chart, percent
from app.adapters.console.formatting import format_date
from app.adapters.console.session import View
from app.application.analytics.ports import Completion, FunnelDay, NoShowRate
from app.application.analytics.service import AnalyticsService
from app.domain.errors import ValidationFailed

STEPS = (
    ("started", "Начали запись"),
    ("slot_selected", "Выбрали время"),
    ("held", "Забронировали"),
    ("paid", "Оплатили"),
)


def _parse(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("Дата должна быть в виде ГГГГ-ММ-ДД.", field="from") from None


def _funnel(rows: list[FunnelDay], first: date, last: date) -> dict[str, Any]:
    totals = {step: sum(getattr(r, step) for r in rows) for step, _ in STEPS}
    started = totals["started"]
    steps = [
        {
            "key": step,
            "label": label,
            "count": totals[step],
            "share": percent(totals[step] / started if started else None),
        }
        for step, label in STEPS
    ]
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(totals, 0))
    for row in rows:
        for step, _ in STEPS:
            per_day[row.day][step] += getattr(row, step)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = [per_day.get(day, dict.fromkeys(totals, 0)) for day in days]
    daily = [{"day": day, **c} for day, c in zip(days, counts, strict=True)]
    by_entry: dict[str, int] = defaultdict(int)
    for row in rows:
        by_entry[row.entry_point] += row.started
    return {
        "steps": steps,
        "chart": bar_chart([(s["label"], s["count"], str(s["count"])) for s in steps]),
        "daily": daily,
        "line": line_chart(
            [f"{d.day}.{d.month:02d}" for d in days],
            [
                ("Начали запись", [c["started"] for c in counts]),
                ("Оплатили", [c["paid"] for c in counts]),
            ],
        ),
        "entry_points": sorted(by_entry.items(), key=lambda kv: (-kv[1], kv[0])),
    }


class DashboardsPage(Controller):
    path = "/dashboards"

    @get("/", name="console_dashboards")
    async def dashboards(
        self,
        view: NamedDependency[View],
        analytics: NamedDependency[AnalyticsService],
        date_from: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
        date_to: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
    ) -> Template:
        principal = view.principal
        try:
            first, last = _parse(date_from), _parse(date_to)
            funnel = await analytics.dashboard(principal, "booking-funnel", first, last)
        except ValidationFailed as exc:
            return view.render(
                "dashboards/dashboards.html",
                status_code=422,
                error=exc.detail,
                date_from=date_from,
                date_to=date_to,
            )
        first = funnel.date_from.date()
        last = funnel.date_to.date() - timedelta(days=1)
        runs = await analytics.dashboard(principal, "interactives", first, last)
        sla = (await analytics.dashboard(principal, "moderation-sla", first, last)).moderation
        shows = await analytics.dashboard(principal, "no-show-rate", first, last)
        completions = [r for r in runs.items or () if isinstance(r, Completion)]
        no_shows = [r for r in shows.items or () if isinstance(r, NoShowRate)]
        funnel_rows = [r for r in funnel.items or () if isinstance(r, FunnelDay)]
        return view.render(
            "dashboards/dashboards.html",
            error=None,
            date_from=first.isoformat(),
            date_to=last.isoformat(),
            period=f"{format_date(first)} — {format_date(last)}",
            funnel=_funnel(funnel_rows, first, last),
            completions=completions,
            completion_chart=bar_chart(
                [(r.slug, r.completion_rate or 0, percent(r.completion_rate)) for r in completions],
                maximum=1,
            ),
            sla=sla,
            sla_chart=bar_chart(
                [
                    ("Поступило", sla.items_total, str(sla.items_total)),
                    ("Обработано", sla.items_handled, str(sla.items_handled)),
                    ("Просрочено", sla.breaches, str(sla.breaches)),
                ]
                if sla
                else []
            ),
            no_shows=no_shows,
            no_show_chart=bar_chart(
                [(r.title, r.no_show_rate, percent(r.no_show_rate)) for r in no_shows], maximum=1
            ),
            percent=percent,
            duration=duration,
        )
