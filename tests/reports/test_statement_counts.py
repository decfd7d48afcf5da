"""Every list and report page issues the same number of SQL statements at N and 2N trainees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from course.accounts.models import User
from course.authoring.models import CourseInstructor
from course.catalog.service import current_version
from course.certificates.models import Certificate
from course.extensions import db
from course.orgs.models import Assignment, Cohort, CohortMember, Membership
from course.progress.models import CourseCompletion, Enrolment, LessonCompletion
from course.quizzes.models import GRADED, QuizAttempt
from tests.authoring.conftest import NOW, SLUG
from tests.reports.test_service import graded


def _grow(org, course, start: int, count: int, cohort: Cohort) -> None:
    """``count`` more trainees with progress, an attempt, a completion and a certificate."""
    version = current_version(db.session, course)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"t{i}@example.com",
                "display_name": f"学员{i:04d}",
                "password_hash": None,
                "locale": "zh-CN",
                "created_at": NOW,
            }  # fmt: skip
            for i in range(start, start + count)
        ],
    )
    people = db.session.scalars(
        db.select(User).where(User.email.like("t%@example.com")).order_by(User.id)
    ).all()[start:]
    for n, user in enumerate(people):
        db.session.add(Membership(user_id=user.id, organisation_id=org.id, role="trainee",
                                  department=f"部门{n % 3}", created_at=NOW))  # fmt: skip
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
        db.session.add(Enrolment(user_id=user.id, course_id=course.id, enrolled_at=NOW))
        db.session.add(LessonCompletion(user_id=user.id, course_id=course.id,
                                        lesson_slug="lesson", completed_at=NOW))  # fmt: skip
        q1 = "a" if n % 2 else "b"
        graded(db.session, QuizAttempt(
            user_id=user.id, course_id=course.id, version_id=version.id, quiz_id="basics",
            number=1, seed=n, started_at=NOW, submitted_at=NOW, status=GRADED,
            responses={"q-basics-01": q1, "q-basics-02": "true"},
            results={"q-basics-01": {"score": float(q1 == "a")}, "q-basics-02": {"score": 1.0}},
            score=0.5, passed=True, pass_mark=0.5,
        ))  # fmt: skip
        if n % 4:
            completion = CourseCompletion(user_id=user.id, course_id=course.id,
                                          version_id=version.id, completed_at=NOW,
                                          final_score=0.9)  # fmt: skip
            db.session.add(completion)
            db.session.add(Certificate(
                serial=f"S-{user.id}", code=f"C{user.id:08d}", credential_id=f"urn:{user.id}",
                user_id=user.id, organisation_id=org.id, course_id=course.id,
                template="default", recipient_name=user.display_name, course_title=course.title,
                completed_at=NOW, issued_at=NOW, valid_until=NOW + timedelta(days=40),
                status="valid", status_index=user.id, token="t", kid="k",
            ))  # fmt: skip
    db.session.commit()


@pytest.fixture
def province(db_session, course, create_user, create_org, add_member):
    org = create_org(slug="province")
    admin = create_user(email="admin@example.com")
    add_member(admin, org, "org_admin")
    db.session.add(CourseInstructor(course_id=course.id, user_id=admin.id, added_at=NOW))
    cohort = Cohort(organisation_id=org.id, name="一期", created_at=NOW)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(Assignment(cohort_id=cohort.id, course_slug=SLUG, due_at=NOW, created_at=NOW))
    db.session.commit()
    return org, course, admin, cohort


PAGES = [
    "/orgs/province",
    "/orgs/province?q=学员00&role=trainee",
    "/orgs/province/cohorts/{cohort}",
    f"/reports/courses/{SLUG}",
    f"/reports/courses/{SLUG}/quizzes/basics",
    "/reports/orgs/province",
    "/reports/orgs/province?status=completed",
    "/orgs/province/certificates",
    "/orgs/province/certificates?trainee_q=学员",
    "/orgs/province/certificates/trainees.json?q=学员",
]


def _counts(client, cohort) -> dict[str, tuple[int, int]]:
    """``{url: (statements, bytes of the page)}``."""
    counts = {}
    for page in PAGES:
        url = page.format(cohort=cohort.id)
        client.get(url)  # warm the per-process memos
        seen: list[str] = []

        def listener(conn, cursor, statement, *args, seen=seen):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200, url
        counts[url] = (len(seen), len(response.data))
    return counts


def test_statement_counts_do_not_grow_with_the_organisation(province, client, login):
    org, course, admin, cohort = province
    _grow(org, course, 0, 60, cohort)
    login(admin)
    at_n = _counts(client, cohort)
    _grow(org, course, 60, 60, cohort)
    at_2n = _counts(client, cohort)
    assert {url: n for url, (n, _) in at_2n.items()} == {url: n for url, (n, _) in at_n.items()}
    # Pages show one page of rows: twice the trainees, (about) the same bytes.
    for url, (_, size) in at_2n.items():
        assert size < 1.1 * at_n[url][1] + 500, url
    page = client.get("/orgs/province").get_data(as_text=True)
    assert "(121)" in page  # counted in SQL, though only one page of members is drawn
