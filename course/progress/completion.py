"""The course completion rule, evaluated over plain facts.

A course's ``completion`` block in course.yaml names four requirements (each optional):

====================  =====================================================================
``lessons``           ``all``: every lesson of the course read; ``none``: lessons do not count
``module_quizzes``    ``passed`` / ``attempted`` / ``none`` for every module quiz
``cases``             ``completed`` (an ending reached), ``reviewed`` (and the reflections
                      reviewed by an instructor), or ``none``
``final_exam``        ``passed`` (at or above its pass mark) or ``none``
====================  =====================================================================

A key left out takes the strictest value (``all``, ``passed``, ``completed``, ``passed``); a
requirement with nothing to apply to (a course without cases or without a final exam) is met.

Progress is the share of individual requirements met (each lesson, quiz, case and the final
exam counts one). The final score is the final exam's best score when the course has one, else
the mean best score of the module quizzes attempted, else the mean best score of the cases
completed, else ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

RULE_VALUES = {
    "lessons": ("all", "none"),
    "module_quizzes": ("passed", "attempted", "none"),
    "cases": ("completed", "reviewed", "none"),
    "final_exam": ("passed", "none"),
}


class QuizFact(Protocol):
    """What completion needs to know about one quiz (``quizzes.service.QuizOutcome``)."""

    best_score: float
    passed: bool
    attempts: int


class CaseFact(Protocol):
    """What completion needs to know about one case (``cases.service.CaseOutcome``)."""

    completed: bool
    reviewed: bool
    best_score: float


@dataclass(frozen=True)
class CompletionRule:
    """The ``completion`` block of course.yaml, with the strict defaults filled in."""

    lessons: str = "all"
    module_quizzes: str = "passed"
    cases: str = "completed"
    final_exam: str = "passed"

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> CompletionRule:
        """Build from course.yaml's block; unknown keys or values raise ValueError."""
        values = dict(values or {})
        for key, value in values.items():
            if key not in RULE_VALUES:
                raise ValueError(f"unknown completion key '{key}'")
            if value not in RULE_VALUES[key]:
                allowed = " | ".join(RULE_VALUES[key])
                raise ValueError(f"completion {key} must be {allowed}, not '{value}'")
        return cls(**values)


@dataclass(frozen=True)
class CompletionFacts:
    """What a trainee has done in a course, next to what the course contains.

    ``lessons``, ``module_quizzes`` and ``cases`` are the slugs the course version contains, in
    course order; ``final_exam`` is the final exam's quiz id, if any.
    """

    lessons: Sequence[str] = ()
    lessons_read: frozenset[str] | set[str] = frozenset()
    module_quizzes: Sequence[str] = ()
    final_exam: str | None = None
    quizzes: Mapping[str, QuizFact] = field(default_factory=dict)
    cases: Sequence[str] = ()
    case_outcomes: Mapping[str, CaseFact] = field(default_factory=dict)


@dataclass(frozen=True)
class CompletionResult:
    """Whether the rule is met, ``progress`` (0..1), the final score and what is still missing.

    ``missing`` names each unmet requirement as ``kind:slug`` (``lesson:why-teams``,
    ``quiz:background``, ``case:hotel-guest``, ``final_exam:final-exam``).
    """

    complete: bool
    #: The share of requirements met, 0..1 (a 0..100 value is called ``percent``).
    progress: float
    final_score: float | None
    missing: list[str]


def evaluate(rule: CompletionRule, facts: CompletionFacts) -> CompletionResult:
    """Apply the completion rule to a trainee's facts (see the module docstring)."""
    checks: list[tuple[str, bool]] = []
    if rule.lessons == "all":
        checks += [(f"lesson:{slug}", slug in facts.lessons_read) for slug in facts.lessons]
    if rule.module_quizzes != "none":
        for quiz_id in facts.module_quizzes:
            checks.append(
                (f"quiz:{quiz_id}", _quiz_met(facts.quizzes.get(quiz_id), rule.module_quizzes))
            )
    if rule.cases != "none":
        for case_id in facts.cases:
            checks.append(
                (f"case:{case_id}", _case_met(facts.case_outcomes.get(case_id), rule.cases))
            )
    if rule.final_exam == "passed" and facts.final_exam:
        exam = facts.quizzes.get(facts.final_exam)
        checks.append((f"final_exam:{facts.final_exam}", _quiz_met(exam, "passed")))
    missing = [name for name, met in checks if not met]
    progress = (len(checks) - len(missing)) / len(checks) if checks else 1.0
    return CompletionResult(
        complete=not missing,
        progress=progress,
        final_score=final_score(facts),
        missing=missing,
    )


def final_score(facts: CompletionFacts) -> float | None:
    """The score a certificate shows: final exam, else module quizzes, else cases (0..1)."""
    if facts.final_exam and facts.final_exam in facts.quizzes:
        return _clamp(facts.quizzes[facts.final_exam].best_score)
    quiz_scores = [
        facts.quizzes[q].best_score
        for q in facts.module_quizzes
        if q in facts.quizzes and facts.quizzes[q].attempts > 0
    ]
    if quiz_scores:
        return _clamp(sum(quiz_scores) / len(quiz_scores))
    case_scores = [
        facts.case_outcomes[c].best_score
        for c in facts.cases
        if c in facts.case_outcomes and facts.case_outcomes[c].completed
    ]
    if case_scores:
        return _clamp(sum(case_scores) / len(case_scores))
    return None


def _quiz_met(fact: QuizFact | None, wanted: str) -> bool:
    if fact is None:
        return False
    return fact.passed if wanted == "passed" else fact.attempts > 0


def _case_met(fact: CaseFact | None, wanted: str) -> bool:
    if fact is None or not fact.completed:
        return False
    return fact.reviewed if wanted == "reviewed" else True


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))
