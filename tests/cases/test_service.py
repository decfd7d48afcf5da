"""Playing cases against a real database: plays, back rules, reflections, reviews, outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from course.cases import review, service
from course.cases.models import CaseChoice, CasePlay
from course.cases.scenario import ScenarioError
from course.progress.models import LearningRecord
from tests.cases.conftest import NOW

VERBS = "http://adlnet.gov/expapi/verbs/"


def play_to_ending(session, user, course, moves, start=NOW):
    """Start a play and take ``moves`` as (scene, choice index) pairs, one minute apart."""
    play = service.start_play(session, user, course, "desk-day", start)
    for minute, (scene, index) in enumerate(moves, start=1):
        service.choose(session, user, play, scene, index, start + timedelta(minutes=minute))
    return play


BEST = [("arrival", 0), ("listen", 0), ("commit", 0)]
DETOUR = [("arrival", 1), ("sent-away", 0), ("listen", 0), ("commit", 0)]


def test_a_play_reaches_an_ending_with_its_score_and_records(db_session, course, people):
    play = play_to_ending(db_session, people.trainee, course, BEST)
    assert play.ended and play.ending == "joint" and play.current_scene == "joint"
    assert (play.score, play.max_score, play.scaled_score) == (6, 6, 1.0)
    assert play.ended_at == NOW + timedelta(minutes=3)
    state = service.play_state(db_session, play)
    assert [scene["id"] for scene in state.path] == ["arrival", "listen", "commit", "joint"]
    assert state.outcome.shown == ("communication", "roles", "tools", "trust", "citizen-focus")
    assert state.outcome.missed == ()
    verbs = db_session.scalars(
        select(LearningRecord.verb)
        .where(LearningRecord.user_id == people.trainee.id)
        .order_by(LearningRecord.timestamp, LearningRecord.verb)
    ).all()
    assert verbs == [
        VERBS + v for v in ("attempted", "answered", "answered", "answered", "completed")
    ]
    done = db_session.scalar(
        select(LearningRecord).where(LearningRecord.verb == VERBS + "completed")
    )
    assert done.object_id == "/courses/teamwork-basics/cases/desk-day"
    assert done.result["score"] == {"scaled": 1.0, "raw": 6, "min": 0, "max": 6}
    assert done.context["registration"] == play.registration
    assert done.context["contextActivities"]["parent"][0]["id"] == "/courses/teamwork-basics"


def test_a_poor_path_scores_less_and_misses_competencies(db_session, course, people):
    play = play_to_ending(db_session, people.trainee, course, DETOUR)
    assert (play.score, play.scaled_score) == (3, 0.5)
    outcome = service.play_state(db_session, play).outcome
    assert "communication" in outcome.missed and "citizen-focus" in outcome.missed


def test_a_repeated_submission_changes_nothing(db_session, course, people):
    play = service.start_play(db_session, people.trainee, course, "desk-day", NOW)
    service.choose(db_session, people.trainee, play, "arrival", 0, NOW)
    service.choose(db_session, people.trainee, play, "arrival", 1, NOW)  # stale: already moved on
    assert play.current_scene == "listen" and len(play.path) == 1
    assert (
        db_session.scalar(select(CaseChoice.target).where(CaseChoice.play_id == play.id))
        == "listen"
    )
    with pytest.raises(ScenarioError):
        service.choose(db_session, people.trainee, play, "listen", 7, NOW)


def test_stepping_back_undoes_a_choice_until_a_point_of_no_return(db_session, course, people):
    play = service.start_play(db_session, people.trainee, course, "desk-day", NOW)
    service.choose(db_session, people.trainee, play, "arrival", 1, NOW)
    assert service.play_state(db_session, play).can_go_back
    service.go_back(db_session, people.trainee, play, "sent-away", NOW)
    assert (play.current_scene, play.path, play.score) == ("arrival", [], 0)
    assert db_session.scalar(select(CaseChoice.undone).where(CaseChoice.play_id == play.id)) is True
    service.choose(db_session, people.trainee, play, "arrival", 0, NOW)
    service.choose(db_session, people.trainee, play, "listen", 0, NOW)
    assert play.current_scene == "commit"
    assert not service.play_state(db_session, play).can_go_back
    with pytest.raises(ScenarioError):
        service.go_back(db_session, people.trainee, play, "commit", NOW)


def test_every_play_is_kept_and_the_best_counts(db_session, course, people):
    play_to_ending(db_session, people.trainee, course, DETOUR)
    play_to_ending(db_session, people.trainee, course, BEST, start=NOW + timedelta(hours=1))
    service.start_play(db_session, people.trainee, course, "desk-day", NOW + timedelta(hours=2))
    plays = service.plays_of(db_session, people.trainee.id, course.id, "desk-day")
    assert [p.ended for p in plays] == [False, True, True]
    outcome = service.case_outcomes(db_session, people.trainee.id, course.id)["desk-day"]
    assert (outcome.completed, outcome.reviewed, outcome.best_score) == (True, False, 1.0)
    assert service.case_outcomes(db_session, people.other.id, course.id) == {}


def test_reflections_are_required_once_per_ended_play(db_session, course, people):
    unfinished = service.start_play(db_session, people.trainee, course, "desk-day", NOW)
    with pytest.raises(service.ReflectionError):
        service.submit_reflections(db_session, people.trainee, unfinished, {"r1": "x"}, NOW)
    play = play_to_ending(db_session, people.trainee, course, BEST)
    with pytest.raises(service.ReflectionError) as missing:
        service.submit_reflections(
            db_session, people.trainee, play, {"r1": "先问清", "r2": "  "}, NOW
        )
    assert missing.value.missing == ["r2"]
    saved = service.submit_reflections(
        db_session, people.trainee, play, {"r1": "先问清", "r2": "缺联办单"}, NOW
    )
    again = service.submit_reflections(
        db_session, people.trainee, play, {"r1": "changed", "r2": "x"}, NOW
    )
    assert [r.text for r in again] == ["先问清", "缺联办单"] == [r.text for r in saved]


def test_review_scores_on_the_rubric_and_marks_the_case_reviewed(db_session, course, people):
    play = play_to_ending(db_session, people.trainee, course, BEST)
    first, second = service.submit_reflections(
        db_session, people.trainee, play, {"r1": "先问清", "r2": "缺联办单"}, NOW
    )
    queue = review.review_queue(db_session, course, {people.trainee.id})
    assert [item.reflection.id for item in queue] == [first.id, second.id]
    assert queue[0].prompt["en"] == "What would you do?" and queue[0].rubric[1]["points"] == 2
    assert review.review_queue(db_session, course, {people.other.id}) == []
    with pytest.raises(review.ReviewError):
        review.review_reflection(
            db_session, people.instructor, first, {"insight": 5, "action": 1}, "", NOW
        )
    with pytest.raises(review.ReviewError):
        review.review_reflection(db_session, people.instructor, first, {"insight": 3}, "", NOW)
    review.review_reflection(
        db_session, people.instructor, first, {"insight": 3, "action": 2}, " Good. ", NOW
    )
    assert (first.scores, first.feedback, first.reviewed_by_id) == (
        {"insight": 3, "action": 2},
        "Good.",
        people.instructor.id,
    )
    assert not service.case_outcomes(db_session, people.trainee.id, course.id)["desk-day"].reviewed
    review.review_reflection(
        db_session, people.instructor, second, {"insight": 1, "action": 0}, "", NOW
    )
    assert service.case_outcomes(db_session, people.trainee.id, course.id)["desk-day"].reviewed
    assert review.review_queue(db_session, course, None) == []
    assert len(review.review_queue(db_session, course, None, reviewed=True)) == 2


def test_choice_distribution_counts_kept_choices_per_scene(db_session, course, people):
    play_to_ending(db_session, people.trainee, course, BEST)
    play_to_ending(db_session, people.other, course, DETOUR)
    undone = service.start_play(db_session, people.other, course, "desk-day", NOW)
    service.choose(db_session, people.other, undone, "arrival", 1, NOW)
    service.go_back(db_session, people.other, undone, "sent-away", NOW)
    definition = service.case_definition(db_session, course, "desk-day")[1]
    scenes = {s.scene: s for s in review.choice_distribution(db_session, course, definition, None)}
    assert list(scenes) == ["arrival", "listen", "commit", "sent-away"]
    assert [(c.count, c.share) for c in scenes["arrival"].choices] == [(1, 0.5), (1, 0.5)]
    assert [c.count for c in scenes["listen"].choices] == [2, 0]
    mine = review.choice_distribution(db_session, course, definition, {people.trainee.id})
    assert [c.count for c in mine[0].choices] == [1, 0]
    assert [s.total for s in review.choice_distribution(db_session, course, definition, set())] == [
        0,
        0,
        0,
        0,
    ]


def test_an_unknown_case_is_not_found(db_session, course, people):
    with pytest.raises(service.CaseNotFound):
        service.start_play(db_session, people.trainee, course, "no-such-case", NOW)
    assert db_session.scalar(select(CasePlay.id)) is None
