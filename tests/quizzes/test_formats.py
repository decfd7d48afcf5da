"""The quiz YAML format: normalised output and ``file:line`` problems."""

from course.quizzes.formats import check_draw, parse_quiz
from tests.quizzes.samples import BANK, EVERY_TYPE, EXAM, LOCALES

FILE = "quizzes/stc/background.yaml"


def parse(text, filename=FILE):
    return parse_quiz(text, filename, LOCALES)


def messages(text, filename=FILE):
    quiz, problems = parse(text, filename)
    assert quiz is None
    return [str(problem) for problem in problems]


def test_every_type_parses_with_defaults_filled_in():
    quiz, problems = parse(EVERY_TYPE)
    assert problems == []
    assert quiz["id"] == "background"
    assert quiz["title"] == {"zh-CN": "模块一测验", "en": "Module 1 quiz"}
    assert (quiz["pass_mark"], quiz["attempts"], quiz["layout"], quiz["grading"]) == (
        0.6,
        2,
        "all",
        "best",
    )
    assert quiz["review"] == {
        "score": True,
        "correctness": True,
        "feedback": True,
        "answers": "after_pass",
    }
    types = [q["type"] for q in quiz["questions"]]
    assert types == [
        "single",
        "multiple",
        "true_false",
        "short",
        "matching",
        "ordering",
        "numeric",
        "essay",
    ]
    single = quiz["questions"][0]
    assert single["text_html"]["en"].startswith("<p>Who greets")
    assert single["options"][2]["credit"] == 0.5 and single["options"][0]["credit"] == 1.0
    assert single["options"][0]["feedback"] == {"zh-CN": "Right", "en": "Right"}
    short = quiz["questions"][3]
    assert [a["answer"] for a in short["accept"]] == ["团队协作", "teamwork", "team"]
    numeric = quiz["questions"][6]
    assert numeric["answers"] == [
        {"value": 30, "tolerance": 1, "range": None, "any": False, "credit": 1.0, "feedback": None}
    ]
    assert quiz["questions"][7]["rubric"][0]["label"] == {"zh-CN": "Insight", "en": "Insight"}


def test_the_output_is_json_serialisable():
    import json

    quiz, _ = parse(EVERY_TYPE)
    assert json.loads(json.dumps(quiz)) == quiz


def test_bank_and_drawn_exam():
    bank, problems = parse(BANK, "quizzes/stc/bank.yaml")
    assert problems == [] and bank["kind"] == "bank" and len(bank["questions"]) == 10
    exam, problems = parse(EXAM, "quizzes/stc/final-exam.yaml")
    assert problems == []
    assert exam["draw"]["rules"] == [{"tags": ["m1"], "count": 3}, {"tags": ["m2"], "count": 2}]
    assert check_draw(exam, bank, "final-exam.yaml") == []
    greedy = EXAM.replace("count: 2", "count: 6")
    exam, _ = parse(greedy, "quizzes/stc/final-exam.yaml")
    assert "bank has 5" in str(check_draw(exam, bank, "final-exam.yaml")[0])


def test_invalid_yaml_names_its_line():
    assert messages("title: x\nquestions: [\n  - a: b\n")[0].startswith(f"{FILE}:3: invalid YAML")


def test_duplicate_key_is_reported():
    problems = messages("title: x\ntitle: y\nquestions: []\n")
    assert any(p.startswith(f"{FILE}:2:") and "duplicate key 'title'" in p for p in problems)


def test_missing_locale_and_unknown_field_are_located():
    text = EVERY_TYPE.replace(
        "title: {zh-CN: 模块一测验, en: Module 1 quiz}", "title: {zh-CN: 模块一测验}"
    )
    text = text.replace("attempts: 2", "attempts: 2\ncolour: red")
    problems = messages(text)
    assert f"{FILE}:1: 'title' is missing the en text" in problems
    assert f"{FILE}:4: unknown field 'colour'" in problems


