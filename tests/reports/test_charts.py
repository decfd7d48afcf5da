"""SVG charts: accessible names, escaped labels, geometry that follows the data, a data table."""

import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from course.reports.charts import (
    WIDTH,
    ChartText,
    bar_chart,
    fit_lines,
    funnel_chart,
    line_chart,
    percent,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"
TEXT = ChartText("Lesson funnel", "How many trainees completed each lesson.", "Lesson", "Trainees")


def parts(markup):
    """The chart's SVG element and its data table, parsed as XML."""
    figure = ET.fromstring(str(markup))
    svg = figure.find(f"{SVG}svg")
    table = figure.find("table")
    return figure, svg, table


def test_bar_chart_is_labelled_and_carries_its_data_table():
    figure, svg, table = parts(bar_chart("c1", TEXT, [("一、为什么协作", 10), ("B <&>", 5)]))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").get("id") == "c1-title"
    assert svg.find(f"{SVG}title").text == "Lesson funnel"
    assert svg.find(f"{SVG}desc").text == TEXT.description
    rows = [[cell.text for cell in row] for row in table.find("tbody")]
    assert rows == [["一、为什么协作", "10"], ["B <&>", "5"]]
    assert table.find("caption").text == "Lesson funnel"
    assert "style=" not in str(figure.attrib) and "style=" not in ET.tostring(figure, "unicode")


def test_bar_lengths_are_proportional():
    _, svg, _ = parts(bar_chart("c2", TEXT, [("a", 8), ("b", 4), ("c", 0)]))
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert widths[0] > 0 and widths[1] == widths[0] / 2 and widths[2] == 0
    titles = [rect.find(f"{SVG}title").text for rect in svg.iter(f"{SVG}rect")]
    assert titles == ["a: 8", "b: 4", "c: 0"]


def test_funnel_scales_to_the_first_step_and_centres_bars():
    _, svg, _ = parts(funnel_chart("f", TEXT, [("enrolled", 10), ("lesson 1", 5)], percent))
    first, second = svg.iter(f"{SVG}rect")
    assert float(second.get("width")) == float(first.get("width")) / 2
    centre = lambda r: float(r.get("x")) + float(r.get("width")) / 2  # noqa: E731
    assert abs(centre(first) - centre(second)) < 0.2


def test_line_chart_points_follow_values():
    _, svg, table = parts(line_chart("l", TEXT, [("2026-01", 0), ("2026-02", 4), ("2026-03", 2)]))
    ys = [float(c.get("cy")) for c in svg.iter(f"{SVG}circle")]
    assert ys[1] < ys[2] < ys[0]  # higher value, smaller y
    points = svg.find(f"{SVG}polyline").get("points").split()
    assert len(points) == 3
    assert len(table.find("tbody")) == 3


def test_empty_chart_shows_a_message_instead_of_an_empty_picture():
    figure, svg, table = parts(bar_chart("e", TEXT, [], empty_text="No data yet."))
    assert svg is None
    assert figure.find("p").text == "No data yet."
    assert len(table.find("tbody")) == 0


def _shown_lines(text_element) -> list[str]:
    """The lines a ``<text>`` shows: its own text or its ``<tspan>``s (not its ``<title>``)."""
    spans = text_element.findall(f"{SVG}tspan")
    return [span.text for span in spans] if spans else [text_element.text or ""]


def _typical_width(text: str) -> float:
    """Width in px at 13 px in a common sans-serif: 1 em per Chinese character, ~7.5 px else."""
    return sum(13 if unicodedata.east_asian_width(c) in "WF" else 7.5 for c in text)


ZH_LONG = "这是一道非常非常长的题目文字，用来检查图表里的标签会被截短而表格里保留全文"
EN_LONG = "What is the main purpose of a handover note between shifts at the service desk?"


@pytest.mark.parametrize("label", [ZH_LONG, EN_LONG, "Supercalifragilisticexpialidocious" * 3])
def test_long_labels_fit_left_of_the_bars_and_keep_their_full_text(label):
    _, svg, table = parts(bar_chart("t", TEXT, [(label, 1), ("短", 2)]))
    texts = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    lines = _shown_lines(texts[0])
    assert 1 <= len(lines) <= 2 and lines[-1].endswith("…")
    right = float(texts[0].get("x"))
    for line in lines:
        # right-aligned at x: it must not run past the picture's left edge
        assert _typical_width(line) <= right - 4, line
        assert text_width(line) <= right
    assert texts[0].find(f"{SVG}title").text == label  # hovering shows the whole label
    assert table.find("tbody")[0][0].text == label  # and the table keeps it
    assert _shown_lines(texts[1]) == ["短"] and texts[1].find(f"{SVG}title") is None
    assert re.fullmatch(r"\d+%", percent(0.456)) and percent(0.456) == "46%"


def test_a_label_that_fits_on_two_lines_is_wrapped_whole():
    label = "第三章 服务窗口的团队协作与交接班"
    _, svg, _ = parts(bar_chart("w", TEXT, [(label, 1)]))
    text = next(t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label")
    lines = _shown_lines(text)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    assert fit_lines(label, 10_000) == [label]


def test_values_after_the_bars_stay_inside_the_picture():
    _, svg, _ = parts(bar_chart("v", TEXT, [("a", 123456789), ("b", 1)], lambda v: f"{v:,} 人"))
    values = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    for value in values:
        assert float(value.get("x")) + text_width(value.text) <= WIDTH


def test_line_chart_axis_labels_fit():
    points = [("2026-01", 0), ("2026-02", 123456)]
    _, svg, _ = parts(line_chart("y", TEXT, points, lambda v: f"{v:,.0f}"))
    axis = [t for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    for label in axis:
        if label.text and label.text[0].isdigit() and "-" not in label.text:
            assert float(label.get("x")) - text_width(label.text) >= 0, label.text
