"""The completion rule, table-driven over plain facts."""

from dataclasses import dataclass

import pytest

from course.progress.completion import (
    CompletionFacts,
    CompletionRule,
    evaluate,
)


@dataclass(frozen=True)
class Quiz:
    best_score: float
    passed: bool
    attempts: int = 1


@dataclass(frozen=True)
class Case:
    completed: bool
    reviewed: bool = False
    best_score: float = 0.5


COURSE = dict(
    lessons=("why-teams", "roles"),
    module_quizzes=("background",),
    final_exam="final-exam",
    cases=("hotel-guest",),
)
STRICT = {
    "lessons": "all",
    "module_quizzes": "passed",
    "cases": "completed",
    "final_exam": "passed",
}
EVERYTHING = dict(
    lessons_read={"why-teams", "roles"},
    quizzes={"background": Quiz(0.8, True), "final-exam": Quiz(0.9, True)},
    case_outcomes={"hotel-guest": Case(True)},
)

CASES = [
    # (name, rule, done, complete, progress, missing)
    ("all done", STRICT, EVERYTHING, True, 1.0, []),
    (
        "nothing done",
        STRICT,
        {},
        False,
        0.0,
        [
            "lesson:why-teams",
            "lesson:roles",
            "quiz:background",
            "case:hotel-guest",
            "final_exam:final-exam",
        ],
    ),
    (
        "one lesson unread",
        STRICT,
        {**EVERYTHING, "lessons_read": {"roles"}},
        False,
        0.8,
        ["lesson:why-teams"],
    ),
    (
        "lessons do not count",
        {**STRICT, "lessons": "none"},
        {**EVERYTHING, "lessons_read": set()},
        True,
        1.0,
        [],
    ),
    (
        "quiz failed",
        STRICT,
        {**EVERYTHING, "quizzes": {"background": Quiz(0.4, False), "final-exam": Quiz(0.9, True)}},
        False,
        0.8,
        ["quiz:background"],
    ),
    (
        "attempted is enough",
        {**STRICT, "module_quizzes": "attempted"},
        {**EVERYTHING, "quizzes": {"background": Quiz(0.4, False), "final-exam": Quiz(0.9, True)}},
        True,
        1.0,
        [],
    ),
    (
        "quiz never attempted",
        {**STRICT, "module_quizzes": "attempted"},
        {
            **EVERYTHING,
            "quizzes": {"background": Quiz(0.0, False, 0), "final-exam": Quiz(0.9, True)},
        },
        False,
        0.8,
        ["quiz:background"],
    ),
    (
        "case not finished",
        STRICT,
        {**EVERYTHING, "case_outcomes": {"hotel-guest": Case(False)}},
        False,
        0.8,
        ["case:hotel-guest"],
    ),
    (
        "case awaits review",
        {**STRICT, "cases": "reviewed"},
        EVERYTHING,
        False,
        0.8,
        ["case:hotel-guest"],
    ),
    (
        "case reviewed",
        {**STRICT, "cases": "reviewed"},
        {**EVERYTHING, "case_outcomes": {"hotel-guest": Case(True, True)}},
        True,
        1.0,
        [],
    ),
    (
        "exam failed",
        STRICT,
        {**EVERYTHING, "quizzes": {"background": Quiz(0.8, True), "final-exam": Quiz(0.5, False)}},
        False,
        0.8,
        ["final_exam:final-exam"],
    ),
    (
        "exam not required",
        {**STRICT, "final_exam": "none"},
        {**EVERYTHING, "quizzes": {"background": Quiz(0.8, True)}},
        True,
        1.0,
        [],
    ),
    (
        "defaults are strict",
        {},
        {**EVERYTHING, "case_outcomes": {}},
        False,
        0.8,
        ["case:hotel-guest"],
    ),
    (
        "nothing required",
        {"lessons": "none", "module_quizzes": "none", "cases": "none", "final_exam": "none"},
        {},
        True,
        1.0,
        [],
    ),
]


@pytest.mark.parametrize(
    ("rule", "done", "complete", "progress", "missing"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_completion_rule(rule, done, complete, progress, missing):
    result = evaluate(CompletionRule.from_mapping(rule), CompletionFacts(**COURSE, **done))
    assert result.complete is complete
    assert result.progress == pytest.approx(progress)
    assert result.missing == missing


def test_a_course_with_nothing_in_it_is_complete():
    result = evaluate(CompletionRule(), CompletionFacts())
    assert (result.complete, result.progress, result.final_score) == (True, 1.0, None)


@pytest.mark.parametrize(
    ("facts", "score"),
    [
        (CompletionFacts(**COURSE, **EVERYTHING), 0.9),
        (
            CompletionFacts(
                module_quizzes=("a", "b"), quizzes={"a": Quiz(0.6, True), "b": Quiz(1.0, True)}
            ),
            0.8,
        ),
        (
            CompletionFacts(
                module_quizzes=("a", "b"), quizzes={"a": Quiz(0.6, True), "b": Quiz(0, False, 0)}
            ),
            0.6,
        ),
        (
            CompletionFacts(
                cases=("x", "y"), case_outcomes={"x": Case(True, best_score=0.7), "y": Case(False)}
            ),
            0.7,
        ),
        (CompletionFacts(final_exam="exam", quizzes={"exam": Quiz(1.4, True)}), 1.0),
        (CompletionFacts(lessons=("a",), lessons_read={"a"}), None),
    ],
    ids=[
        "final exam",
        "mean of quizzes",
        "unattempted quiz ignored",
        "mean of completed cases",
        "clamped",
        "none",
    ],
)
def test_final_score(facts, score):
    result = evaluate(CompletionRule(), facts)
    assert result.final_score == (pytest.approx(score) if score is not None else None)


@pytest.mark.parametrize(
    "rule", [{"lessons": "some"}, {"cases": "passed"}, {"quizzes": "passed"}], ids=str
)
def test_a_bad_rule_is_refused(rule):
    with pytest.raises(ValueError):
        CompletionRule.from_mapping(rule)
