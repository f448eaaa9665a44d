"""Server-rendered SVG charts for the console: geometry only (the Jinja macros in
``templates/dashboards/charts.html`` draw it). No numbers are computed here beyond
scaling what the use cases returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 360  # the viewBox width: text stays legible when the chart shrinks to a phone
LABEL_ROW = 20
BAR_HEIGHT = 18
ROW = LABEL_ROW + BAR_HEIGHT + 12
VALUE_ROOM = 64
LINE_HEIGHT = 180
LINE_PAD_LEFT = 36
LINE_PAD_RIGHT = 12
LINE_PAD_TOP = 12
LINE_PAD_BOTTOM = 28


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    text: str  # the value as shown (``12``, ``37,5 %``)
    y: int  # top of the bar
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int


def bar_chart(rows: Sequence[tuple[str, float, str]], maximum: float | None = None) -> BarChart:
    """Horizontal bars, one a row of ``(label, value, shown text)``, scaled to
    ``maximum`` (the largest value when not given)."""
    top = maximum if maximum is not None else max((value for _, value, _ in rows), default=0)
    room = WIDTH - VALUE_ROOM
    bars = tuple(
        Bar(
            label=label,
            text=text,
            y=i * ROW + LABEL_ROW,
            width=round(room * value / top, 1) if top > 0 and value > 0 else 0.0,
        )
        for i, (label, value, text) in enumerate(rows)
    )
    return BarChart(bars=bars, width=WIDTH, height=max(len(bars) * ROW, ROW))


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: str  # the polyline's "x,y x,y ..."
    dash: str  # a dash pattern, so the lines differ without colour


@dataclass(frozen=True, slots=True)
class LineChart:
    series: tuple[Series, ...]
    width: int
    height: int
    top_value: int
    first_label: str
    last_label: str
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


_DASHES = ("", "6 4", "2 3")


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> LineChart:
    """Lines over the ``labels`` (days), each ``(name, values a label)``."""
    top = max((max(values, default=0) for _, values in series), default=0)
    top = max(top, 1)
    left, right = LINE_PAD_LEFT, WIDTH - LINE_PAD_RIGHT
    upper, lower = LINE_PAD_TOP, LINE_HEIGHT - LINE_PAD_BOTTOM
    steps = max(len(labels) - 1, 1)

    def point(i: int, value: int) -> str:
        x = left + (right - left) * i / steps
        y = lower - (lower - upper) * value / top
        return f"{x:.1f},{y:.1f}"

    drawn = tuple(
        Series(
            name=name,
            points=" ".join(point(i, v) for i, v in enumerate(values)),
            dash=_DASHES[n % len(_DASHES)],
        )
        for n, (name, values) in enumerate(series)
    )
    return LineChart(
        series=drawn,
        width=WIDTH,
        height=LINE_HEIGHT,
        top_value=top,
        first_label=labels[0] if labels else "",
        last_label=labels[-1] if labels else "",
        plot_left=left,
        plot_right=right,
        plot_top=upper,
        plot_bottom=lower,
    )


def percent(rate: float | None) -> str:
    """``37,5 %`` (a rate of 0.375), or an em dash when there is nothing to divide."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')}\u00a0%"


def duration(seconds: float | None) -> str:
    """``2 ч 05 мин``, ``40 мин``, or an em dash."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}\u00a0ч {minutes:02d}\u00a0мин" if hours else f"{minutes}\u00a0мин"
