"""The score trend as an SVG drawn on the server: the CSP forbids inline scripts (and inline
styles), so the chart is plain markup with presentation attributes and CSS classes."""

from __future__ import annotations

import datetime as dt

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36


def trend_svg(
    points: list[tuple[dt.date, float]], *, links: list[str] | None = None, title: str = "Organization score"
) -> SafeString:
    """A line of scores (0-100) over report dates, oldest first; every point has a tooltip and
    links to `links[i]` (the products of that report)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    # The axis starts at the lowest score rounded down to ten (below a 5-point margin), so a
    # move from 96 to 91 is visible instead of a flat line at the top of 0-100.
    low = max(0, int((min((s for _, s in points), default=0) - 5) // 10 * 10))
    ticks = sorted({low, low + (100 - low) // 2, 100})

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(score: float) -> float:
        return TOP + plot_h * (1 - (max(low, min(100.0, score)) - low) / (100 - low))

    grid = format_html_join(
        "",
        '<line class="chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>',
        ((LEFT, WIDTH - RIGHT, f"{y(v):.1f}", f"{y(v):.1f}", LEFT - 6, f"{y(v) + 4:.1f}", v) for v in ticks),
    )
    if not points:
        body = format_html(
            '<text class="chart__label" x="{}" y="{}" text-anchor="middle">No report yet</text>',
            WIDTH / 2,
            HEIGHT / 2,
        )
    else:
        coords = " ".join(f"{x(i):.1f},{y(s):.1f}" for i, (_, s) in enumerate(points))
        dots = format_html_join(
            "",
            '<a href="{}"><circle class="chart__dot" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle></a>',
            (
                (links[i] if links else "#", f"{x(i):.1f}", f"{y(s):.1f}", d.isoformat(), f"{s:g}")
                for i, (d, s) in enumerate(points)
            ),
        )
        first, last = points[0][0], points[-1][0]
        dates = format_html(
            '<text class="chart__label" x="{}" y="{}" text-anchor="start">{}</text>'
            '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>',
            LEFT,
            HEIGHT - 10,
            first.isoformat(),
            WIDTH - RIGHT,
            HEIGHT - 10,
            last.isoformat(),
        )
        body = format_html('<polyline class="chart__line" fill="none" points="{}"/>{}{}', coords, dots, dates)
    latest = f"latest {points[-1][1]:g} on {points[-1][0].isoformat()}" if points else "no report yet"
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="trend-title trend-desc" '
        'xmlns="http://www.w3.org/2000/svg"><title id="trend-title">{}</title>'
        '<desc id="trend-desc">{} reports, {}</desc>{}{}</svg>',
        WIDTH,
        HEIGHT,
        title,
        len(points),
        latest,
        grid,
        mark_safe(body),  # noqa: S308 - built with format_html above
    )
