"""Course and organisation reports on real rows, and who may read them."""

import csv
import io
from datetime import timedelta

from course.authoring import service as authoring
from course.catalog.service import current_version
from course.extensions import db
from course.quizzes import itemsums
from course.quizzes.models import GRADED, QuizAttempt
from course.quizzes.service import paper_of
from course.reports import service
from tests.authoring.conftest import NOW, SLUG

# q-basics-01 (single: a right, b wrong) and q-basics-02 (true/false, answer true).
ATTEMPTS = [  # (q1 pick, q2 pick)
    ("a", "true"),
    ("a", "false"),
    ("b", "true"),
    ("b", "false"),
    ("a", "true"),
]


def _attempts(session, course, create_user):
    version = current_version(session, course)
    for number, (q1, q2) in enumerate(ATTEMPTS):
        user = create_user()
        s1, s2 = float(q1 == "a"), float(q2 == "true")
        graded(
            session,
            QuizAttempt(
                user_id=user.id,
                course_id=course.id,
                version_id=version.id,
                quiz_id="basics",
                number=1,
                seed=number,
                started_at=NOW,
                submitted_at=NOW,
                status=GRADED,
                responses={"q-basics-01": q1, "q-basics-02": q2},
                results={"q-basics-01": {"score": s1}, "q-basics-02": {"score": s2}},
                score=(s1 + s2) / 2,
                passed=(s1 + s2) >= 1,
                pass_mark=0.5,
            ),  # fmt: skip
        )
    session.commit()


def graded(session, attempt: QuizAttempt) -> QuizAttempt:
    """Store a graded attempt and add it to the item sums, as grading does."""
    session.add(attempt)
    session.flush()
    itemsums.record(session, attempt, paper_of(session, attempt))
    return attempt


def test_item_analysis_reads_graded_attempts(db_session, course, create_user):
    _attempts(db_session, course, create_user)
    quiz, rows = service.item_analysis(db_session, course, "basics", "en")
    assert [r.question_id for r in rows] == ["q-basics-01", "q-basics-02"]
    first, second = rows
    assert first.text == "What is teamwork aimed at?"
    assert first.stats.facility == 0.6 and second.stats.facility == 0.6
    # q1 = 1 1 0 0 1, rest (= q2) = 1 0 1 0 1: r = (0.4 - 0.36) / 0.24 = 1/6
    assert abs(first.stats.discrimination - 1 / 6) < 1e-9
    assert first.stats.flags == [] and first.stats.too_few_attempts  # 5 of 20 responses
    assert [(o.option, o.count) for o in first.stats.options] == [("a", 3), ("b", 2)]
    assert [(o.option, o.correct, o.count) for o in second.stats.options] == [
        ("true", True, 3),
        ("false", False, 2),
    ]


