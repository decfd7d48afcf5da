"""The one YAML reader: lines for every key and item, and one duplicate-key policy for course
files, quiz files and case front matter."""

from __future__ import annotations

import pytest

from course.cases.markup import read_case_file
from course.quizzes.formats import parse_quiz
from course.yamlsource import load_yaml


def test_lines_of_keys_and_items_with_an_offset():
    document, problems = load_yaml("title: x\nitems:\n  - a\n  - b: 1\n", "f.yaml", first_line=5)
    assert problems == []
    assert document.data == {"title": "x", "items": ["a", {"b": 1}]}
    assert (document.line("title"), document.line("items", 1, "b")) == (5, 8)
    assert document.line("missing") == 5
    assert str(document.problem("bad", "items", 0)) == "f.yaml:7: bad"


def test_a_duplicate_key_is_a_problem_at_its_second_line_and_reading_goes_on():
    text = "title: first\npoints: 1\ntitle: second\nnested:\n  a: 1\n  a: 2\n"
    document, problems = load_yaml(text, "f.yaml")
    assert [str(p) for p in problems] == [
        "f.yaml:3: duplicate key 'title'",
        "f.yaml:6: duplicate key 'a'",
    ]
    assert document.data == {"title": "first", "points": 1, "nested": {"a": 1}}
    assert document.line("title") == 1


def test_keys_are_plain_values():
    document, problems = load_yaml("? [a, b]\n: 1\nyes: 2\n1.5: 3\n7: 4\n", "f.yaml")
    assert [str(p) for p in problems] == ["f.yaml:1: a key must be a plain value"]
    assert document.data == {"True": 2, "1.5": 3, 7: 4}


def test_unreadable_yaml_names_its_line():
    document, problems = load_yaml("a: [\n  b\n", "f.yaml", first_line=2)
    assert document is None
    assert len(problems) == 1 and str(problems[0]).startswith("f.yaml:")
    assert "invalid YAML" in problems[0].message
    assert load_yaml("!!python/object:os.system {}\n", "f.yaml")[0] is None  # safe tags only


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda text: (parse_quiz(text, "q.yaml", ["en"])[1], 2), id="quiz"),
        pytest.param(lambda text: (read_case_file("q.yaml", f"---\n{text}---\n")[1], 3), id="case"),
    ],
)
def test_every_authored_file_reports_duplicates_alike(read):
    """Quizzes and case front matter here; course.yaml in tests/catalog/test_formats.py."""
    found, line = read("title: a\ntitle: b\n")
    problems = [str(p) for p in found]
    assert f"q.yaml:{line}: duplicate key 'title'" in problems
