"""GIFT import (one case per construct), errors with their line, export, and round trips."""

import pytest
import yaml

from course.quizzes.formats import parse_quiz
from course.quizzes.gift import category_tag, parse_gift
from course.quizzes.gift_convert import gift_to_quiz
from course.quizzes.gift_write import escape, write_gift
from tests.quizzes.samples import EVERY_TYPE, LOCALES


def convert(text):
    converted, problems = gift_to_quiz(text, "in.gift", "Imported", LOCALES)
    assert problems == [], [str(p) for p in problems]
    return yaml.safe_load(converted)["questions"]


def one(text):
    questions = convert(text)
    assert len(questions) == 1
    return questions[0]


CASES = [
    # multiple choice
    (
        "Who greets? {=Reception ~Back office ~Director}",
        {
            "type": "single",
            "options": [
                {"id": "a", "text": "Reception", "correct": True},
                {"id": "b", "text": "Back office"},
                {"id": "c", "text": "Director"},
            ],
        },
    ),
    (
        "Q {\n=right\n~wrong\n}",
        {
            "type": "single",
            "options": [
                {"id": "a", "text": "right", "correct": True},
                {"id": "b", "text": "wrong"},
            ],
        },
    ),
    (
        "Q {~wrong =right#Well done ~other#No}",
        {
            "options": [
                {"id": "a", "text": "wrong"},
                {"id": "b", "text": "right", "correct": True, "feedback": "Well done"},
                {"id": "c", "text": "other", "feedback": "No"},
            ]
        },
    ),
    (
        "Q {=right ~%50%half ~no}",
        {
            "type": "single",
            "options": [
                {"id": "a", "text": "right", "correct": True},
                {"id": "b", "text": "half", "credit": 0.5},
                {"id": "c", "text": "no"},
            ],
        },
    ),
    # a negative weight on a one-answer question keeps Moodle's fractions
    (
        "Q {=right ~%50%half ~%-100%bad}",
        {
            "type": "single",
            "scoring": "moodle",
            "options": [
                {"id": "a", "text": "right", "fraction": 1},
                {"id": "b", "text": "half", "fraction": 0.5},
                {"id": "c", "text": "bad", "fraction": -1},
            ],
        },
    ),
    # no '=' answer: several picks allowed, as in Moodle
    ("Q {~%100%only ~no}", {"type": "multiple", "scoring": "moodle"}),
    (
        "Q {~%100%right ~wrong ~%-50%bad}",
        {
            "type": "multiple",
            "scoring": "moodle",
            "options": [
                {"id": "a", "text": "right", "fraction": 1},
                {"id": "b", "text": "wrong"},
                {"id": "c", "text": "bad", "fraction": -0.5},
            ],
        },
    ),
    # '=' with '->' and a '~' is a multiple-choice question in Moodle
    (
        "Q {=a -> b ~c}",
        {
            "type": "single",
            "options": [{"id": "a", "text": "a -> b", "correct": True}, {"id": "b", "text": "c"}],
        },
    ),
    # two answers at 100% in a one-pick question
    ("Q {=a =b ~c}", {"type": "single", "scoring": "moodle"}),
    # multiple response
    (
        "Pick two {~%50%a ~%50%b ~%-50%c}",
        {
            "type": "multiple",
            "options": [
                {"id": "a", "text": "a", "correct": True},
                {"id": "b", "text": "b", "correct": True},
                {"id": "c", "text": "c"},
            ],
        },
    ),
    (
        "Pick {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-50%d#never}",
        {"type": "multiple", "scoring": "moodle"},
    ),
    ("Pick {~%50%a#yes ~%50%b#also ~%-50%c#no ~%-50%d}", {"type": "multiple"}),
    ("Pick {~%50%a ~%50%b ~c ~d}", {"type": "multiple", "scoring": "moodle"}),
    ("Pick {~%60%a ~%40%b ~%-100%c}", {"type": "multiple", "scoring": "moodle"}),
    # lower-case true is a short answer in Moodle
    ("Roles matter. {true}", {"type": "short", "accept": ["true"]}),
    # true/false
    ("Roles matter. {T}", {"type": "true_false", "answer": True}),
    ("Roles matter. {TRUE}", {"type": "true_false", "answer": True}),
    ("Silence helps. {F}", {"type": "true_false", "answer": False}),
    ("Silence helps. {FALSE}", {"type": "true_false", "answer": False}),
    (
        "Silence helps. {FALSE#It does not help.#Right, it does not.}",
        {
            "answer": False,
            "feedback_true": "It does not help.",
            "feedback_false": "Right, it does not.",
        },
    ),
    (
        "Roles matter. {TRUE#Think again#Yes}",
        {"feedback_true": "Yes", "feedback_false": "Think again"},
    ),
    ("Roles matter. {T##Yes}", {"feedback_true": "Yes"}),
    # short answer
    (
        "Name it. {=teamwork}",
        {"type": "short", "scoring": "moodle", "normalise": False, "accept": ["teamwork"]},
    ),
    ("Name it. {=team*work =%50%*}", {"accept": ["team*work", {"answer": "*", "credit": 0.5}]}),
    ("// [scoring:standard]\nName it. {=teamwork}", {"accept": ["teamwork"]}),
    (
        "Name it. {=teamwork =团队协作 =team work}",
        {"accept": ["teamwork", "团队协作", "team work"]},
    ),
    (
        "Name it. {=teamwork =%50%team#Nearly}",
        {"accept": ["teamwork", {"answer": "team", "credit": 0.5, "feedback": "Nearly"}]},
    ),
    ("Name it. {=teamwork#Good}", {"accept": [{"answer": "teamwork", "feedback": "Good"}]}),
    # matching
    (
        "Match. {=Trello -> tasks =WeChat -> messages}",
        {
            "type": "matching",
            "pairs": [
                {"left": "Trello", "right": "tasks"},
                {"left": "WeChat", "right": "messages"},
            ],
        },
    ),
    (
        "Match. {\n=Trello -> tasks\n=WeChat -> messages\n= -> printing\n}",
        {"distractors": ["printing"]},
    ),
    (
        "Match. {=1 -> one =2 -> two =3 -> three}",
        {
            "pairs": [
                {"left": "1", "right": "one"},
                {"left": "2", "right": "two"},
                {"left": "3", "right": "three"},
            ]
        },
    ),
    # missing word
    (
        "Complaints fell by {~10% =30% ~50%} in the case.",
        {"type": "single", "text": "Complaints fell by {_} in the case."},
    ),
    (
        "The {=reception} post greets visitors.",
        {"type": "short", "text": "The {_} post greets visitors."},
    ),
    ("{=Regular} meetings keep a team informed.", {"text": "{_} meetings keep a team informed."}),
    # numeric
    ("Pi? {#3.14159:0.0005}", {"type": "numeric", "answer": 3.14159, "tolerance": 0.0005}),
    ("Year? {#1822}", {"type": "numeric", "answer": 1822}),
    ("Between? {#1..5}", {"type": "numeric", "range": [1, 5]}),
    (
        "When? {#=1822:0 =%50%1822:2}",
        {"answers": [{"answer": 1822}, {"answer": 1822, "tolerance": 2, "credit": 0.5}]},
    ),
    (
        "When? {#=%50%1820..1824#Close =1822:0#Exactly}",
        {
            "scoring": "moodle",
            "answers": [
                {"range": [1820, 1824], "credit": 0.5, "feedback": "Close"},
                {"answer": 1822, "feedback": "Exactly"},
            ],
        },
    ),
    # a numerical catch-all, as Moodle writes it
    (
        "When?{#\n\t=%100%1822:0#Exactly\n\t~#Not that year\n}",
        {
            "answers": [
                {"answer": 1822, "feedback": "Exactly"},
                {"answer": "*", "credit": 0.0, "feedback": "Not that year"},
            ]
        },
    ),
    (
        "When? {#=1822:0#Exactly =%50%1820..1824#Close}",
        {
            "answers": [
                {"answer": 1822, "feedback": "Exactly"},
                {"range": [1820, 1824], "credit": 0.5, "feedback": "Close"},
            ]
        },
    ),
    ("Below zero? {#-5:1}", {"answer": -5, "tolerance": 1}),
    # essay
    ("Describe a hand-over. {}", {"type": "essay"}),
    (
        "Describe a hand-over. {####Mention who, what and when.}",
        {"type": "essay", "feedback": "Mention who, what and when."},
    ),
    # general feedback
    ("Q {=a ~b ####Because a.}", {"feedback": "Because a."}),
    ("Q {T####Always true.}", {"feedback": "Always true.", "answer": True}),
    # names and ids
    ("::Roles 01::Q {T}", {"id": "roles-01"}),
    ("::角色::Q {T}", {"id": "q-001"}),
    ("// [id:q-custom]\n::Name::Q {T}", {"id": "q-custom"}),
    ("::Name \\: with colon::Q {T}", {"id": "name-with-colon"}),
    # format markers
    ("::n::[markdown]Some **bold** text {T}", {"text": "Some **bold** text"}),
    ("::n::[plain]1 < 2 {T}", {"format": "plain", "text": "1 < 2"}),
    ("Plain moodle text {T}", {"format": "moodle"}),
    ("::n::[latex]x {T}", {"format": "moodle", "text": "[latex]x"}),
    (
        "::n::[html]<p>Hi <script>x()</script><b>there</b></p> {T}",
        {"format": "html", "text": "<p>Hi <b>there</b></p>"},
    ),
    ("::n::[moodle]Plain moodle text {T}", {"format": "moodle"}),
    (
        "[html]<i>Pick</i> {=<b>a</b> ~b &amp; c}",
        {"options": [{"id": "a", "text": "a", "correct": True}, {"id": "b", "text": "b & c"}]},
    ),
    # escapes
    ("1+1\\=2 is \\{true\\} \\~ \\# \\: {T}", {"text": "1+1=2 is {true} ~ # :"}),
    (
        "Which? {=a\\=b ~a\\~b ~c\\#d}",
        {
            "options": [
                {"id": "a", "text": "a=b", "correct": True},
                {"id": "b", "text": "a~b"},
                {"id": "c", "text": "c#d"},
            ]
        },
    ),
    ("Line one\\nline two {T}", {"text": "Line one\nline two"}),
    ("Path C:\\\\temp {T}", {"text": "Path C:\\temp"}),
    # comments and categories
    ("// a comment\nQ {T}", {"text": "Q"}),
    ("$CATEGORY: $course$/top/Module 1\n\nQ {T}", {"tags": ["module-1"]}),
    ("$CATEGORY: tools\n\n// [tag:scenario]\nQ {T}", {"tags": ["tools", "scenario"]}),
    # a description goes before the next question's text
    ("::intro::Read this first.\n\nQ {T}", {"text": "Read this first.\n\nQ"}),
    # inner spaces are kept
    ("Name it. {=team work}", {"accept": ["team work"]}),
    ("Multi\nline\ntext {\n=a\n~b\n}", {"text": "Multi\nline\ntext"}),
]


