"""Building xAPI statements as plain dicts."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from course.progress.xapi import (
    Actor,
    activity_id,
    iso_timestamp,
    parent_context,
    score_result,
    statement,
    verb_iri,
)

BASE = "https://learn.example.org/"


def test_activity_ids_hang_under_the_course():
    assert activity_id(BASE, "stc") == "https://learn.example.org/courses/stc"
    assert activity_id(BASE, "stc", "lesson", "why-teams") == f"{BASE}courses/stc/lessons/why-teams"
    assert activity_id(BASE, "stc", "quiz", "final-exam") == f"{BASE}courses/stc/quizzes/final-exam"
    assert activity_id(BASE, "stc", "case", "hotel-guest") == f"{BASE}courses/stc/cases/hotel-guest"
    assert (
        activity_id(BASE, "stc", "scene", "hotel-guest#lobby")
        == f"{BASE}courses/stc/cases/hotel-guest#lobby"
    )


def test_verbs_are_adl_iris():
    assert verb_iri("completed") == "http://adlnet.gov/expapi/verbs/completed"
    assert verb_iri("http://adlnet.gov/expapi/verbs/answered").endswith("/answered")
    with pytest.raises(ValueError):
        verb_iri("liked")


def test_a_full_statement():
    when = datetime(2026, 3, 1, 17, 30, tzinfo=timezone(timedelta(hours=8)))
    course = activity_id(BASE, "stc")
    built = statement(
        "9b2c1f3e-0000-4000-8000-000000000001",
        Actor("https://learn.example.org", "42", "林小雨"),
        "passed",
        activity_id(BASE, "stc", "quiz", "background"),
        when,
        object_type="quiz",
        object_name={"zh-CN": "模块一测验", "en": "Module 1 quiz"},
        result=score_result(scaled=0.85, raw=17, maximum=20, success=True, completion=True),
        context=parent_context(course),
    )
    assert built == {
        "id": "9b2c1f3e-0000-4000-8000-000000000001",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://learn.example.org", "name": "42"},
            "name": "林小雨",
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {
            "objectType": "Activity",
            "id": "https://learn.example.org/courses/stc/quizzes/background",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/assessment",
                "name": {"zh-CN": "模块一测验", "en": "Module 1 quiz"},
            },
        },
        "result": {
            "score": {"scaled": 0.85, "raw": 17, "min": 0, "max": 20},
            "success": True,
            "completion": True,
        },
        "context": {"contextActivities": {"parent": [{"objectType": "Activity", "id": course}]}},
        "timestamp": "2026-03-01T09:30:00.000Z",
        "version": "1.0.3",
    }


def test_optional_parts_are_left_out():
    built = statement("id-1", Actor(BASE, "7"), "completed", "urn:x", datetime(2026, 1, 1))
    assert set(built) == {"id", "actor", "verb", "object", "timestamp", "version"}
    assert built["object"] == {"objectType": "Activity", "id": "urn:x"}
    assert built["timestamp"] == "2026-01-01T00:00:00.000Z"


def test_scores_are_clamped_and_negative_raw_keeps_a_minimum():
    assert score_result(scaled=1.7) == {"score": {"scaled": 1.0}}
    assert score_result(raw=-2, maximum=15, scaled=-0.1) == {
        "score": {"scaled": 0.0, "raw": -2, "min": -2, "max": 15}
    }
    assert score_result(response="joint-ticket") == {"response": "joint-ticket"}
    assert (
        iso_timestamp(datetime(2026, 5, 4, 3, 2, 1, 500000, tzinfo=UTC))
        == "2026-05-04T03:02:01.500Z"
    )
