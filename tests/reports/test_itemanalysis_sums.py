"""Item analysis from running sums gives what the old per-view computation gave.

The old computation (decode every graded attempt, then ``analyse``) is kept here as the
reference, and both run on the same generated data.
"""

from __future__ import annotations

import random

import pytest

from course.catalog.service import current_version
from course.quizzes.models import GRADED, QuizAttempt
from course.reports import service
from course.reports.itemanalysis import (
    ItemResponse,
    ItemSums,
    analyse,
    choice_options,
    contributions,
    picked_options,
    statistics_from_sums,
)
from tests.authoring.conftest import NOW
from tests.reports.test_service import graded


def reference_item_statistics(attempts, questions):
    """The item analysis as the report computed it before the sums (kept as the reference)."""
    responses = []
    for attempt in attempts:
        for question_id, result in (attempt.results or {}).items():
            score = result.get("score") if isinstance(result, dict) else None
            if score is None:
                continue
            picked = picked_options(
                questions.get(question_id), (attempt.responses or {}).get(question_id)
            )
            responses.append(ItemResponse(attempt.id, question_id, float(score), picked))
    options = {qid: choice_options(q) for qid, q in questions.items() if choice_options(q)}
    return analyse(responses, options, order=list(questions))


def assert_same(old, new):
    assert [s.item for s in old] == [s.item for s in new]
    for before, after in zip(old, new, strict=True):
        assert after.responses == before.responses
        assert after.facility == pytest.approx(before.facility, abs=1e-9)
        if before.discrimination is None:
            assert after.discrimination is None, before.item
        else:
            assert after.discrimination == pytest.approx(before.discrimination, abs=1e-9)
        assert [(o.option, o.correct, o.count) for o in after.options] == [
            (o.option, o.correct, o.count) for o in before.options
        ]
        assert [o.share for o in after.options] == pytest.approx([o.share for o in before.options])
        assert after.flags == before.flags


def _bank(rng):
    questions = {}
    for number in range(12):
        kind = ("single", "multiple", "true_false", "short")[number % 4]
        question = {"id": f"q{number}", "type": kind}
        if kind in ("single", "multiple"):
            question["options"] = [
                {"id": letter, "correct": letter == "a" or (kind == "multiple" and letter == "b")}
                for letter in "abcd"
            ]
        if kind == "true_false":
            question["answer"] = True
        questions[question["id"]] = question
    return questions


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sums_match_the_reference_on_a_generated_drawn_exam(seed):
    """Attempts draw 6 of 12 questions; partial credit; one question everyone gets right."""
    rng = random.Random(seed)
    questions = _bank(rng)
    attempts = []
    for attempt_id in range(400):
        drawn = rng.sample(sorted(questions), 6)
        if attempt_id % 50 == 0:
            drawn = drawn[:1]  # an attempt with one graded question has no rest score
        responses, results = {}, {}
        for qid in drawn:
            question = questions[qid]
            if question["type"] == "single":
                responses[qid] = rng.choice("abcc")  # "d" is never picked
            elif question["type"] == "multiple":
                responses[qid] = rng.sample("abcd", rng.randint(1, 3))
            elif question["type"] == "true_false":
                responses[qid] = rng.choice(["true", "false"])
            score = 1.0 if qid == "q3" else rng.choice([0.0, 0.5, 1.0, 1 / 3])
            results[qid] = {"score": score}
        if attempt_id % 37 == 0:
            results[drawn[0]] = {"score": None}  # an essay waiting: not counted
        attempts.append(QuizAttempt(id=attempt_id, responses=responses, results=results))
    old = reference_item_statistics(attempts, questions)

    sums = {qid: ItemSums() for qid in questions}
    picks: dict[str, dict[str, int]] = {}
    for attempt in attempts:
        scores = {q: r["score"] for q, r in attempt.results.items() if r["score"] is not None}
        for qid, part in contributions(scores).items():
            sums[qid].add(part)
            for option in set(picked_options(questions[qid], attempt.responses.get(qid))):
                picks.setdefault(qid, {})[option] = picks.get(qid, {}).get(option, 0) + 1
    new = [
        statistics_from_sums(qid, sums[qid], choice_options(questions[qid]), picks.get(qid))
        for qid in questions
    ]
    assert_same(old, new)
    assert any(s.discrimination is not None for s in new)
    assert next(s for s in new if s.item == "q3").discrimination is None  # constant
    assert "unused-distractor:d" in next(s for s in new if s.item == "q0").flags


def test_the_report_matches_the_reference_on_graded_attempts(db_session, course, create_user):
    """Attempts graded across two versions of the course, read back through the report."""
    rng = random.Random(7)
    version = current_version(db_session, course)
    questions = {q["id"]: q for q in version.quizzes["basics"]["questions"]}
    user = create_user()
    attempts = []
    for number in range(1, 151):
        q1, q2 = rng.choice("aab"), rng.choice(["true", "true", "false"])
        responses, results = (
            {"q-basics-01": q1, "q-basics-02": q2},
            {
                "q-basics-01": {"score": float(q1 == "a")},
                "q-basics-02": {"score": float(q2 == "true")},
            },
        )
        if number % 10 == 0:
            del responses["q-basics-02"]
            results["q-basics-02"] = {"score": 0.0}
        attempt = QuizAttempt(
            user_id=user.id, course_id=course.id, version_id=version.id, quiz_id="basics",
            number=number, seed=number, started_at=NOW, submitted_at=NOW, status=GRADED,
            responses=responses, results=results, score=0.5, passed=True, pass_mark=0.5,
        )  # fmt: skip
        attempts.append(graded(db_session, attempt))
    db_session.commit()
    old = reference_item_statistics(attempts, questions)
    _quiz, rows = service.item_analysis(db_session, course, "basics", "en")
    assert_same(old, [row.stats for row in rows])


def test_grading_an_attempt_adds_it_to_the_sums(db_session, course, create_user):
    """The quiz service's own grading path updates the sums (no attempt is read by the report)."""
    from course.progress.service import enrol
    from course.quizzes import service as quizzes
    from course.quizzes.models import QuizItemSums

    user = create_user()
    enrol(db_session, user, course, NOW)
    attempt = quizzes.start_attempt(db_session, user, course, "basics", NOW)
    quizzes.save_answers(db_session, attempt, {"q-basics-01": "a", "q-basics-02": "false"}, NOW)
    quizzes.submit_attempt(db_session, attempt, "token-1", NOW)
    db_session.commit()
    sums = {
        row.question_id: (row.responses, row.score_sum)
        for row in db_session.query(QuizItemSums).filter_by(course_id=course.id)
    }
    assert sums == {"q-basics-01": (1, 1.0), "q-basics-02": (1, 0.0)}
