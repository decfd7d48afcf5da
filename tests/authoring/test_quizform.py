"""The quiz form's pure conversions: YAML <-> dict <-> form fields, buttons, problem placement."""

from pathlib import Path

import pytest
import yaml

from course.authoring.quizfields import (
    apply_action,
    course_locales,
    form_from_post,
    post_of,
    question_at,
    question_lines,
)
from course.authoring.quizform import (
    QuizFormError,
    dump_quiz,
    form_from_quiz,
    quiz_from_form,
    read_quiz,
)
from course.quizzes.formats import parse_quiz

ROOT = Path(__file__).parent.parent.parent
LOCALES = ["zh-CN", "en"]
FLAGSHIP = ROOT / "quizzes" / "service-team-collaboration"
#: Between them: every question type, a bank, a drawn exam, and the catalog's fixture quiz.
QUIZ_FILES = [
    *(FLAGSHIP / name for name in ("bank.yaml", "roles.yaml", "cases.yaml", "final-exam.yaml")),
    ROOT / "tests" / "fixtures" / "catalog" / "quizzes" / "teamwork-basics" / "basics.yaml",
]


def _through_the_browser(text: str, bank: bool = False, action: str | None = None) -> str:
    """Load a quiz into the form, post every field back as a browser would, and write it."""
    form = form_from_quiz(read_quiz(text), LOCALES, bank)
    posted = form_from_post(post_of(form), LOCALES, bank)
    if action:
        assert apply_action(posted, action)
    return dump_quiz(quiz_from_form(posted))


@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda path: path.name)
def test_an_unchanged_round_trip_means_the_same_quiz(path):
    text = path.read_text(encoding="utf-8")
    written = _through_the_browser(text, bank=path.stem == "bank")
    before, problems = parse_quiz(text, path.name, LOCALES)
    after, problems_after = parse_quiz(written, path.name, LOCALES)
    assert problems == problems_after == [] and after == before
    # Questions of the other types come back as the very same YAML values.
    kept = [q for q in read_quiz(text).get("questions", []) if q["type"] not in ("single",)]
    others = [q for q in kept if q["type"] not in ("multiple", "true_false", "short")]
    written_questions = {q["id"]: q for q in read_quiz(written).get("questions", [])}
    for question in others:
        assert written_questions[question["id"]] == question


def test_the_flagship_quizzes_cover_the_read_only_types():
    text = (ROOT / "quizzes" / "service-team-collaboration" / "roles.yaml").read_text()
    form = form_from_quiz(read_quiz(text), LOCALES)
    kinds = {q.type for q in form.questions if not q.editable}
    assert {"matching", "ordering", "essay"} <= kinds
    assert all(q.source and yaml.safe_load(q.source)["type"] == q.type for q in form.questions
               if not q.editable)  # fmt: skip


QUIZ = """\
title: {zh-CN: 测验, en: Quiz}
pass_mark: 0.6
questions:
  - id: pick
    type: single
    format: plain
    text: {zh-CN: 选一个, en: Pick one}
    options:
      - {id: a, text: {zh-CN: 甲, en: A}, correct: true}
      - {id: b, text: {zh-CN: 乙, en: B}, feedback: {zh-CN: 不对, en: Wrong}}
  - id: part
    type: single
    text: Partial credit
    options:
      - {id: a, text: Right, correct: true}
      - {id: b, text: Close, credit: 0.5}
  - id: say
    type: short
    text: {zh-CN: 说一个词, en: Say a word}
    accept: [hello, {answer: hi}]
    pattern: "^h"
"""


def test_editing_a_question_through_the_form():
    form = form_from_quiz(read_quiz(QUIZ), LOCALES)
    data = post_of(form)
    assert data["q0-extras"].strip() == "format: plain"
    data["q0-text-en"] = "Pick the best one\r\nplease"
    data["q0-o1-correct"] = "1"
    data.pop("q0-o0-correct")
    data["q0-type"] = "single"
    data["pass_mark"] = "0.8"
    quiz, problems = parse_quiz(
        dump_quiz(quiz_from_form(form_from_post(data, LOCALES))), "q.yaml", LOCALES
    )
    assert problems == []
    pick = quiz["questions"][0]
    assert pick["text"]["en"] == "Pick the best one\nplease" and pick["format"] == "plain"
    assert [o["correct"] for o in pick["options"]] == [False, True]
    assert quiz["pass_mark"] == 0.8
    assert quiz["questions"][2]["accept"] == [
        {"answer": "hello", "credit": 1.0, "feedback": None},
        {"answer": "hi", "credit": 1.0, "feedback": None},
    ]


def test_a_question_the_form_cannot_write_back_stays_as_yaml():
    form = form_from_quiz(read_quiz(QUIZ), LOCALES)
    partial = form.questions[1]
    assert not partial.editable and "credit: 0.5" in partial.source
    written = read_quiz(_through_the_browser(QUIZ))
    assert written["questions"][1] == read_quiz(QUIZ)["questions"][1]


def test_buttons_add_move_and_remove_questions_and_options():
    form = form_from_quiz(read_quiz(QUIZ), LOCALES)
    assert apply_action(form, "add:true_false") and form.questions[-1].id == "q-01"
    assert apply_action(form, "up:3") and form.questions[2].type == "true_false"
    assert not apply_action(form, "up:0") and not apply_action(form, "remove:9")
    assert apply_action(form, "add-option:0") and form.questions[0].options[-1].id == "c"
    assert apply_action(form, "remove-option:0:0")
    assert [o.id for o in form.questions[0].options] == ["b", "c"]
    assert apply_action(form, "remove:1")
    assert not apply_action(form, "add:essay")
    ids = [q["id"] for q in quiz_from_form(form)["questions"]]
    assert ids == ["pick", "q-01", "say"]


def test_a_new_question_is_reported_until_it_is_filled_in():
    text = _through_the_browser(QUIZ, action="add:multiple")
    quiz, problems = parse_quiz(text, "q.yaml", LOCALES)
    starts = question_lines(text)
    assert quiz is None and problems
    assert {question_at(starts, problem.line) for problem in problems} == {3}


def test_settings_the_form_cannot_show_send_the_author_to_the_yaml():
    with pytest.raises(QuizFormError):
        form_from_quiz(read_quiz("title: Quiz\npass_mark: seventy\nquestions: []\n"), LOCALES)
    with pytest.raises(QuizFormError):
        read_quiz("title: [unclosed\n")
    with pytest.raises(QuizFormError):
        read_quiz("- a list\n")


def test_a_drawn_quiz_keeps_its_draw_and_gets_no_questions():
    text = "title: Exam\ndraw:\n  rules:\n    - {tags: [m1], count: 2}\n"
    form = form_from_quiz(read_quiz(text), LOCALES)
    assert not form.has_questions and "draw" in form.extras
    written = read_quiz(_through_the_browser(text))
    assert written["draw"] == {"rules": [{"tags": ["m1"], "count": 2}]}
    assert "questions" not in written


def test_problem_lines_fall_in_their_question_and_locales_come_from_course_yaml():
    starts = question_lines(QUIZ)
    assert starts == [4, 11, 17]
    assert question_at(starts, 2) is None
    assert question_at(starts, 12) == 1 and question_at(starts, 40) == 2
    assert question_lines("title: [broken\n") == []
    assert course_locales("slug: x\nlocales: [en]\n", LOCALES) == ["en"]
    assert course_locales("not: [valid\n", LOCALES) == LOCALES
