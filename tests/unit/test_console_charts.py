"""The console's SVG chart geometry and its Russian number texts."""

from __future__ import annotations

from app.adapters.console.charts import WIDTH, bar_chart, duration, line_chart, percent


def test_bars_scale_to_the_largest_value_or_the_given_maximum() -> None:
    chart = bar_chart([("a", 4, "4"), ("b", 2, "2"), ("c", 0, "0")])
    widths = [bar.width for bar in chart.bars]
    assert widths[0] > 0
    assert widths[1] == widths[0] / 2
    assert widths[2] == 0
    assert [bar.y for bar in chart.bars] == sorted({bar.y for bar in chart.bars})
    half = bar_chart([("rate", 0.5, "50 %")], maximum=1).bars[0]
    assert half.width == bar_chart([("x", 1, "1")], maximum=2).bars[0].width


def test_empty_or_all_zero_bars_are_drawn_without_dividing_by_zero() -> None:
    assert bar_chart([]).bars == ()
    assert bar_chart([]).height > 0
    assert bar_chart([("a", 0, "0")]).bars[0].width == 0


def test_lines_span_the_plot_and_keep_zero_on_the_axis() -> None:
    chart = line_chart(["1.12", "2.12", "3.12"], [("a", [0, 5, 10]), ("b", [0, 0, 0])])
    first = chart.series[0].points.split()
    assert first[0] == f"{chart.plot_left:.1f},{chart.plot_bottom:.1f}"
    assert first[-1] == f"{chart.plot_right:.1f},{chart.plot_top:.1f}"
    assert chart.top_value == 10
    assert chart.series[0].dash != chart.series[1].dash
    assert chart.plot_right <= WIDTH
    assert (chart.first_label, chart.last_label) == ("1.12", "3.12")
    flat = line_chart(["1.12"], [("a", [0])])
    assert flat.top_value == 1
    assert line_chart([], []).series == ()


def test_percent_and_duration_texts() -> None:
    assert percent(0.375) == "37,5\u00a0%"
    assert percent(1) == "100\u00a0%"
    assert percent(0) == "0\u00a0%"
    assert percent(None) == "—"
    assert duration(None) == "—"
    assert duration(40 * 60) == "40\u00a0мин"
    assert duration(2 * 3600 + 5 * 60) == "2\u00a0ч 05\u00a0мин"