def test_single_needs_exactly_one_correct_option():
    text = EVERY_TYPE.replace(
        '- {id: b, text: {zh-CN: 后台, en: Back office}, feedback: "No"}',
        "- {id: b, text: {zh-CN: 后台, en: Back office}, correct: true}",
    )
    problems = messages(text)
    assert any(
        ":14: a single-choice question needs exactly one correct option, not 2" in p
        for p in problems
    )


def test_settings_out_of_range():
    text = EVERY_TYPE.replace("pass_mark: 0.6", "pass_mark: 1.5").replace(
        "attempts: 2", "attempts: two"
    )
    problems = messages(text)
    assert f"{FILE}:2: 'pass_mark' must be within 0..1" in problems
    assert f"{FILE}:3: 'attempts' must be a whole number" in problems


def test_question_problems_carry_their_line():
    text = EVERY_TYPE.replace("    type: ordering\n", "    type: sorting\n")
    text = text.replace("pattern", "x").replace("    tolerance: 1\n", "    tolerance: -1\n")
    problems = messages(text)
    assert any(":44: 'type' must be one of" in p for p in problems)
    assert any(":54: 'tolerance' must be at least 0" in p for p in problems)


def test_duplicate_question_ids_and_bad_slugs():
    text = EVERY_TYPE.replace("id: q-multiple", "id: q-single").replace("id: q-tf", "id: Q TF")
    problems = messages(text)
    assert any(":18: question id 'q-single' is already used on line 9" in p for p in problems)
    assert any(":26: 'id' must be a slug" in p for p in problems)


def test_questions_or_draw_exactly_one():
    assert "a quiz needs either 'questions' or 'draw'" in messages("title: t\n")[0]


def test_short_pattern_must_compile_and_numeric_range_must_be_ordered():
    text = """\
title: t
questions:
  - {id: s, type: short, text: t, accept: [a], pattern: "(unclosed"}
  - {id: n, type: numeric, text: t, range: [5, 1]}
  - id: m
    type: numeric
    text: t
    answers:
      - {answer: 1, credit: 0.5}
"""
    problems = messages(text)
    assert any(":3: 'pattern' is not a valid regular expression" in p for p in problems)
    assert any(":4: 'range' must be [low, high]" in p for p in problems)
    assert any(":8: at least one answer must give full credit" in p for p in problems)


def test_plain_and_html_formats_are_made_safe():
    text = """\
title: t
questions:
  - {id: h, type: essay, format: html, text: "<b>bold</b><script>alert(1)</script>"}
  - {id: p, type: essay, format: plain, text: "a < b"}
"""
    quiz, problems = parse(text)
    assert problems == []
    assert quiz["questions"][0]["text_html"]["en"] == "<b>bold</b>"
    assert quiz["questions"][1]["text_html"]["en"] == "<p>a &lt; b</p>"


def test_checks_across_a_courses_quiz_files():
    from course.quizzes.formats import check_course_quizzes

    bank, _ = parse(BANK, "quizzes/stc/bank.yaml")
    exam, _ = parse(EXAM.replace("count: 2", "count: 9"), "quizzes/stc/final-exam.yaml")
    check, _ = parse(EVERY_TYPE)
    again, _ = parse(EVERY_TYPE, "quizzes/stc/again.yaml")
    quizzes = {"bank": bank, "final-exam": exam, "background": check, "again": again}
    names = {key: f"quizzes/stc/{key}.yaml" for key in quizzes}
    problems = [str(p) for p in check_course_quizzes(quizzes, names)]
    assert (
        "quizzes/stc/final-exam.yaml:1: the draw asks for 9 questions tagged m2 but the bank has 5"
        in problems
    )
    clash = "question id 'q-single' is also used in quizzes/stc/again.yaml"
    assert f"quizzes/stc/background.yaml:1: {clash}" in problems
    assert len(problems) == 1 + 8
    assert check_course_quizzes({"bank": bank, "background": check}, names) == []
