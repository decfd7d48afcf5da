"""The course page leads an enrolled trainee to every item: lessons, quizzes, cases, the exam."""

from __future__ import annotations

from course.catalog.service import get_course
from course.progress.service import enrol
from tests.catalog.conftest import NOW


def test_enrolled_trainee_sees_links_to_quizzes_and_cases(
    client, db_session, imported_course, create_user, login
):
    trainee = create_user()
    course = get_course(db_session, "teamwork-basics")
    page = client.get("/courses/teamwork-basics").get_data(as_text=True)
    assert "/courses/teamwork-basics/quizzes/basics" not in page  # anonymous: no links
    login(trainee)
    enrol(db_session, trainee, course, NOW)
    db_session.commit()
    page = client.get("/courses/teamwork-basics").get_data(as_text=True)
    assert 'href="/courses/teamwork-basics/quizzes/basics"' in page
    assert 'href="/courses/teamwork-basics/cases/desk-day"' in page


def test_flagship_course_page_links_the_final_exam(client, db_session, create_user, login):
    from pathlib import Path

    from course.catalog.service import import_package

    flagship = Path(__file__).resolve().parents[2] / "content" / "service-team-collaboration"
    assert import_package(db_session, None, flagship, NOW).ok
    db_session.commit()
    trainee = create_user()
    login(trainee)
    enrol(db_session, trainee, get_course(db_session, "service-team-collaboration"), NOW)
    db_session.commit()
    page = client.get("/courses/service-team-collaboration").get_data(as_text=True)
    assert 'href="/courses/service-team-collaboration/quizzes/final-exam"' in page
    assert 'href="/courses/service-team-collaboration/cases/government-service-centre"' in page
