"""The trainee's pages, through the test client."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from course.db import utcnow
from course.orgs.models import Assignment, Cohort, CohortMember
from course.progress import service as progress
from course.progress.models import LessonCompletion

LESSON = "/courses/teamwork-basics/lessons/"


def _enrolled(client, login, create_user, db_session, imported_course, locale="zh-CN"):
    user = create_user(locale=locale)
    login(user)
    response = client.post("/courses/teamwork-basics/enrol")
    assert response.status_code == 302
    return user


def test_catalogue_lists_published_courses_to_anyone(client, imported_course):
    page = client.get("/courses?lang=en").get_data(as_text=True)
    assert "Teamwork Basics" in page and "1.5 hours" in page


def test_course_page_shows_modules_objectives_and_enrol_button(
    client, imported_course, login, create_user
):
    login(create_user())
    page = client.get("/courses/teamwork-basics?lang=en").get_data(as_text=True)
    assert "Basics" in page and "Apply the three steps of active listening" in page
    assert "Enrol in this course" in page
    assert client.get("/courses/nope").status_code == 404


def test_lessons_need_enrolment(client, imported_course, login, create_user):
    login(create_user())
    response = client.get(LESSON + "listening")
    assert response.status_code == 302 and response.location.endswith("/courses/teamwork-basics")


def test_lesson_page_checks_the_sign_in_itself(
    app, client, login, create_user, db_session, imported_course
):
    """The lesson page reads its reader in its own query instead of ``login_required``: every
    way of not being (or no longer being) signed in still ends at the sign-in page."""
    assert client.get(LESSON + "listening").location.startswith("/login?next=")
    user = _enrolled(client, login, create_user, db_session, imported_course)
    assert client.get(LESSON + "listening").status_code == 200
    assert client.get("/courses/nope/lessons/listening").status_code == 404
    user.session_epoch += 1  # as a password change elsewhere does
    db_session.commit()
    assert client.get(LESSON + "listening").location.startswith("/login?next=")


def test_lesson_page_for_a_reader_signed_in_by_the_remember_me_cookie(
    app, create_user, db_session, imported_course
):
    user = create_user()
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": "correct-horse-battery",
                                 "remember": "y"})  # fmt: skip
    assert browser.post("/courses/teamwork-basics/enrol").status_code == 302
    browser.delete_cookie("session")  # a new browser session: only the remember-me cookie left
    response = browser.get(LESSON + "listening")
    assert response.status_code == 200 and "Active listening" in response.get_data(as_text=True)


def test_lesson_page_in_both_languages(client, login, create_user, db_session, imported_course):
    _enrolled(client, login, create_user, db_session, imported_course)
    page = client.get(LESSON + "listening").get_data(as_text=True)
    assert "<h1>积极倾听</h1>" in page
    assert 'href="#三个步骤"' in page  # table of contents
    assert 'rel="prev" href="/courses/teamwork-basics/lessons/what-is-teamwork"' in page
    assert 'rel="next" href="/courses/teamwork-basics/lessons/handover"' in page
    english = client.get(LESSON + "listening?lang=en").get_data(as_text=True)
    assert "<h1>Active listening</h1>" in english and "Three steps" in english
    assert client.get(LESSON + "missing").status_code == 404


def test_mark_complete_moves_to_the_next_lesson(
    client, login, create_user, db_session, imported_course
):
    user = _enrolled(client, login, create_user, db_session, imported_course)
    response = client.post(LESSON + "what-is-teamwork/complete", data={"next_lesson": "listening"})
    assert response.status_code == 302 and response.location.endswith(LESSON + "listening")
    json_response = client.post(
        LESSON + "listening/complete", headers={"Accept": "application/json"}
    )
    assert json_response.get_json() == {"completed": "listening"}
    done = progress.lesson_progress(db_session, user.id, imported_course.course.id)
    assert done == {"what-is-teamwork", "listening"}
    page = client.get("/courses/teamwork-basics").get_data(as_text=True)
    assert 'aria-valuenow="100"' in page  # module 1's lessons are all done
    assert 'aria-valuenow="67"' in page  # two of three lessons in the course


def test_completing_without_enrolment_is_refused(
    client, login, create_user, imported_course, db_session
):
    login(create_user())
    assert client.post(LESSON + "listening/complete").status_code == 403
    assert db_session.scalar(select(LessonCompletion)) is None


def test_assets_are_served_with_long_cache_headers(client, imported_course):
    response = client.get("/courses/teamwork-basics/assets/diagram.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.data.startswith(b"<svg")
    again = client.get(
        "/courses/teamwork-basics/assets/diagram.svg",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_asset_path_traversal_is_refused(client, imported_course):
    for path in ("../course.yaml", "..%2Fcourse.yaml", "%2e%2e/course.yaml", "missing.png"):
        assert client.get(f"/courses/teamwork-basics/assets/{path}").status_code == 404, path


def test_search_in_chinese_and_english_with_highlights(client, imported_course):
    def search(q, lang):
        return client.get("/search", query_string={"q": q, "lang": lang}).get_data(as_text=True)

    page = search("积极倾听", "zh-CN")
    assert "<mark>积极倾听</mark>" in page and "/lessons/listening" in page
    short = search("交接", "zh-CN")  # two characters: below the trigram index's reach
    assert "/lessons/handover" in short and "<mark>交接</mark>" in short
    english = search("handover complaints", "en")
    assert "/lessons/handover" in english and "<mark>complaints</mark>" in english
    assert "/lessons/" not in search("handover", "zh-CN")
    assert "0 lessons found" in search("zzzqqq", "en")


def test_search_escapes_the_query(client, imported_course):
    page = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_dashboard_continue_and_assigned_due_dates(
    client, login, create_user, db_session, imported_course, create_org
):
    user = _enrolled(client, login, create_user, db_session, imported_course, locale="en")
    client.post(LESSON + "what-is-teamwork/complete")
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Continue where you left off: Active listening" in page

    org = create_org()
    cohort = Cohort(organisation_id=org.id, name="Counter staff")
    db_session.add(cohort)
    db_session.flush()
    db_session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    db_session.add(
        Assignment(
            cohort_id=cohort.id, course_slug="teamwork-basics", due_at=utcnow() - timedelta(days=1)
        )
    )
    db_session.commit()
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Overdue" in page and "Due " in page


def test_course_page_shows_course_level_objectives(
    client, db_session, fixture_course_dir, login, create_user
):
    from course.catalog.service import import_package
    from tests.catalog.conftest import NOW

    course_yaml = fixture_course_dir / "course.yaml"
    course_yaml.write_text(
        course_yaml.read_text("utf-8")
        + "objectives:\n  - id: c-o1\n"
        + "    text: {zh-CN: 在团队中协作办成一件事, en: Get one matter done as a team}\n",
        "utf-8",
    )
    assert import_package(db_session, None, fixture_course_dir, NOW).ok
    db_session.commit()
    login(create_user())
    english = client.get("/courses/teamwork-basics?lang=en").get_data(as_text=True)
    assert "By the end of the course you will be able to" in english
    assert "Get one matter done as a team" in english
    chinese = client.get("/courses/teamwork-basics?lang=zh-CN").get_data(as_text=True)
    assert "在团队中协作办成一件事" in chinese and "学完本课程，你将能够" in chinese