@pytest.mark.parametrize(("gift", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_construct_converts(gift, expected):
    question = one(gift)
    for key, value in expected.items():
        assert question[key] == value, key


def test_blank_lines_separate_questions_and_categories_carry_on():
    questions = convert(
        "$CATEGORY: m1\n\n// note\nA {T}\n\n\n\nB {F}\n\n$CATEGORY: $course$/top\n\nC {T}\n"
    )
    assert [(q["text"], q.get("tags")) for q in questions] == [
        ("A", ["m1"]),
        ("B", ["m1"]),
        ("C", None),
    ]
    assert [q["id"] for q in questions] == ["q-001", "q-002", "q-003"]


def test_repeated_names_get_unique_ids():
    assert [q["id"] for q in convert("::a::X {T}\n\n::a::Y {T}")] == ["a", "a-2"]


ERRORS = [
    ("Just a description.", 1, "kept only before a question"),
    ("\n\n::n::Q {=a ~b", 3, "do not pair up"),
    ("::unclosed Q {T}", 1, "not closed with '::'"),
    ("Q {=a} and {=b}", 1, "more than one answer block"),
    ("Q {T}\n\nQ2 {=a ~b}\n\nQ3 {#abc}", 5, "is not a number"),
    ("Q {=a ~%150%b}", 1, "outside -100%..100%"),
    ("Q {~%50%a ~b}", 1, "must add up to 100%"),
    ("{T}", 1, "no text"),
    ("Q {=one -> 1}", 1, "at least two answers"),
    ("Q {=a -> 1 =b}", 1, "'=left -> right'"),
    ("Q {=only}\n\nQ {~x}", 3, "at least two answers"),
    ("$CATEGORY: m1\nQ {T}", 2, "the category's name"),
    ("Q {#=%-50%3 =4}", 1, "negative weight"),
    ("Q {=%-50%a =b}", 1, "negative weight"),
    ("Q {=%50%a}", 1, "full credit"),
]


@pytest.mark.parametrize(("gift", "line", "fragment"), ERRORS, ids=[e[2] for e in ERRORS])
def test_a_construct_it_cannot_convert_names_its_line_and_nothing_is_converted(
    gift, line, fragment
):
    converted, problems = gift_to_quiz(gift, "in.gift", "Imported", LOCALES)
    assert converted is None
    assert any(p.line == line and fragment in p.message for p in problems), [
        str(p) for p in problems
    ]


def test_parsed_records_carry_fractions_feedback_and_names():
    questions, problems = parse_gift("::Pick::Q {~%50%a#yes ~%-50%b ####gen}", "in.gift")
    assert problems == []
    record = questions[0].as_json()
    assert (record["kind"], record["name"], record["general_feedback"]) == (
        "multichoice",
        "Pick",
        "gen",
    )
    assert [(a["text"], a["fraction"], a["feedback"]) for a in record["answers"]] == [
        ("a", 0.5, "yes"),
        ("b", -0.5, None),
    ]


def test_category_paths_become_tags():
    assert category_tag("$course$/top/Default for STC/Module 2") == "module-2"
    assert category_tag("$system$/top") is None


def test_export_escapes_and_round_trips_every_type():
    quiz, _ = parse_quiz(EVERY_TYPE, "quizzes/stc/background.yaml", LOCALES)
    gift, skipped = write_gift(quiz["questions"], "en")
    assert skipped == ["q-order"]
    assert "::q-multiple::[markdown]Pick the communication habits. {~%50%Regular meetings" in gift
    assert "{#30:1}" in gift
    first = convert(gift)
    again, problems = parse_quiz(
        yaml.safe_dump({"title": "t", "questions": first}), "x.yaml", LOCALES
    )
    assert problems == []
    second = convert(write_gift(again["questions"], "en")[0])
    assert first == second
    assert [q["id"] for q in first] == [q["id"] for q in quiz["questions"] if q["id"] != "q-order"]


def test_gift_yaml_gift_yaml_is_stable_for_every_case():
    source = "\n\n".join(gift for gift, _ in CASES)
    first_text, problems = gift_to_quiz(source, "in.gift", "T", LOCALES)
    assert problems == []
    quiz, problems = parse_quiz(first_text, "t.yaml", LOCALES)
    assert problems == []
    second_text, problems = gift_to_quiz(
        write_gift(quiz["questions"], "en")[0], "out.gift", "T", LOCALES
    )
    assert problems == []
    assert second_text == first_text


def test_escape():
    assert escape("a=b {c} ~ # : \\ \nx") == "a\\=b \\{c\\} \\~ \\# \\: \\\\ \\nx"
