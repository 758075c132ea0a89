"""Small time-series charts, laid out in Python and drawn as inline SVG by a template.

No chart library and no script: the CSP forbids inline scripts and the pages must work
without JavaScript. A chart is a list of measurements over time (the counted value, the
threshold in force at that time, passed or failed); `time_chart()` turns it into coordinates,
a polyline path, a stepped threshold path, axis ticks and pass/fail marks, all in the SVG's
own units, so `templates/governance/monitoring/chart.html` only prints numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    at: dt.datetime
    value: float | None  # None: the check could not measure (drawn as a mark, not a point)
    threshold: float | None = None
    passed: bool | None = None  # None: a plain metric, no pass/fail
    label: str = ""  # what a tooltip adds (a run number, a version)


@dataclass
class Point:
    x: float
    y: float | None
    sample: Sample
    tooltip: str
    dot: bool = True  # drawn as a circle (a sparkline draws only failures and the newest)

    @property
    def mark_x(self) -> float:
        return round(self.x - 1.5, 2)

    @property
    def state(self) -> str:
        if self.sample.passed is None:
            return "plain"
        return "pass" if self.sample.passed else "fail"


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    compact: bool
    title: str
    description: str
    unit: str
    points: list[Point] = field(default_factory=list)
    line: str = ""  # SVG path through the measured values
    threshold_line: str = ""  # stepped SVG path of the threshold in force
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    mark_y: float = 0.0  # where the pass/fail marks sit (under the plot)
    mark_height: float = 0.0
    label_y: float = 0.0  # the baseline of the dates under the plot

    @property
    def ylabel_x(self) -> float:
        return self.left - 8

    @property
    def empty(self) -> bool:
        return not self.points

    @property
    def has_marks(self) -> bool:
        return any(p.sample.passed is not None for p in self.points)

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def failures(self) -> int:
        return sum(1 for p in self.points if p.sample.passed is False)


def format_number(value: float | None, unit: str = "") -> str:
    """3 -> "3", 99.5 -> "99.5", 1234567 -> "1,234,567", 0.000123 -> "0.000123"; with a unit."""
    if value is None:
        return "not measured"
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.1f}"
    else:
        text = f"{value:.4g}" if abs(value) >= 0.001 else f"{value:.3g}"
    if not unit:
        return text
    if unit == "%":
        return f"{text}%"
    if unit in ("rows", "columns") and value == 1:
        unit = unit[:-1]
    return f"{text} {unit}"


def nice_ticks(low: float, high: float, count: int = 4, *, integer: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [low, high]; whole
    numbers only when `integer` (counts of rows have no half rows)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, math.ceil(step))
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step * 0.5 and len(ticks) < count + 3:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _time_label(at: dt.datetime, span: dt.timedelta) -> str:
    if span <= dt.timedelta(days=1):
        return at.strftime("%H:%M")
    if span <= dt.timedelta(days=120):
        return f"{at:%b} {at.day}"
    return at.strftime("%b %Y")


def _tooltip(sample: Sample, unit: str) -> str:
    parts = [sample.at.strftime("%Y-%m-%d %H:%M UTC"), format_number(sample.value, unit)]
    if sample.threshold is not None:
        parts.append(f"threshold {format_number(sample.threshold, unit)}")
    if sample.passed is not None:
        parts.append("passed" if sample.passed else "failed")
    if sample.label:
        parts.append(sample.label)
    return " · ".join(parts)


def time_chart(
    samples: list[Sample],
    *,
    title: str,
    unit: str = "",
    compact: bool = False,
    width: int | None = None,
    height: int | None = None,
) -> Chart:
    """Lay out `samples` (any order) on a time axis. Compact charts (sparklines in a table)
    have no axes; full charts have y ticks on the left and dates under the plot, and both
    show pass/fail marks under the plot when the samples have them."""
    samples = sorted(samples, key=lambda s: s.at)
    width = width or (168 if compact else 720)
    height = height or (40 if compact else 240)
    has_marks = any(s.passed is not None for s in samples)
    if compact:
        left, right, top = 3.0, width - 3.0, 4.0
        bottom = height - (11.0 if has_marks else 4.0)
    else:
        left, right, top = 64.0, width - 16.0, 14.0
        bottom = height - (52.0 if has_marks else 34.0)
    chart = Chart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        compact=compact,
        title=title,
        unit=unit,
        description="",
        mark_y=bottom + (5.0 if compact else 10.0),
        mark_height=5.0 if compact else 9.0,
        label_y=bottom + (40.0 if has_marks else 20.0),
    )
    if not samples:
        chart.description = f"{title}: no measurements yet."
        return chart

    values = [s.value for s in samples if s.value is not None]
    values += [s.threshold for s in samples if s.threshold is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    integer = all(float(v).is_integer() for v in values)
    if compact:
        # A sparkline shows the change: its range is the data's (and the threshold's), padded.
        pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
        low, high = low - pad, high + pad
    else:
        low = min(low, 0.0)  # an axis of counts and percentages reads best from zero
        if high == low:
            high = low + (abs(low) or 1.0)
        ticks = nice_ticks(low, high, integer=integer)
        low, high = min(low, ticks[0]), max(high, ticks[-1])

    first, last = samples[0].at, samples[-1].at
    span = last - first
    seconds = span.total_seconds()

    def x_of(at: dt.datetime) -> float:
        if seconds <= 0:
            return (left + right) / 2
        return left + (at - first).total_seconds() / seconds * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    for i, s in enumerate(samples):
        y = None if s.value is None else round(y_of(s.value), 2)
        chart.points.append(
            Point(
                x=round(x_of(s.at), 2),
                y=y,
                sample=s,
                tooltip=_tooltip(s, unit),
                dot=y is not None and (not compact or s.passed is False or i == len(samples) - 1),
            )
        )

    # The measured line breaks where a run could not measure.
    segments, current = [], []
    for p in chart.points:
        if p.y is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(p)
    if current:
        segments.append(current)
    chart.line = " ".join("M" + " L".join(f"{p.x},{p.y}" for p in seg) for seg in segments if len(seg) > 1)

    # The threshold is a step function: a new contract version may move it.
    steps, previous = [], None
    for p in chart.points:
        t = p.sample.threshold
        if t is None:
            previous = None
            continue
        y = round(y_of(t), 2)
        if previous is None:
            steps.append(f"M{left if not steps else p.x},{y}")
        elif previous != y:
            steps.append(f"L{p.x},{previous} L{p.x},{y}")
        previous = y
    if steps and previous is not None:
        steps.append(f"L{right},{previous}")
    chart.threshold_line = " ".join(steps)

    if not compact:
        chart.y_ticks = [Tick(round(y_of(v), 2), format_number(v)) for v in ticks]
        chart.x_ticks = _x_ticks(first, last, x_of, left, right)
    chart.description = _describe(chart, samples, unit)
    return chart


def _x_ticks(first, last, x_of, left, right) -> list[Tick]:
    span = last - first
    if span.total_seconds() <= 0:
        return [Tick(round((left + right) / 2, 2), _time_label(first, dt.timedelta(days=1)))]
    ticks = []
    for i in range(5):
        at = first + span * i / 4
        ticks.append(Tick(round(x_of(at), 2), _time_label(at, span)))
    # Two identical labels next to each other say nothing: keep the first of each.
    unique, seen = [], set()
    for t in ticks:
        if t.label not in seen:
            unique.append(t)
            seen.add(t.label)
    return unique


def _describe(chart: Chart, samples: list[Sample], unit: str) -> str:
    latest = samples[-1]
    text = (
        f"{chart.title}: {len(samples)} measurement{'s' if len(samples) != 1 else ''} from "
        f"{samples[0].at:%Y-%m-%d %H:%M} to {latest.at:%Y-%m-%d %H:%M} UTC; latest "
        f"{format_number(latest.value, unit)}"
    )
    if latest.threshold is not None:
        text += f" against a threshold of {format_number(latest.threshold, unit)}"
    if chart.has_marks:
        text += f"; {chart.failures} failed"
    return text + "."
