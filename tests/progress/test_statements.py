"""Statements an LRS understands: checked against the xAPI rules (Ralph's pydantic models) and
for what a learning-analytics reader needs: names, structure, interactions, voiding, order."""

from datetime import timedelta

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement
from sqlalchemy import select

from course.cases import service as cases
from course.progress import records, service
from course.progress.models import LearningRecord
from tests.cases.conftest import NOW

ADL = "http://adlnet.gov/expapi/"
INTERACTION = ADL + "activities/cmi.interaction"


def journey(session, people, course):
    """A trainee reads two lessons, plays the case (stepping back once) and reflects."""
    user = people.trainee
    service.complete_lesson(session, user, course, "what-is-teamwork", NOW)
    service.complete_lesson(session, user, course, "listening", NOW + timedelta(minutes=5))
    play = cases.start_play(session, user, course, "desk-day", NOW + timedelta(minutes=10))
    cases.choose(session, user, play, "arrival", 1, NOW + timedelta(minutes=11))
    cases.go_back(session, user, play, "sent-away", NOW + timedelta(minutes=12))
    for minute, scene in enumerate(("arrival", "listen", "commit"), start=13):
        cases.choose(session, user, play, scene, 0, NOW + timedelta(minutes=minute))
    cases.submit_reflections(
        session, user, play, {"r1": "Ask first.", "r2": "A shared ticket."}, NOW + timedelta(1)
    )
    session.flush()
    return list(records.statements(session, "http://ignored.example"))


def by_verb(statements, verb):
    return [s for s in statements if s["verb"]["id"] == ADL + "verbs/" + verb]


def test_every_statement_follows_the_xapi_rules(db_session, course, people):
    statements = journey(db_session, people, course)
    assert len(statements) >= 10
    for statement in statements:
        BaseXapiStatement(**statement)


def test_activities_have_names_and_descriptions_in_both_languages(db_session, course, people):
    statements = journey(db_session, people, course)
    for statement in statements:
        target = statement["object"]
        if target["objectType"] != "Activity":
            continue
        definition = target["definition"]
        assert set(definition["name"]) == {"zh-CN", "en"}, target["id"]
        assert set(definition["description"]) == {"zh-CN", "en"}, target["id"]
        assert all(definition["name"].values()) and all(definition["description"].values())
    lesson = by_verb(statements, "completed")[0]["object"]["definition"]
    assert lesson["name"] == {"zh-CN": "什么是团队协作", "en": "What is teamwork"}
    assert lesson["description"]["en"] == "Lesson in “Basics”, Teamwork Basics"


def test_structure_goes_scene_case_module_course(db_session, course, people):
    statements = journey(db_session, people, course)
    base = "http://localhost/courses/teamwork-basics"
    lesson = by_verb(statements, "completed")[0]["context"]["contextActivities"]
    assert [a["id"] for a in lesson["parent"]] == [f"{base}/modules/basics"]
    assert lesson["parent"][0]["definition"]["name"] == {"zh-CN": "基础", "en": "Basics"}
    assert lesson["parent"][0]["definition"]["type"] == ADL + "activities/module"
    assert [a["id"] for a in lesson["grouping"]] == [base]
    scene = by_verb(statements, "answered")[0]["context"]["contextActivities"]
    assert [a["id"] for a in scene["parent"]] == [f"{base}/cases/desk-day"]
    assert [a["definition"]["type"] for a in scene["grouping"]] == [
        ADL + "activities/module",
        ADL + "activities/course",
    ]


def test_scene_choices_are_choice_interactions(db_session, course, people):
    statements = journey(db_session, people, course)
    answered = [
        s for s in by_verb(statements, "answered") if "#reflection" not in s["object"]["id"]
    ]
    for statement in answered:
        definition = statement["object"]["definition"]
        assert definition["type"] == INTERACTION
        assert definition["interactionType"] == "choice"
        ids = [choice["id"] for choice in definition["choices"]]
        assert statement["result"]["response"] in ids
        assert all(set(c["description"]) == {"zh-CN", "en"} for c in definition["choices"])
    first = answered[0]["object"]["definition"]
    assert [c["description"]["en"] for c in first["choices"]] == [
        "Ask what he needs",
        "Send him to another counter",
    ]
    assert answered[0]["result"]["response"] == "sent-away"


def test_reflections_are_long_fill_in(db_session, course, people):
    statements = journey(db_session, people, course)
    reflections = [s for s in by_verb(statements, "answered") if "#reflection" in s["object"]["id"]]
    assert len(reflections) == 2
    definition = reflections[0]["object"]["definition"]
    assert (definition["type"], definition["interactionType"]) == (INTERACTION, "long-fill-in")
    assert definition["name"] == {"zh-CN": "你会怎样做？", "en": "What would you do?"}
    assert reflections[0]["result"]["response"] == "Ask first."
    parent = reflections[0]["context"]["contextActivities"]["parent"][0]
    assert parent["id"].endswith("/cases/desk-day")


def test_stepping_back_voids_the_choice(db_session, course, people):
    statements = journey(db_session, people, course)
    (voiding,) = by_verb(statements, "voided")
    undone = by_verb(statements, "answered")[0]
    assert voiding["object"] == {"objectType": "StatementRef", "id": undone["id"]}
    assert undone["result"]["response"] == "sent-away"
    BaseXapiStatement(**voiding)


def test_equal_timestamps_keep_the_order_they_were_recorded_in(db_session, course, people):
    statements = journey(db_session, people, course)
    last_minute = [s for s in statements if s["timestamp"] == statements[-3]["timestamp"]]
    verbs = [s["verb"]["display"]["en-US"] for s in last_minute]
    assert verbs[:2] == ["answered", "completed"]
    ordinals = [
        (row.timestamp, row.ordinal)
        for row in db_session.scalars(
            select(LearningRecord).order_by(
                LearningRecord.timestamp, LearningRecord.ordinal, LearningRecord.id
            )
        )
    ]
    assert ordinals == sorted(ordinals)


def test_the_actor_name_can_be_left_out(db_session, course, people):
    service.store_record_settings(db_session, "http://localhost", actor_name=False, replace=True)
    statements = journey(db_session, people, course)
    assert all("name" not in s["actor"] for s in statements)
    assert statements[0]["actor"]["account"] == {
        "homePage": "http://localhost",
        "name": str(people.trainee.id),
    }


@pytest.mark.usefixtures("quiz_results")
def test_course_passed_and_completed_as_cmi5_expects(db_session, course, people, quiz_results):
    from course.quizzes.service import QuizOutcome

    quiz_results["basics"] = QuizOutcome(0.9, True, 1)
    journey(db_session, people, course)
    service.complete_lesson(db_session, people.trainee, course, "handover", NOW + timedelta(2))
    statements = list(records.statements(db_session, "http://x"))
    about_course = [s for s in statements if s["object"]["id"].endswith("/teamwork-basics")]
    assert [s["verb"]["display"]["en-US"] for s in about_course] == ["passed", "completed"]
    for statement in about_course:
        BaseXapiStatement(**statement)
        category = statement["context"]["contextActivities"]["category"][0]["id"]
        assert category == "https://w3id.org/xapi/cmi5/context/categories/moveon"
    assert about_course[0]["result"]["success"] is True
