"""Accessible SVG charts, each drawn beside the table of its data.

A chart is for people who would rather look than read; the table is for everyone else (screen
readers, copying numbers, printing). Each SVG has ``role="img"``, a ``<title>`` and a ``<desc>``
that it is labelled by, and a ``<title>`` on every bar or point, so hovering shows the exact
value. Colours come from classes in ``static/css/reports.css`` (the Content-Security-Policy
forbids inline styles); geometry uses presentation attributes.

Callers pass text already translated; this module only draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 220
BAR_HEIGHT = 22
GAP = 10
LINE_HEIGHT = 240
LABEL_CHARS = 22


@dataclass(frozen=True)
class ChartText:
    """The words around a chart: title, a one-sentence description, and the table's headers."""

    title: str
    description: str
    label_header: str
    value_header: str


Format = Callable[[float], str]


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def percent(value: float) -> str:
    """0.456 -> ``46%``."""
    return f"{round(value * 100)}%"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _svg_open(chart_id: str, text: ChartText, height: int) -> list[str]:
    return [
        f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(text.title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(text.description)}</desc>',
    ]


def _table(chart_id: str, text: ChartText, points: Sequence[tuple[str, float]], fmt: Format) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{escape(fmt(value))}</td></tr>'
        for label, value in points
    )
    return (
        f'<table class="chart-data" id="{chart_id}-data">'
        f"<caption>{escape(text.title)}</caption>"
        f'<thead><tr><th scope="col">{escape(text.label_header)}</th>'
        f'<th scope="col">{escape(text.value_header)}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _figure(chart_id: str, svg: list[str], table: str, empty: bool, empty_text: str) -> Markup:
    body = f'<p class="chart-empty">{escape(empty_text)}</p>' if empty else "".join(svg)
    return Markup(f'<figure class="chart" id="{chart_id}">{body}{table}</figure>')


def bar_chart(
    chart_id: str,
    text: ChartText,
    points: Sequence[tuple[str, float]],
    fmt: Format = _number,
    maximum: float | None = None,
    empty_text: str = "",
    centred: bool = False,
) -> Markup:
    """Horizontal bars, one per ``(label, value)``, scaled to ``maximum`` (default: the largest).

    ``centred`` draws each bar around the middle of the plot, which makes a funnel.
    """
    top = maximum if maximum is not None else max((v for _, v in points), default=0)
    plot = WIDTH - LABEL_WIDTH - 70
    height = max(1, len(points)) * (BAR_HEIGHT + GAP) + GAP
    svg = _svg_open(chart_id, text, height)
    for index, (label, value) in enumerate(points):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = 0 if top <= 0 else max(0.0, min(1.0, value / top)) * plot
        x = LABEL_WIDTH + ((plot - length) / 2 if centred else 0)
        value_x = LABEL_WIDTH + plot + 6 if centred else x + length + 6
        svg.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'text-anchor="end">{escape(_short(label))}</text>'
            f'<rect class="chart-bar" x="{x:.1f}" y="{y}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text class="chart-value" x="{value_x:.1f}" '
            f'y="{y + BAR_HEIGHT * 0.7:.1f}">{escape(fmt(value))}</text>'
        )
    svg.append("</svg>")
    return _figure(chart_id, svg, _table(chart_id, text, points, fmt), not points, empty_text)


def funnel_chart(
    chart_id: str,
    text: ChartText,
    steps: Sequence[tuple[str, float]],
    fmt: Format = _number,
    empty_text: str = "",
) -> Markup:
    """A funnel: how many are still there at each step, as centred bars scaled to the first."""
    top = steps[0][1] if steps else 0
    return bar_chart(chart_id, text, steps, fmt, maximum=top, empty_text=empty_text, centred=True)


def line_chart(
    chart_id: str,
    text: ChartText,
    points: Sequence[tuple[str, float]],
    fmt: Format = _number,
    empty_text: str = "",
) -> Markup:
    """A line through ``(label, value)`` points left to right, with the y axis from 0."""
    left, right, top_pad, bottom = 50, 20, 16, 36
    plot_w = WIDTH - left - right
    plot_h = LINE_HEIGHT - top_pad - bottom
    top = max((v for _, v in points), default=0) or 1
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0

    def xy(index: int, value: float) -> tuple[float, float]:
        x = left + (index * step if len(points) > 1 else plot_w / 2)
        return x, top_pad + plot_h * (1 - value / top)

    svg = _svg_open(chart_id, text, LINE_HEIGHT)
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        svg.append(
            f'<line class="chart-grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-label" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(top * fraction))}</text>"
        )
    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        svg.append(f'<polyline class="chart-line" fill="none" points="{path}"/>')
    for (label, value), (x, y) in zip(points, coords, strict=True):
        svg.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="4">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></circle>"
        )
    for index in sorted({0, len(points) - 1}) if points else ():
        x, _ = coords[index]
        anchor = "start" if index == 0 and len(points) > 1 else "end" if index else "middle"
        svg.append(
            f'<text class="chart-label" x="{x:.1f}" y="{LINE_HEIGHT - 12}" '
            f'text-anchor="{anchor}">{escape(points[index][0])}</text>'
        )
    svg.append("</svg>")
    return _figure(chart_id, svg, _table(chart_id, text, points, fmt), not points, empty_text)
