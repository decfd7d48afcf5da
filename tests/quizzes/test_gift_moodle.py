"""GIFT read as Moodle reads it, graded as Moodle grades it, and our round trip counted.

The grading oracle here is Moodle's rule written out independently from the fractions in the
GIFT text: one pick scores its answer's fraction; several picks score the sum of their fractions
within 0..1 (qtype_multichoice); short and numeric answers take the first answer that matches.
"""

import glob
import re
from itertools import chain, combinations

import pytest
import yaml

from course.quizzes.formats import parse_quiz
from course.quizzes.gift_convert import convert_gift
from course.quizzes.gift_write import export_quiz
from course.quizzes.grading import grade
from course.quizzes.render import render_text
from tests.quizzes.gift_meaning import differences
from tests.quizzes.samples import LOCALES


def imported(text):
    result = convert_gift(text, "in.gift", "Imported", LOCALES)
    assert result.problems == [], [str(p) for p in result.problems]
    quiz, problems = parse_quiz(result.text, "imported.yaml", LOCALES)
    assert problems == []
    return quiz["questions"]


def moodle_fractions(gift):
    """The fractions Moodle gives each answer of a choice block, read from the test's text."""
    block = gift[gift.index("{") + 1 : gift.rindex("}")]
    fractions = []
    for sign, weight in re.findall(r"([=~])(%-?[\d.]+%)?", block):
        fractions.append(1.0 if sign == "=" else float(weight.strip("%")) / 100 if weight else 0)
    return "=" in block, fractions


CHOICES = [
    "Q {=right ~wrong ~other}",
    "Q {=right ~%50%half ~%-100%bad}",
    "Q {=right ~%-50%bad ~%-100%worse}",
    "Q {=a =b ~c}",
    "Q {~%50%a ~%50%b ~c ~d}",
    "Q {~%50%a ~%50%b ~%-50%c ~%-50%d}",
    "Q {~%60%a ~%40%b ~c}",
    "Q {~%60%a ~%40%b ~%-100%c}",
    "Q {~%100%right ~wrong ~%-50%bad}",
    "Q {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-100%d ~e}",
    "Q {~%100%only ~no}",
    "Q {~%-25%x ~%100%y ~%-75%z}",
]


@pytest.mark.parametrize("gift", CHOICES)
def test_choice_grades_as_moodle_for_every_pick_combination(gift):
    single, fractions = moodle_fractions(gift)
    (question,) = imported(gift)
    ids = [option["id"] for option in question["options"]]
    assert question["type"] == ("single" if single else "multiple")
    if single:
        for option_id, fraction in zip(ids, fractions, strict=True):
            assert grade(question, option_id).score == pytest.approx(fraction), option_id
        return
    for picks in chain.from_iterable(combinations(range(len(ids)), n) for n in range(len(ids) + 1)):
        expected = min(1.0, max(0.0, sum(fractions[i] for i in picks)))
        score = grade(question, [ids[i] for i in picks]).score
        assert score == pytest.approx(expected), picks


SHORT = [
    # (gift, response, Moodle's score): first match, '*' wildcard, case ignored, spaces kept
    ("Q {=team work =%50%team*}", "team work", 1.0),
    ("Q {=team work =%50%team*}", "TEAM WORK", 1.0),
    ("Q {=team work =%50%team*}", "teamwork", 0.5),
    ("Q {=team work =%50%team*}", "  team work  ", 1.0),
    ("Q {=%50%team* =team work}", "team work", 0.5),
    ("Q {=team*work}", "team great work", 1.0),
    ("Q {=team*work}", "teamwork", 1.0),
    ("Q {=team*work}", "team works", 0.0),
    ("Q {=a\\\\*b}", "a*b", 1.0),
    ("Q {=a\\\\*b}", "axb", 0.0),
    ("Q {=团队协作}", "团队 协作", 0.0),
    ("Q {=团队协作}", "团队协作", 1.0),
    ("Q {=abc =%0%*#Try again}", "xyz", 0.0),
]


@pytest.mark.parametrize(("gift", "response", "score"), SHORT)
def test_short_answers_match_as_moodle(gift, response, score):
    (question,) = imported(gift)
    assert grade(question, response).score == pytest.approx(score)


def test_catch_all_short_answer_gives_its_feedback():
    (question,) = imported("Q {=abc =%0%*#Try again}")
    result = grade(question, "xyz")
    assert result.score == 0 and result.feedback == ({"zh-CN": "Try again", "en": "Try again"},)


def test_our_normalisation_is_a_setting_of_the_question():
    (question,) = imported("Q {=团队协作}")
    assert question["normalise"] is False
    question = dict(question, normalise=True)
    assert grade(question, "团队 协作").score == 1
    assert grade(question, "ＡＢＣ").score == 0


NUMERIC = [
    ("Q {#=%50%1820..1824 =1822}", "1822", 0.5),
    ("Q {#=1822 =%50%1820..1824}", "1822", 1.0),
    ("Q {#=1822 =%50%1820..1824}", "1821", 0.5),
    ("Q {#=1822:0 ~#Wrong}", "5", 0.0),
    ("Q {#3.14:0.01}", "3.15", 1.0),
    ("Q {#1..5}", "6", 0.0),
]


@pytest.mark.parametrize(("gift", "response", "score"), NUMERIC)
def test_numbers_take_the_first_match(gift, response, score):
    (question,) = imported(gift)
    assert grade(question, response).score == pytest.approx(score)


