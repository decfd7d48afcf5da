"""SVG charts: accessible names, escaped labels, geometry that follows the data, a data table."""

import re
import xml.etree.ElementTree as ET

from course.reports.charts import ChartText, bar_chart, funnel_chart, line_chart, percent

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


def test_long_labels_are_shortened_in_the_picture_only():
    label = "这是一道非常非常长的题目文字，用来检查图表里的标签会被截短而表格里保留全文"
    _, svg, table = parts(bar_chart("t", TEXT, [(label, 1)]))
    shown = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert shown[0].endswith("…") and len(shown[0]) < len(label)
    assert table.find("tbody")[0][0].text == label
    assert re.fullmatch(r"\d+%", percent(0.456)) and percent(0.456) == "46%"
