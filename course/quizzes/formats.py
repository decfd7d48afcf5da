"""The quiz file format: ``quizzes/<course>/<quiz-id>.yaml`` and ``bank.yaml``, checked by line.

``parse_quiz`` returns a JSON-serialisable dict with every default filled in and every localised
string expanded to all locales, or ``None`` and the list of problems. The format is defined in
``docs/authoring.md``, section Quizzes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from course.problems import Problem
from course.quizzes.checker import SLUG, Checker
from course.quizzes.question_formats import check_question
from course.yamlsource import Path, load_yaml

QUIZ_FIELDS = {
    "title",
    "pass_mark",
    "attempts",
    "cooldown_minutes",
    "time_limit_minutes",
    "layout",
    "shuffle_questions",
    "shuffle_options",
    "grading",
    "review",
    "questions",
    "draw",
}
REVIEW_DEFAULTS = {"score": True, "correctness": True, "feedback": True, "answers": "after_pass"}
BANK_ID = "bank"


def quiz_id_from_filename(filename: str) -> str:
    """``quizzes/course/final-exam.yaml`` -> ``final-exam``."""
    stem = posixpath.basename(filename.replace("\\", "/"))
    return stem.rsplit(".", 1)[0]


def parse_quiz(text: str, filename: str, locales: list[str]) -> tuple[dict | None, list[Problem]]:
    """Check a quiz (or the bank) and return its normalised settings and questions.

    The quiz id is the file name without ``.yaml``; ``bank.yaml`` holds only ``questions``.
    Nothing is returned unless the whole file is correct.
    """
    quiz_id = quiz_id_from_filename(filename)
    source, problems = load_yaml(text, filename)
    if source is None:
        return None, problems
    check = Checker(source, filename, locales)
    check.problems += problems
    if not SLUG.match(quiz_id):
        check.problem((), f"the file name must be a slug: {quiz_id!r}")
    root = check.mapping(source.data, (), "a quiz file")
    if root is None:
        return None, check.problems
    if quiz_id == BANK_ID:
        check.unknown_keys(root, {"questions"}, ())
        quiz = {"id": BANK_ID, "kind": "bank", "questions": _questions(check, root, required=True)}
    else:
        quiz = _settings(check, root, quiz_id)
    if check.problems:
        return None, sorted(set(check.problems), key=lambda p: (p.line, p.message))
    return quiz, []


def _settings(check: Checker, root: dict, quiz_id: str) -> dict:
    check.unknown_keys(root, QUIZ_FIELDS, ())
    quiz = {
        "id": quiz_id,
        "kind": "quiz",
        "title": check.localised(root, "title", ()),
        "pass_mark": check.number(root, "pass_mark", (), default=0.7, low=0, high=1),
        "attempts": check.number(root, "attempts", (), default=0, low=0, integer=True),
        "cooldown_minutes": check.number(root, "cooldown_minutes", (), default=0, low=0),
        "time_limit_minutes": check.number(root, "time_limit_minutes", (), default=None, low=0.5),
        "layout": check.choice(root, "layout", (), ("all", "one-per-page"), "all"),
        "shuffle_questions": check.boolean(root, "shuffle_questions", (), False),
        "shuffle_options": check.boolean(root, "shuffle_options", (), False),
        "grading": check.choice(root, "grading", (), ("best", "last"), "best"),
        "review": _review(check, root),
        "questions": [],
        "draw": None,
    }
    has_questions, has_draw = "questions" in root, "draw" in root
    if has_questions == has_draw:
        check.problem((), "a quiz needs either 'questions' or 'draw' (exactly one of them)")
    elif has_questions:
        quiz["questions"] = _questions(check, root, required=True)
    else:
        quiz["draw"] = _draw(check, root)
    return quiz


def _review(check: Checker, root: dict) -> dict:
    raw = root.get("review", {})
    review = dict(REVIEW_DEFAULTS)
    if check.mapping(raw, ("review",), "'review'") is None:
        return review
    check.unknown_keys(raw, set(REVIEW_DEFAULTS), ("review",))
    for key in ("score", "correctness", "feedback"):
        review[key] = check.boolean(raw, key, ("review",), True)
    review["answers"] = check.choice(
        raw, "answers", ("review",), ("always", "after_pass", "never"), "after_pass"
    )
    return review


def _questions(check: Checker, root: dict, required: bool) -> list[dict]:
    raw = root.get("questions")
    if not isinstance(raw, list) or (required and not raw):
        check.problem(("questions",), "'questions' must be a list with at least one question")
        return []
    questions, seen = [], {}
    for index, item in enumerate(raw):
        question = check_question(check, item, ("questions", index))
        question_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(question_id, str):
            if question_id in seen:
                check.problem(
                    ("questions", index, "id"),
                    f"question id {question_id!r} is already used on line {seen[question_id]}",
                )
            seen.setdefault(question_id, check.source.line("questions", index, "id"))
        if question is not None:
            questions.append(question)
    return questions


def _draw(check: Checker, root: dict) -> dict | None:
    raw = check.mapping(root["draw"], ("draw",), "'draw'")
    if raw is None:
        return None
    check.unknown_keys(raw, {"bank", "rules"}, ("draw",))
    bank = raw.get("bank", BANK_ID)
    if bank != BANK_ID:
        check.problem(("draw", "bank"), f"'bank' must be {BANK_ID!r} (the course's bank.yaml)")
    rules = raw.get("rules")
    if not isinstance(rules, list) or not rules:
        check.problem(("draw", "rules"), "'rules' must list at least one rule")
        return None
    parsed = []
    for index, rule in enumerate(rules):
        where = ("draw", "rules", index)
        if check.mapping(rule, where, "a draw rule") is None:
            continue
        check.unknown_keys(rule, {"tags", "count"}, where)
        tags = check.string_list(rule, "tags", where)
        if not tags:
            check.problem(where, "a draw rule needs at least one tag")
        count = check.number(rule, "count", where, low=1, integer=True)
        parsed.append({"tags": tags, "count": count})
    return {"bank": BANK_ID, "rules": parsed}


LineOf = Callable[[Path], int]


def _first_line(_path: Path) -> int:
    return 1


def check_draw(
    quiz: dict, bank: dict | None, filename: str, line_of: LineOf = _first_line
) -> list[Problem]:
    """Problems when a drawn quiz asks the bank for more questions than it holds; ``line_of``
    turns a path in the quiz file (``("draw", "rules", 0, "count")``) into its line."""
    if not quiz.get("draw"):
        return []
    if bank is None:
        message = "the quiz draws from the bank, but the course has no bank.yaml"
        return [Problem(filename, line_of(("draw",)), message)]
    problems, taken = [], set()
    for index, rule in enumerate(quiz["draw"]["rules"]):
        matches = [
            q["id"]
            for q in bank["questions"]
            if q["id"] not in taken and set(rule["tags"]) <= set(q["tags"])
        ]
        if len(matches) < rule["count"]:
            tags = ", ".join(rule["tags"])
            message = (
                f"the draw asks for {rule['count']} questions tagged {tags} "
                f"but the bank has {len(matches)}"
            )
            problems.append(Problem(filename, line_of(("draw", "rules", index, "count")), message))
        taken.update(matches[: rule["count"]])
    return problems


def check_course_quizzes(
    quizzes: dict[str, dict],
    filenames: dict[str, str],
    line_of: Callable[[str, Path], int] | None = None,
) -> list[Problem]:
    """Checks across a course's quiz files (after each parsed cleanly): every draw can be met by
    the bank, and no question id is used in two files (learner records point at the ids).

    ``line_of(quiz_id, path)`` gives the line of a path in a quiz file (the package check reads
    it from the YAML); without it problems are reported at line 1.
    """
    problems: list[Problem] = []
    bank = quizzes.get(BANK_ID)
    first_seen: dict[str, str] = {}
    for quiz_id in sorted(quizzes):
        quiz = quizzes[quiz_id]
        name = filenames.get(quiz_id, f"{quiz_id}.yaml")

        def line(path: Path, quiz_id: str = quiz_id) -> int:
            return line_of(quiz_id, path) if line_of else 1

        problems += check_draw(quiz, bank, name, line)
        for index, question in enumerate(quiz.get("questions", [])):
            other = first_seen.setdefault(question["id"], name)
            if other != name:
                message = f"question id {question['id']!r} is also used in {other}"
                problems.append(Problem(name, line(("questions", index, "id")), message))
    return problems