def test_numerical_catch_all_gives_its_feedback():
    (question,) = imported("Q {#=1822:0#Exactly ~#Not that year}")
    assert grade(question, "1900").feedback == ({"zh-CN": "Not that year", "en": "Not that year"},)
    assert grade(question, "1822").feedback[0]["en"] == "Exactly"


MOODLE_EXPORT = """\
// question: 0  name: Switch category to $course$/top/Default for STC/Roles
$CATEGORY: $course$/top/Default for STC/Roles


// question: 11  name: Intro
::Intro::[html]<p>The next questions are about the front desk.</p>

// question: 12  name: Who greets
::Who greets::[html]<p>Who greets visitors?</p>{
\t=<p>Reception</p>#<p>Yes.</p>
\t~%-100%<p>Director</p>#<p>No.</p>
}

// question: 13  name: Year
::Year::[html]<p>When was the centre opened?</p>{#
\t=%100%2015:0#
\t=%50%2015:1#<p>Close.</p>
\t~#<p>Not quite.</p>
}

// question: 14  name: Name
::Name::[html]<p>Name the practice.</p>{
\t=%100%team work#
\t=%50%team*#
}

// question: 15  name: Essay
::Essay::[html]<p>Describe a hand-over.</p>{
\t####<p>Who, what, when.</p>
}

// question: 16  name: TF
::TF::[html]<p>Roles avoid overlap.</p>{TRUE#<p>Think again.</p>#<p>Yes.</p>}

// question: 17  name: Match
::Match::[html]<p>Match the tools.</p>{
\t=<p>Trello</p> -> tasks
\t=<p>WeChat</p> -> messages
\t= -> printing
}
"""


def test_a_file_moodle_exported_imports_whole():
    result = convert_gift(MOODLE_EXPORT, "moodle.txt", "Moodle", LOCALES)
    assert result.problems == [], [str(p) for p in result.problems]
    quiz = yaml.safe_load(result.text)
    kinds = [(q["id"], q["type"], q.get("scoring")) for q in quiz["questions"]]
    assert kinds == [
        ("who-greets", "single", "moodle"),
        ("year", "numeric", None),
        ("name", "short", "moodle"),
        ("essay", "essay", None),
        ("tf", "true_false", None),
        ("match", "matching", None),
    ]
    first = quiz["questions"][0]
    assert first["text"].startswith("<p>The next questions are about the front desk.</p>")
    assert first["tags"] == ["roles"]
    assert [o.get("fraction") for o in first["options"]] == [1, -1]
    assert quiz["questions"][1]["answers"][-1] == {
        "answer": "*",
        "credit": 0.0,
        "feedback": "Not quite.",
    }


def test_what_cannot_convert_is_reported_and_the_rest_converts():
    result = convert_gift("A {T}\n\nB {#abc}\n\nC {F}\n", "in.gift", "T", LOCALES)
    assert [(p.line, p.message) for p in result.problems] == [
        (3, "'abc' is not a number, 'number:tolerance' or 'low..high'")
    ]
    assert (result.converted, result.total) == (2, 3)
    assert [q["text"] for q in yaml.safe_load(result.text)["questions"]] == ["A", "C"]


def test_auto_format_renders_as_moodle():
    html = render_text("Line one\nsee https://example.org/x.", "moodle")
    assert html == (
        'Line one<br>see <a href="https://example.org/x" rel="noopener noreferrer">'
        "https://example.org/x</a>."
    )


def test_export_writes_markers_and_a_blank_line_after_categories():
    (question,) = imported("$CATEGORY: tools\n\n::n::[plain]Q {T}")
    text = export_quiz({"kind": "bank", "questions": [question]}, None, "en", ["en"]).text
    assert text == "$CATEGORY: $course$/top/tools\n\n::n::[plain]Q {TRUE}\n"


def test_moodle_scored_questions_export_their_fractions_and_read_back_the_same():
    gift = "\n\n".join(CHOICES + [s for s, _, _ in SHORT] + [n for n, _, _ in NUMERIC])
    gift += "\n\nQ {#=1822:0#Exactly ~#Not that year}"
    questions = imported(gift)
    again = imported(export_quiz({"kind": "bank", "questions": questions}, None, "en", ["en"]).text)
    assert len(again) == len(questions)
    for before, after in zip(questions, again, strict=True):
        assert differences(before, after, "en") == [], before["id"]


def test_the_meaning_check_sees_flattened_weights():
    (moodle,) = imported("Q {~%60%a ~%40%b ~c}")
    (flat,) = imported("Q {~%50%a ~%50%b ~%-50%c}")
    assert differences(moodle, flat, "en")


def test_flagship_round_trip_keeps_every_gift_expressible_question(capsys):
    """Every quiz of the flagship course, in each locale: our exporter, then our importer."""
    out = same = skipped = 0
    for path in sorted(glob.glob("quizzes/service-team-collaboration/*.yaml")):
        with open(path, encoding="utf-8") as handle:
            quiz, problems = parse_quiz(handle.read(), path, LOCALES)
        assert problems == []
        if quiz.get("draw"):
            continue
        originals = {question["id"]: question for question in quiz["questions"]}
        for locale in LOCALES:
            exported = export_quiz(quiz, None, locale, LOCALES)
            skipped += len(originals) - len(exported.exported)
            back = imported(exported.text)
            assert [q["id"] for q in back] == exported.exported
            for question in back:
                out += 1
                if not differences(originals[question["id"]], question, locale):
                    same += 1
    with capsys.disabled():
        print(
            f"\nflagship GIFT round trip: {out} out, {same} back with the same meaning, "
            f"{skipped} not expressible in GIFT"
        )
    assert out > 150
    assert same == out
