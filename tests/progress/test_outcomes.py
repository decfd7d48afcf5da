"""Completion reads quiz and case outcomes through the registered providers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from course.cases.service import case_outcomes
from course.catalog.service import current_version
from course.progress import outcomes, service
from course.quizzes.service import quiz_outcomes
from tests.cases.conftest import NOW

LESSONS = ("what-is-teamwork", "listening", "handover")


@dataclass(frozen=True)
class Case:
    completed: bool
    reviewed: bool = False
    best_score: float = 1.0


@dataclass(frozen=True)
class Quiz:
    best_score: float
    passed: bool
    attempts: int = 1


@pytest.fixture
def case_results(app):
    """A fake cases provider answering this dict; the real one comes back afterwards."""
    results: dict = {}
    real = outcomes.register("cases", lambda session, user_id, course_id: results)
    yield results
    outcomes.register("cases", real)


def test_create_app_wires_the_quiz_and_case_providers(make_app):
    make_app()
    assert dict(outcomes.PROVIDERS) == {"quizzes": quiz_outcomes, "cases": case_outcomes}


def test_completion_asks_every_provider(db_session, course, people, quiz_results, case_results):
    for lesson in LESSONS:
        service.complete_lesson(db_session, people.trainee, course, lesson, NOW)
    assert service.get_completion(db_session, people.trainee.id, course.id) is None
    case_results["desk-day"] = Case(completed=True, best_score=0.5)
    quiz_results["basics"] = Quiz(best_score=0.9, passed=True)
    completion = service.update_completion(db_session, people.trainee, course, NOW)
    assert completion is not None and completion.final_score == 0.9


def test_a_kind_nobody_provides_has_no_facts(db_session, course, people, case_results):
    real = outcomes.register("quizzes", None)
    try:
        case_results["desk-day"] = Case(completed=True)
        version = current_version(db_session, course)
        result = service.course_progress(db_session, people.trainee.id, course, version)
        assert "quiz:basics" in result.missing and "case:desk-day" not in result.missing
    finally:
        outcomes.register("quizzes", real)


def test_only_known_kinds_register():
    with pytest.raises(ValueError, match="unknown outcome kind"):
        outcomes.register("badges", lambda session, user_id, course_id: {})
