"""Accessible SVG charts, each drawn beside the table of its data.

A chart is for people who would rather look than read; the table is for everyone else (screen
readers, copying numbers, printing). Each SVG has ``role="img"``, a ``<title>`` and a ``<desc>``
that it is labelled by, and a ``<title>`` on every bar or point, so hovering shows the exact
value. Colours come from classes in ``static/css/reports.css`` (the Content-Security-Policy
forbids inline styles); geometry uses presentation attributes.

Callers pass text already translated; this module only draws.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 220
BAR_HEIGHT = 22
GAP = 10
LINE_HEIGHT = 240
#: The labels' font size in px (``.chart-label`` in ``reports.css``): text is measured with it.
FONT_SIZE = 13
#: Lines a bar's label may take; the rest is cut with "…" (the full text is in its ``<title>``).
LABEL_LINES = 2
ELLIPSIS = "…"


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


def text_width(text: str) -> float:
    """A generous estimate of ``text``'s width in px at ``FONT_SIZE``, without a font at hand
    (measured against DejaVu Sans, among the widest common sans-serif fonts): Chinese, Japanese
    and Korean characters (and full-width forms) and the widest Latin letters take a whole em,
    other capitals 0.75 em, digits 0.65 em and everything else 0.62 em."""
    ems = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in "WF" or char in _WIDEST:
            ems += 1.0
        elif char.isupper():
            ems += 0.75
        elif char.isdigit():
            ems += 0.65
        else:
            ems += 0.62
    return ems * FONT_SIZE


_WIDEST = frozenset("MWmw@%&")


#: Pieces a line may break after: one wide character, or a run of other text with its spaces.
_WIDE = r"\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_PIECES = re.compile(rf"[{_WIDE}]|[^\s{_WIDE}]+\s*|\s+")


def fit_lines(label: str, width: float, lines: int = LABEL_LINES) -> list[str]:
    """``label`` broken into at most ``lines`` lines that each fit ``width`` px, breaking
    between words (or between any two Chinese characters); what does not fit ends in "…"."""
    label = " ".join(label.split())
    out: list[str] = []
    current = ""
    for piece in _PIECES.findall(label):
        while piece:
            if text_width((current + piece).rstrip()) <= width:
                current, piece = current + piece, ""
            elif current.strip():
                out.append(current.rstrip())
                current = ""
                piece = piece.lstrip()
            else:  # a single word wider than a line: break it anywhere
                cut = len(piece)
                while cut > 1 and text_width(piece[:cut]) > width:
                    cut -= 1
                out.append(piece[:cut])
                piece = piece[cut:]
            if len(out) >= lines:
                break
        if len(out) >= lines:
            break
    if current.strip() and len(out) < lines:
        out.append(current.rstrip())
        current = ""
    shown = "".join(out).replace(" ", "")
    if len(shown) < len(label.replace(" ", "")):
        last = out[-1] if out else ""
        while last and text_width(last + ELLIPSIS) > width:
            last = last[:-1]
        out[-1:] = [last.rstrip() + ELLIPSIS]
    return out


def _label(x: float, y: float, label: str, width: float) -> str:
    """A bar's label, right-aligned at ``x`` around baseline ``y``: one or two lines that fit
    ``width``; a ``<title>`` with the whole text whenever part of it had to be cut."""
    lines = fit_lines(label, width)
    title = f"<title>{escape(label)}</title>" if lines[-1:] and lines[-1].endswith(ELLIPSIS) else ""
    if len(lines) <= 1:
        body = escape(lines[0] if lines else "")
        return (
            f'<text class="chart-label" x="{x}" y="{y:.1f}" text-anchor="end">{title}{body}</text>'
        )
    leading = FONT_SIZE + 1
    top = y - leading / 2
    spans = "".join(
        f'<tspan x="{x}" y="{top + index * leading:.1f}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return (
        f'<text class="chart-label" x="{x}" y="{top:.1f}" text-anchor="end">{title}{spans}</text>'
    )


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
    # Room on the right for the widest value written after its bar.
    values_width = max((text_width(fmt(value)) for _, value in points), default=0) + 12
    plot = WIDTH - LABEL_WIDTH - max(40.0, values_width)
    height = max(1, len(points)) * (BAR_HEIGHT + GAP) + GAP
    svg = _svg_open(chart_id, text, height)
    for index, (label, value) in enumerate(points):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = 0 if top <= 0 else max(0.0, min(1.0, value / top)) * plot
        x = LABEL_WIDTH + ((plot - length) / 2 if centred else 0)
        value_x = LABEL_WIDTH + plot + 6 if centred else x + length + 6
        svg.append(
            _label(LABEL_WIDTH - 8, y + BAR_HEIGHT * 0.7, label, LABEL_WIDTH - 12)
            + f'<rect class="chart-bar" x="{x:.1f}" y="{y}" width="{length:.1f}" '
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
    top = max((v for _, v in points), default=0) or 1
    # The y axis' labels are right-aligned 6 px left of the plot: leave them room.
    left = max(50, round(max(text_width(fmt(top * f)) for f in (0, 0.5, 1)) + 12))
    right, top_pad, bottom = 20, 16, 36
    plot_w = WIDTH - left - right
    plot_h = LINE_HEIGHT - top_pad - bottom
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
        label = points[index][0]
        [shown] = fit_lines(label, plot_w / 2 - 10, lines=1) or [""]
        title = f"<title>{escape(label)}</title>" if shown != label else ""
        svg.append(
            f'<text class="chart-label" x="{x:.1f}" y="{LINE_HEIGHT - 12}" '
            f'text-anchor="{anchor}">{title}{escape(shown)}</text>'
        )
    svg.append("</svg>")
    return _figure(chart_id, svg, _table(chart_id, text, points, fmt), not points, empty_text)