def test_course_report_pages_and_exports(client, login, course, instructor, create_user):
    _attempts(db.session, course, create_user)
    login(instructor)
    page = client.get(f"/reports/courses/{SLUG}").get_data(as_text=True)
    assert 'role="img"' in page and "chart-data" in page
    items = client.get(f"/reports/courses/{SLUG}/quizzes/basics?lang=zh-CN")
    assert items.status_code == 200 and "团队协作的目标是什么？" in items.get_data(True)
    assert "回答次数太少（5/20）" in items.text and 'class="flagged"' not in items.text
    assert items.text.count('id="facility-data"') == 1  # the chart keeps its data table
    assert 'id="funnel-data"' in page  # so does the funnel
    exported = client.get(f"/reports/courses/{SLUG}/quizzes/basics?export=csv")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[1][4] == "0.6" and rows[1][6] == "too-few-attempts"
    xlsx = client.get(f"/reports/courses/{SLUG}/quizzes/basics?export=xlsx")
    assert xlsx.data[:2] == b"PK"
    # The test client buffers bodies by default (read in the request's own context); keep the
    # request's context open to receive the stream as a browser would.
    with client:
        trainees = client.get(f"/reports/courses/{SLUG}?export=csv", buffered=False)
        assert trainees.is_streamed
        trainees_csv = trainees.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(trainees_csv.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Name", "Email"] and rows[0][4] == "Lessons done"
    assert client.get(f"/reports/courses/{SLUG}/cases/desk-day").status_code == 200
    assert client.get(f"/reports/courses/{SLUG}/grading").status_code == 200


def test_an_instructor_of_another_course_cannot_see_this_one(
    client, login, course, create_user, create_org, add_member
):
    other = create_user()
    add_member(other, create_org(), "instructor")
    authoring.create_course(db.session, other, "other-course", {"zh-CN": "别", "en": "Other"}, NOW)
    db.session.commit()
    login(other)
    assert client.get(f"/reports/courses/{SLUG}").status_code == 403
    assert client.get(f"/reports/courses/{SLUG}/quizzes/basics").status_code == 403
    assert client.get(f"/reports/courses/{SLUG}/quizzes/basics?export=csv").status_code == 403


def test_an_org_admin_sees_only_their_organisation(
    client, login, course, create_user, create_org, add_member
):
    from course.orgs.models import Assignment, Cohort, CohortMember

    mine, theirs = create_org(), create_org()
    admin = create_user()
    add_member(admin, mine, "org_admin")
    trainee = create_user(display_name="王小明")
    add_member(trainee, mine, "trainee", department="综合窗口")
    cohort = Cohort(organisation_id=mine.id, name="2026 春")
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
    db.session.add(
        Assignment(cohort_id=cohort.id, course_slug=SLUG, due_at=NOW - timedelta(days=1))
    )
    # typed by hand before courses were chosen from a list: no course has this slug
    db.session.add(Assignment(cohort_id=cohort.id, course_slug="团队协作基础", due_at=NOW))
    db.session.commit()
    login(admin)
    page = client.get(f"/reports/orgs/{mine.slug}").get_data(as_text=True)
    assert "王小明" in page and "综合窗口" in page and "overdue" in page
    assert client.get(f"/reports/orgs/{theirs.slug}").status_code == 403
    exported = client.get(f"/reports/orgs/{mine.slug}?export=csv")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[1][0] == "王小明" and rows[1][-1] == "overdue"
    certificates = client.get(f"/reports/orgs/{mine.slug}?export=xlsx&table=certificates")
    assert certificates.status_code == 200 and certificates.data[:2] == b"PK"
    assert len(rows) == 2  # the phantom assignment adds no second row


def test_the_grading_queue_links_each_item_to_where_it_is_graded(
    client, login, course, instructor, create_user
):
    from course.cases.models import CasePlay, Reflection
    from course.orgs.models import Membership
    from course.quizzes.models import EssayGrading

    version = current_version(db.session, course)
    trainee = create_user(display_name="陈静")
    # The queue names only learners of an organisation the instructor teaches for.
    org_id = db.session.scalar(
        db.select(Membership.organisation_id).filter_by(user_id=instructor.id)
    )
    db.session.add(Membership(user_id=trainee.id, organisation_id=org_id, role="trainee"))
    attempt = QuizAttempt(
        user_id=trainee.id, course_id=course.id, version_id=version.id, quiz_id="basics",
        number=1, seed=1, started_at=NOW, submitted_at=NOW, status=GRADED, responses={},
        results={}, score=0.0, passed=False, pass_mark=0.5,
    )  # fmt: skip
    play = CasePlay(
        user_id=trainee.id, course_id=course.id, case_slug="desk-day", version_id=version.id,
        registration="5a1c1f7e-0000-4000-8000-000000000001", path=[], current_scene="end",
        started_at=NOW, ended_at=NOW,
    )  # fmt: skip
    db.session.add_all([attempt, play])
    db.session.flush()
    essay = EssayGrading(
        attempt_id=attempt.id, course_id=course.id, question_id="q-essay", created_at=NOW
    )
    reflection = Reflection(play_id=play.id, prompt_id="p1", text="我学到了", submitted_at=NOW)
    db.session.add_all([essay, reflection])
    db.session.commit()
    login(instructor)
    page = client.get(f"/reports/courses/{SLUG}/grading").get_data(as_text=True)
    assert f'href="/teach/essays#essay-{essay.id}"' in page
    assert f'href="/courses/{SLUG}/reviews/{reflection.id}"' in page


def test_org_report_tallies_and_pages_come_from_sql(
    db_session, course, create_user, create_org, add_member
):
    """Tallies per cohort and department and the status filter agree with the rows."""
    from course.orgs.models import Assignment, Cohort, CohortMember
    from course.progress.models import CourseCompletion
    from course.reports import orgreport

    org = create_org()
    cohorts = [Cohort(organisation_id=org.id, name=name) for name in ("A", "B")]
    db.session.add_all(cohorts)
    db.session.flush()
    db.session.add(
        Assignment(cohort_id=cohorts[0].id, course_slug=SLUG, due_at=NOW - timedelta(days=1))
    )
    db.session.add(
        Assignment(cohort_id=cohorts[1].id, course_slug=SLUG, due_at=NOW + timedelta(days=9))
    )
    version = current_version(db.session, course)
    for n in range(12):
        user = create_user()
        add_member(user, org, "trainee", department="" if n % 3 == 0 else f"D{n % 3}")
        db.session.add(CohortMember(cohort_id=cohorts[n % 2].id, user_id=user.id))
        if n % 4 == 0:
            db.session.add(CourseCompletion(user_id=user.id, course_id=course.id,
                                            version_id=version.id, completed_at=NOW))  # fmt: skip
    db.session.commit()
    filters = orgreport.Filters()
    rows = orgreport.assignment_rows(db.session, org, NOW, filters)
    counts = orgreport.tallies(db.session, org, NOW, filters)
    assert counts.total == len(rows) == 12
    expected = {}
    for row in rows:
        tally = expected.setdefault(row.cohort, [0, 0, 0])
        tally[0] += 1
        tally[1] += row.status == "completed"
        tally[2] += row.status == "overdue"
    assert {t.label: [t.assigned, t.completed, t.overdue] for t in counts.by_cohort} == expected
    assert [t.label for t in counts.by_department] == ["D1", "D2", "—"]
    overdue = orgreport.assignment_rows(db.session, org, NOW, orgreport.Filters(status="overdue"))
    assert len(overdue) == expected["A"][2] and {r.cohort for r in overdue} == {"A"}
