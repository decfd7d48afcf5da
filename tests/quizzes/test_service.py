"""Attempts under a controllable clock: limits, cool-down, deadlines, double submits, essays."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from course.progress.models import CourseCompletion, LearningRecord
from course.quizzes import essays, service
from course.quizzes.models import EssayGrading, QuizAttempt
from tests.conftest import POSTGRES_URL
from tests.quizzes.conftest import NOW, right_entries

MINUTE = timedelta(minutes=1)


def start(db_session, trainee, course, quiz="check", at=NOW):
    attempt = service.start_attempt(db_session, trainee, course, quiz, at)
    db_session.commit()
    return attempt


def verbs(db_session, user):
    return [
        iri.rsplit("/", 1)[-1]
        for iri in db_session.scalars(
            select(LearningRecord.verb)
            .where(LearningRecord.user_id == user.id)
            .order_by(LearningRecord.timestamp)
        )
    ]


def test_start_fixes_seed_and_deadline_and_resumes(db_session, quiz_course, trainee):
    attempt = start(db_session, trainee, quiz_course)
    assert attempt.number == 1 and attempt.deadline_at == NOW + 15 * MINUTE
    paper = [q["id"] for q, _ in service.paper_of(db_session, attempt)]
    again = start(db_session, trainee, quiz_course, at=NOW + 5 * MINUTE)
    assert again.id == attempt.id
    assert [q["id"] for q, _ in service.paper_of(db_session, again)] == paper
    assert verbs(db_session, trainee) == ["attempted"]


def test_answers_are_cleaned_saved_and_merged(db_session, quiz_course, trainee):
    attempt = start(db_session, trainee, quiz_course)
    service.save_answers(
        db_session, attempt, {"q-single": "b", "q-tf": "maybe", "nope": 1}, NOW + MINUTE
    )
    saved = service.save_answers(db_session, attempt, {"q-short": "teamwork"}, NOW + 2 * MINUTE)
    db_session.commit()
    assert saved == {"q-single": "b", "q-tf": None, "q-short": "teamwork"}
    db_session.expire_all()
    assert db_session.get(QuizAttempt, attempt.id).responses == saved


def test_all_right_passes_once_even_when_submitted_twice(db_session, quiz_course, trainee):
    attempt = start(db_session, trainee, quiz_course)
    entries = right_entries(service.paper_of(db_session, attempt))
    service.submit_attempt(db_session, attempt, "token-1", NOW + 3 * MINUTE, entries)
    db_session.commit()
    assert attempt.status == "pending"  # the essay waits for an instructor
    first = (attempt.submitted_at, dict(attempt.results))
    service.submit_attempt(db_session, attempt, "token-1", NOW + 4 * MINUTE, {"q-single": "b"})
    service.submit_attempt(db_session, attempt, "token-2", NOW + 5 * MINUTE, {"q-single": "b"})
    db_session.commit()
    assert (attempt.submitted_at, attempt.results) == first
    assert db_session.scalar(select(func.count()).select_from(EssayGrading)) == 1
    assert all(r["score"] == 1.0 for qid, r in attempt.results.items() if qid != "q-essay")


def test_late_submission_is_graded_as_it_stood_at_the_deadline(db_session, quiz_course, trainee):
    attempt = start(db_session, trainee, quiz_course)
    entries = right_entries(service.paper_of(db_session, attempt))
    service.save_answers(db_session, attempt, {"q-single": entries["q-single"]}, NOW + 14 * MINUTE)
    service.submit_attempt(db_session, attempt, "t", NOW + 16 * MINUTE, entries)
    db_session.commit()
    assert attempt.closed_by == "deadline" and attempt.submitted_at == NOW + 15 * MINUTE
    assert attempt.results["q-single"]["score"] == 1.0
    assert attempt.results["q-short"]["score"] == 0.0
    assert attempt.results["q-essay"]["score"] == 0.0  # never answered: nothing to grade
    assert attempt.status == "graded" and attempt.passed is False


def test_saving_after_the_deadline_is_refused_and_closes_the_attempt(
    db_session, quiz_course, trainee
):
    attempt = start(db_session, trainee, quiz_course)
    with pytest.raises(service.AttemptClosed):
        service.save_answers(
            db_session, attempt, {"q-single": "a"}, NOW + 15 * MINUTE + 3 * timedelta(seconds=1)
        )
    db_session.commit()
    assert attempt.status == "graded" and attempt.responses == {}


def test_open_attempts_are_closed_at_their_deadline(db_session, quiz_course, trainee, create_user):
    attempt = start(db_session, trainee, quiz_course)
    service.save_answers(db_session, attempt, {"q-tf": "true"}, NOW + MINUTE)
    assert service.close_expired_attempts(db_session, NOW + 10 * MINUTE) == 0
    assert service.close_expired_attempts(db_session, NOW + 16 * MINUTE) == 1
    db_session.commit()
    assert attempt.closed_by == "deadline" and attempt.results["q-tf"]["score"] == 1.0
    assert service.close_expired_attempts(db_session, NOW + 17 * MINUTE) == 0
    assert verbs(db_session, trainee) == ["attempted", "failed"]


def test_attempt_limit_and_cool_down(db_session, quiz_course, trainee):
    first = start(db_session, trainee, quiz_course)
    service.submit_attempt(db_session, first, "a", NOW + MINUTE)
    db_session.commit()
    with pytest.raises(service.QuizRefused) as refused:
        service.start_attempt(db_session, trainee, quiz_course, "check", NOW + 5 * MINUTE)
    assert refused.value.reason == "cooldown" and refused.value.retry_at == NOW + 11 * MINUTE
    second = start(db_session, trainee, quiz_course, at=NOW + 11 * MINUTE)
    assert second.number == 2
    service.submit_attempt(db_session, second, "b", NOW + 12 * MINUTE)
    db_session.commit()
    with pytest.raises(service.QuizRefused) as refused:
        service.start_attempt(db_session, trainee, quiz_course, "check", NOW + 60 * MINUTE)
    assert refused.value.reason == "limit"


def test_unknown_quiz_is_refused(db_session, quiz_course, trainee):
    for quiz in ("nope", "bank"):
        with pytest.raises(service.QuizRefused):
            service.start_attempt(db_session, trainee, quiz_course, quiz, NOW)


def test_essay_grading_finishes_the_attempt_and_feeds_progress(
    db_session, quiz_course, trainee, create_user
):
    instructor = create_user()
    attempt = start(db_session, trainee, quiz_course)
    service.submit_attempt(
        db_session, attempt, "a", NOW + MINUTE, right_entries(service.paper_of(db_session, attempt))
    )
    db_session.commit()
    assert service.quiz_outcomes(db_session, trainee.id, quiz_course.id)[
        "check"
    ] == service.QuizOutcome(0.0, False, 1)
    [waiting] = essays.waiting_essays(db_session, None)
    assert essays.waiting_essays(db_session, set()) == []
    question, text = essays.essay_question(db_session, waiting)
    assert question["id"] == "q-essay" and "checklist" in text
    with pytest.raises(essays.GradingError):
        essays.grade_essay(db_session, instructor, waiting, {"insight": 3, "action": 1}, "", NOW)
    with pytest.raises(essays.GradingError):
        essays.grade_essay(db_session, instructor, waiting, {"insight": 2}, "", NOW)
    essays.grade_essay(
        db_session,
        instructor,
        waiting,
        {"insight": 2, "action": 1},
        "Good hand-over.",
        NOW + 2 * MINUTE,
    )
    db_session.commit()
    assert attempt.status == "graded"
    # 7 questions of 1 point all right, the 4-point essay at 3/4: (7 + 3) / 11
    assert attempt.score == pytest.approx(10 / 11) and attempt.passed
    assert attempt.results["q-essay"]["feedback"][0]["en"] == "Good hand-over."
    outcome = service.quiz_outcomes(db_session, trainee.id, quiz_course.id)["check"]
    assert outcome.passed and outcome.attempts == 1 and outcome.best_score == pytest.approx(10 / 11)
    assert verbs(db_session, trainee) == ["attempted", "passed"]
    with pytest.raises(essays.GradingError):
        essays.grade_essay(db_session, instructor, waiting, {"insight": 2, "action": 2}, "", NOW)


def test_drawn_exam_and_course_completion(db_session, quiz_course, trainee, create_user):
    check = start(db_session, trainee, quiz_course)
    entries = right_entries(service.paper_of(db_session, check))
    entries.pop("q-essay")
    service.submit_attempt(db_session, check, "a", NOW + MINUTE, entries)
    db_session.commit()
    assert check.score == pytest.approx(7 / 11) and check.passed  # pass mark 0.6
    exam = start(db_session, trainee, quiz_course, "exam", NOW + 2 * MINUTE)
    paper = service.paper_of(db_session, exam)
    assert len(paper) == 5 and exam.deadline_at is None
    wrong = {qid: ("false" if e == "true" else "true") for qid, e in right_entries(paper).items()}
    service.submit_attempt(db_session, exam, "b", NOW + 3 * MINUTE, wrong)
    db_session.commit()
    assert exam.score == 0.0 and db_session.scalar(select(CourseCompletion)) is None
    retake = start(db_session, trainee, quiz_course, "exam", NOW + 4 * MINUTE)
    assert retake.seed != exam.seed or retake.number == 2
    service.submit_attempt(
        db_session,
        retake,
        "c",
        NOW + 5 * MINUTE,
        right_entries(service.paper_of(db_session, retake)),
    )
    db_session.commit()
    completion = db_session.scalar(select(CourseCompletion))
    assert completion is not None and completion.final_score == 1.0
    outcomes = service.quiz_outcomes(db_session, trainee.id, quiz_course.id)
    assert outcomes["exam"] == service.QuizOutcome(1.0, True, 2)


def test_last_attempt_grading_counts_the_latest(db_session, quiz_course, trainee):
    first = start(db_session, trainee, quiz_course, "exam")
    service.submit_attempt(
        db_session, first, "a", NOW + MINUTE, right_entries(service.paper_of(db_session, first))
    )
    db_session.commit()
    second = start(db_session, trainee, quiz_course, "exam", NOW + 2 * MINUTE)
    service.submit_attempt(db_session, second, "b", NOW + 3 * MINUTE, {})
    second.grading = first.grading = "last"
    db_session.commit()
    assert service.quiz_outcomes(db_session, trainee.id, quiz_course.id)[
        "exam"
    ] == service.QuizOutcome(0.0, False, 2)


@pytest.mark.skipif(bool(POSTGRES_URL), reason="needs two separate databases (one per app)")
def test_a_new_app_never_sees_cached_quizzes_of_another_database(make_app):
    from pathlib import Path

    from course.catalog.service import import_package
    from course.extensions import db

    fixtures = Path(__file__).parent.parent / "fixtures"
    packages = (
        (fixtures / "quizzes" / "content" / "quiz-course", True),
        (fixtures / "catalog" / "content" / "teamwork-basics", False),
    )
    for folder, has_check in packages:
        app = make_app()
        with app.app_context():
            result = import_package(db.session, None, folder, NOW)
            assert result.version.id == 1  # the same id, another database
            found = service.current_quiz(db.session, result.course, "check")
            assert (found is not None) == has_check
            db.session.remove()


def test_attempt_statements_share_a_registration_and_carry_raw_scores_and_duration(
    db_session, quiz_course, trainee
):
    from ralph.models.xapi.base.statements import BaseXapiStatement

    from course.progress import records

    first = start(db_session, trainee, quiz_course)
    points = sum(q["points"] for q, _ in service.paper_of(db_session, first))
    service.submit_attempt(db_session, first, "t-1", NOW + 3 * MINUTE + timedelta(seconds=5), {})
    second = start(db_session, trainee, quiz_course, at=NOW + timedelta(days=1))
    service.submit_attempt(db_session, second, "t-2", NOW + timedelta(days=1, minutes=1), {})
    db_session.commit()
    statements = list(records.statements(db_session, "http://localhost"))
    for statement in statements:
        BaseXapiStatement(**statement)
    about_quiz = [s for s in statements if "/quizzes/check" in s["object"]["id"]]
    assert [s["verb"]["display"]["en-US"] for s in about_quiz] == [
        "attempted",
        "failed",
        "attempted",
        "failed",
    ]
    registrations = [s["context"]["registration"] for s in about_quiz]
    assert registrations[0] == registrations[1] != registrations[2] == registrations[3]
    result = about_quiz[1]["result"]
    assert result["score"] == {"scaled": 0.0, "raw": 0, "min": 0, "max": points}
    assert result["duration"] == "PT3M5S" and result["success"] is False
    # the module quiz the course requires passing has no attempt left: the course is failed
    course_failed = [s for s in statements if s["object"]["id"].endswith("/courses/quiz-course")]
    assert [s["verb"]["display"]["en-US"] for s in course_failed] == ["failed"]
    assert course_failed[0]["result"] == {"success": False}
