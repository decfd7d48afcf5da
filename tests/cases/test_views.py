"""Case pages through the test client: plain-form play, debrief, reflections, review, access."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from course.cases.models import CasePlay, Reflection

BASE = "/courses/teamwork-basics/cases/desk-day"


def start(client):
    response = client.post(f"{BASE}/plays")
    assert response.status_code == 302
    return response.headers["Location"]


def choose(client, play_url, scene, index):
    return client.post(f"{play_url}/choose", data={"scene": scene, "choice": str(index)})


def test_a_trainee_plays_reflects_and_reads_the_review(client, login, db_session, people):
    login(people.trainee)
    intro = client.get(BASE).get_data(as_text=True)
    assert "A day at the counter" in intro and "Start the case" in intro
    play_url = start(client)
    page = client.get(play_url).get_data(as_text=True)
    assert '<h1 id="scene-title">Arrival</h1>' in page
    assert re.search(
        r'<button type="submit" name="choice" value="0" class="choice">Ask what he needs</button>',
        page,
    )
    assert "Step back" not in page  # nothing to undo yet
    assert choose(client, play_url, "arrival", 1).status_code == 302
    assert "Step back" in client.get(play_url).get_data(as_text=True)
    client.post(f"{play_url}/back", data={"scene": "sent-away"})
    for scene in ("arrival", "listen", "commit"):
        choose(client, play_url, scene, 0)
    response = client.get(play_url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/debrief")
    debrief = client.get(f"{play_url}/debrief").get_data(as_text=True)
    assert "Joint handling saves trips." in debrief
    assert "6 of 6 points (100%)" in debrief
    assert "Ask what he needs" in debrief  # the path taken, with the choices
    missing = client.post(
        f"{play_url}/reflections", data={"answer-r1": "Ask first.", "answer-r2": ""}
    )
    assert missing.status_code == 422
    assert "Please answer this question." in missing.get_data(as_text=True)
    assert db_session.scalar(select(Reflection.id)) is None
    sent = client.post(
        f"{play_url}/reflections", data={"answer-r1": "Ask first.", "answer-r2": "A joint slip."}
    )
    assert sent.status_code == 302
    assert "waiting for an instructor" in client.get(f"{play_url}/debrief").get_data(as_text=True)

    client.post("/logout")
    login(people.instructor)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Reflections to review" in dashboard and "2 waiting" in dashboard
    queue = client.get("/courses/teamwork-basics/reviews").get_data(as_text=True)
    assert "Lin Xiaoyu" in queue and "What would you do?" in queue
    first = db_session.scalars(select(Reflection).order_by(Reflection.id)).first()
    form = client.get(f"/courses/teamwork-basics/reviews/{first.id}").get_data(as_text=True)
    assert "Ask first." in form and 'name="score-insight"' in form
    bad = client.post(
        f"/courses/teamwork-basics/reviews/{first.id}",
        data={"score-insight": "9", "score-action": "1"},
    )
    assert bad.status_code == 422
    saved = client.post(
        f"/courses/teamwork-basics/reviews/{first.id}",
        data={"score-insight": "3", "score-action": "2", "feedback": "Clear and practical."},
    )
    assert saved.status_code == 302

    client.post("/logout")
    login(people.trainee)
    debrief = client.get(f"{play_url}/debrief").get_data(as_text=True)
    assert "Clear and practical." in debrief and "5 of 6 points" in debrief


def test_plays_and_reviews_are_private(client, login, db_session, people):
    login(people.trainee)
    play_url = start(client)
    client.post("/logout")
    login(people.other)
    assert client.get(play_url).status_code == 403
    assert choose(client, play_url, "arrival", 0).status_code == 403
    play = db_session.scalar(select(CasePlay))
    assert play.path == []


def test_reviewing_someone_elses_trainee_is_forbidden(client, login, db_session, course, people):
    from course.cases import service
    from tests.cases.conftest import NOW

    play = service.start_play(db_session, people.trainee, course, "desk-day", NOW)
    for scene in ("arrival", "listen", "commit"):
        service.choose(db_session, people.trainee, play, scene, 0, NOW)
    reflection, _ = service.submit_reflections(
        db_session, people.trainee, play, {"r1": "a", "r2": "b"}, NOW
    )
    db_session.commit()
    login(people.outsider)
    queue = client.get("/courses/teamwork-basics/reviews").get_data(as_text=True)
    assert "Nothing is waiting for review." in queue and "Lin Xiaoyu" not in queue
    assert client.get(f"/courses/teamwork-basics/reviews/{reflection.id}").status_code == 403
    assert (
        client.post(
            f"/courses/teamwork-basics/reviews/{reflection.id}",
            data={"score-insight": "1", "score-action": "1"},
        ).status_code
        == 403
    )


def test_not_enrolled_users_cannot_start(client, login, create_user, course):
    login(create_user())
    assert client.post(f"{BASE}/plays").status_code == 403
    assert client.get("/courses/teamwork-basics/cases/nope").status_code == 404


def test_distribution_page_for_the_instructor(client, login, db_session, course, people):
    from course.cases import service
    from tests.cases.conftest import NOW

    play = service.start_play(db_session, people.trainee, course, "desk-day", NOW)
    service.choose(db_session, people.trainee, play, "arrival", 1, NOW)
    db_session.commit()
    login(people.instructor)
    page = client.get(f"{BASE}/choices").get_data(as_text=True)
    assert "Send him to another counter" in page and "100%" in page
    client.post("/logout")
    login(people.trainee)
    assert client.get(f"{BASE}/choices").status_code == 403


def test_records_page_and_download(client, login, db_session, course, people):
    from course.progress.service import complete_lesson
    from tests.cases.conftest import NOW

    complete_lesson(db_session, people.trainee, course, "listening", NOW)
    complete_lesson(db_session, people.other, course, "listening", NOW)
    db_session.commit()
    login(people.trainee)
    page = client.get("/records").get_data(as_text=True)
    assert "/courses/teamwork-basics/lessons/listening" in page
    response = client.get("/records.json")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    statements = json.loads(response.get_data(as_text=True))
    assert len(statements) == 1 and statements[0]["actor"]["account"]["name"] == str(
        people.trainee.id
    )
    assert (
        statements[0]["object"]["id"]
        == "http://localhost/courses/teamwork-basics/lessons/listening"
    )


def test_dashboard_shows_completion_progress(client, login, db_session, course, people):
    from course.progress.service import complete_lesson
    from tests.cases.conftest import NOW

    complete_lesson(db_session, people.trainee, course, "listening", NOW)
    db_session.commit()
    login(people.trainee)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Course completion" in page
    assert "20% of the requirements met" in page  # 1 of 3 lessons, quiz, case
    assert f'<a href="{BASE}">A day at the counter</a>' in page  # the case still to finish


def count_queries(client, url):
    """The number of SQL statements one GET of ``url`` runs, in a fresh app context (so neither
    the test's session nor ``g`` carries anything over from earlier requests)."""
    from sqlalchemy import event

    from course.extensions import db

    statements = []

    def count(*_args):
        statements.append(1)

    with client.application.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_page_queries_do_not_grow_with_plays_or_reflections(
    client, login, db_session, course, people
):
    from course.cases import service
    from tests.cases.conftest import NOW

    def finished_play(user):
        play = service.start_play(db_session, user, course, "desk-day", NOW)
        for scene in ("arrival", "listen", "commit"):
            service.choose(db_session, user, play, scene, 0, NOW)
        service.submit_reflections(db_session, user, play, {"r1": "a", "r2": "b"}, NOW)
        db_session.commit()
        return play

    play = finished_play(people.trainee)
    login(people.instructor)
    queue_small = count_queries(client, "/courses/teamwork-basics/reviews")
    choices_small = count_queries(client, f"{BASE}/choices")
    for _ in range(4):
        finished_play(people.other)
    assert count_queries(client, "/courses/teamwork-basics/reviews") == queue_small
    assert count_queries(client, f"{BASE}/choices") == choices_small
    client.post("/logout")
    login(people.trainee)
    debrief = f"{BASE}/plays/{play.id}/debrief"
    intro_small, debrief_small = count_queries(client, BASE), count_queries(client, debrief)
    for _ in range(4):
        finished_play(people.trainee)
    assert count_queries(client, BASE) == intro_small
    assert count_queries(client, debrief) == debrief_small


def test_distribution_scopes_course_instructors_and_cohorts(
    client, login, db_session, course, people, create_user
):
    from course.authoring.models import CourseInstructor
    from course.cases import service
    from course.orgs.models import Cohort, CohortMember
    from tests.cases.conftest import NOW

    for user, index in ((people.trainee, 0), (people.other, 1)):
        play = service.start_play(db_session, user, course, "desk-day", NOW)
        service.choose(db_session, user, play, "arrival", index, NOW)
    author = create_user(display_name="Course Author", locale="en")
    db_session.add(CourseInstructor(course_id=course.id, user_id=author.id, added_at=NOW))
    cohort = Cohort(organisation_id=_org_of(db_session, people.trainee), name="Morning shift")
    cohort.members.append(CohortMember(user_id=people.other.id))
    db_session.add(cohort)
    db_session.commit()

    def counts(page):
        return re.findall(r"<td>(\d+)</td>\s*<td>\d+% ", page)

    login(author)  # no role in any organisation, but an instructor of this course
    assert counts(client.get(f"{BASE}/choices").get_data(as_text=True))[:2] == ["1", "1"]
    client.post("/logout")
    login(people.instructor)
    assert counts(client.get(f"{BASE}/choices?cohort={cohort.id}").get_data(as_text=True))[:2] == [
        "0",
        "1",
    ]
    client.post("/logout")
    login(people.outsider)
    assert client.get(f"{BASE}/choices?cohort={cohort.id}").status_code == 403
    assert counts(client.get(f"{BASE}/choices").get_data(as_text=True))[:2] == ["0", "0"]


def _org_of(session, user):
    from sqlalchemy import select

    from course.orgs.models import Membership

    return session.scalar(select(Membership.organisation_id).where(Membership.user_id == user.id))
