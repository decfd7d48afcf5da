"""Learning records and course completion against a real database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from course.cases import service as cases
from course.catalog.service import current_version
from course.progress import records, service
from course.progress.models import CourseCompletion, LearningRecord
from course.progress.signals import course_completed
from tests.cases.conftest import NOW

VERBS = "http://adlnet.gov/expapi/verbs/"
LESSONS = ("what-is-teamwork", "listening", "handover")


@dataclass(frozen=True)
class Outcome:
    best_score: float
    passed: bool
    attempts: int = 1


def finish_case(session, user, course, at):
    play = cases.start_play(session, user, course, "desk-day", at)
    for minute, scene in enumerate(("arrival", "listen", "commit"), start=1):
        cases.choose(session, user, play, scene, 0, at + timedelta(minutes=minute))
    return play


def test_lesson_completion_is_recorded_once(db_session, course, people):
    service.complete_lesson(db_session, people.trainee, course, "listening", NOW)
    service.complete_lesson(
        db_session, people.trainee, course, "listening", NOW + timedelta(hours=1)
    )
    rows = db_session.scalars(select(LearningRecord)).all()
    assert len(rows) == 1
    assert (rows[0].verb, rows[0].object_id, rows[0].object_type) == (
        VERBS + "completed",
        "/courses/teamwork-basics/lessons/listening",
        "lesson",
    )
    assert rows[0].timestamp == NOW


def test_progress_follows_the_rule_and_completion_is_recorded_once(
    db_session, course, people, quiz_results
):
    sent = []

    def listener(sender, completion, session, now):
        sent.append((sender.slug, completion.user_id, now))

    course_completed.connect(listener)
    try:
        version = current_version(db_session, course)
        assert service.course_progress(db_session, people.trainee.id, course, version).progress == 0
        for lesson in LESSONS:
            service.complete_lesson(db_session, people.trainee, course, lesson, NOW)
        result = service.course_progress(db_session, people.trainee.id, course, version)
        assert result.missing == ["quiz:basics", "case:desk-day"]
        assert result.progress == 0.6
        finish_case(db_session, people.trainee, course, NOW + timedelta(hours=1))
        assert service.get_completion(db_session, people.trainee.id, course.id) is None
        quiz_results["basics"] = Outcome(0.8, True)
        completion = service.update_completion(
            db_session, people.trainee, course, NOW + timedelta(hours=2)
        )
        assert completion.completed_at == NOW + timedelta(hours=2)
        assert completion.final_score == 0.8  # no final exam: the module quizzes' mean
        assert completion.version_id == version.id
        again = service.update_completion(
            db_session, people.trainee, course, NOW + timedelta(hours=3)
        )
        assert again is completion
    finally:
        course_completed.disconnect(listener)
    assert sent == [("teamwork-basics", people.trainee.id, NOW + timedelta(hours=2))]
    assert db_session.scalar(select(func.count()).select_from(CourseCompletion)) == 1
    course_done = db_session.scalars(
        select(LearningRecord).where(LearningRecord.object_type == "course")
    ).all()
    assert [(r.verb.rsplit("/", 1)[1], r.result) for r in course_done] == [
        ("passed", {"score": {"scaled": 0.8}, "success": True}),
        ("completed", {"score": {"scaled": 0.8}, "completion": True}),
    ]


def test_statements_keep_the_iri_base_they_were_recorded_under(db_session, course, people):
    service.complete_lesson(db_session, people.trainee, course, "listening", NOW)
    service.complete_lesson(db_session, people.other, course, "listening", NOW + timedelta(days=2))
    all_of_them = list(records.statements(db_session, "https://moved.example.org/"))
    assert [s["actor"]["name"] for s in all_of_them] == ["Lin Xiaoyu", "Other Trainee"]
    first = all_of_them[0]
    assert first["object"]["id"] == "http://localhost/courses/teamwork-basics/lessons/listening"
    assert first["actor"]["account"]["homePage"] == "http://localhost"
    assert first["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert first["timestamp"] == "2026-03-02T09:00:00.000Z"
    assert list(records.statements(db_session, "https://elsewhere.example")) == all_of_them
    later = list(records.statements(db_session, "https://x.org", since=NOW + timedelta(days=1)))
    assert [s["actor"]["name"] for s in later] == ["Other Trainee"]
    mine = list(records.statements(db_session, "https://x.org", user_id=people.trainee.id))
    assert len(mine) == 1
    stored = db_session.scalars(select(LearningRecord.context)).first()
    assert stored["contextActivities"]["parent"][0]["id"] == "/courses/teamwork-basics"
    # a new IRI base applies to statements recorded from then on, never to recorded ones
    service.store_record_settings(db_session, "https://learn.example.org", False, replace=True)
    service.complete_lesson(db_session, people.trainee, course, "what-is-teamwork", NOW)
    again = {s["id"]: s for s in records.statements(db_session, "https://x.org")}
    assert again[first["id"]] == first
    newest = next(s for s in again.values() if "what-is-teamwork" in s["object"]["id"])
    assert newest["object"]["id"].startswith("https://learn.example.org/courses/")
    assert "name" not in newest["actor"]


def test_records_made_before_statements_were_stored_expand_on_export(db_session, course, people):
    entry = service.complete_lesson(db_session, people.trainee, course, "listening", NOW)
    assert entry is not None
    row = db_session.scalars(select(LearningRecord)).one()
    row.statement = None
    db_session.flush()
    (statement,) = records.statements(db_session, "https://learn.example.org/")
    assert statement["object"]["id"].startswith("https://learn.example.org/courses/")


def test_records_export_command(runner, db_session, course, people, tmp_path):
    service.complete_lesson(db_session, people.trainee, course, "listening", NOW)
    finish_case(db_session, people.trainee, course, NOW + timedelta(days=3))
    db_session.commit()
    result = runner.invoke(args=["records", "export"])
    assert result.exit_code == 0, result.output
    statements = json.loads(result.output)
    # time order; the last choice and the case's completion share a timestamp
    assert [s["timestamp"] for s in statements] == sorted(s["timestamp"] for s in statements)
    verbs = [s["verb"]["display"]["en-US"] for s in statements]
    assert verbs[:4] == ["completed", "attempted", "answered", "answered"]
    assert sorted(verbs[4:]) == ["answered", "completed"]
    target = tmp_path / "out.json"
    result = runner.invoke(
        args=["records", "export", "--since", "2026-03-04", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    later = json.loads(target.read_text("utf-8"))
    assert len(later) == 5 and all(s["timestamp"] >= "2026-03-04" for s in later)
    result = runner.invoke(args=["records", "export", "--since", "2030-01-01"])
    assert json.loads(result.output) == []
    result = runner.invoke(args=["records", "export", "--since", "yesterday"])
    assert result.exit_code != 0
