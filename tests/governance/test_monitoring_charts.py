"""governance.charts: the layout of the server-drawn SVG charts."""

from __future__ import annotations

import datetime as dt

from governance.charts import Sample, nice_ticks, time_chart


def _at(hours: float) -> dt.datetime:
    return dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(hours=hours)


def test_a_chart_places_points_inside_the_plot_and_higher_values_higher():
    chart = time_chart([Sample(_at(h), v, 5, v <= 5) for h, v in ((0, 0), (1, 10), (2, 5))], title="t")

    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.right
    assert all(chart.top <= y <= chart.bottom for y in ys)
    assert ys[1] < ys[2] < ys[0]  # 10 above 5 above 0 (SVG y grows downwards)
    assert [p.state for p in chart.points] == ["pass", "fail", "pass"]
    assert chart.threshold_line.startswith(f"M{chart.left},{ys[2]}")


def test_a_threshold_that_changes_between_versions_is_drawn_as_a_step():
    chart = time_chart([Sample(_at(0), 1, 0, False), Sample(_at(1), 1, 5, True)], title="t")

    assert chart.threshold_line.count("L") == 3  # up at the second run, then to the right edge


def test_an_unmeasured_run_breaks_the_line_and_is_a_failure_mark():
    samples = [
        Sample(_at(0), 1, 0, False),
        Sample(_at(1), 2, 0, False),
        Sample(_at(2), None, 0, False),
        Sample(_at(3), 3, 0, False),
        Sample(_at(4), 4, 0, False),
    ]
    chart = time_chart(samples, title="t")

    assert chart.line.count("M") == 2 and chart.points[2].y is None and chart.failures == 5


def test_an_empty_chart_says_so_and_a_single_point_sits_in_the_middle():
    assert time_chart([], title="Row count").empty
    one = time_chart([Sample(_at(0), 7)], title="Row count", unit="rows")
    assert one.points[0].x == (one.left + one.right) / 2 and "latest 7 rows" in one.description


def test_ticks_are_round_numbers_covering_the_range():
    assert nice_ticks(0, 97) == [0, 25, 50, 75, 100]
    assert nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1]
