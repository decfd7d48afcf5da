"""``course authoring add-instructor``: make an account an instructor of an imported course."""

from course import policy
from course.authoring.service import instructors_of
from course.extensions import db
from tests.authoring.conftest import SLUG


def test_add_instructor_makes_the_account_an_author_once(runner, course, create_user):
    teacher = create_user(email="teacher@example.org")
    assert not policy.can(teacher, "course.author", course)
    first = runner.invoke(args=["authoring", "add-instructor", SLUG, "Teacher@Example.org"])
    assert first.exit_code == 0 and "is now" in first.output
    again = runner.invoke(args=["authoring", "add-instructor", SLUG, "teacher@example.org"])
    assert again.exit_code == 0 and "was already" in again.output
    assert [row.user_id for row in instructors_of(db.session, course)] == [teacher.id]
    db.session.expire_all()
    assert policy.can(teacher, "course.author", course)


def test_add_instructor_refuses_unknown_courses_and_accounts(runner, course, create_user):
    create_user(email="teacher@example.org")
    missing = runner.invoke(args=["authoring", "add-instructor", "no-such", "teacher@example.org"])
    assert missing.exit_code != 0 and "no course" in missing.output
    nobody = runner.invoke(args=["authoring", "add-instructor", SLUG, "ghost@example.org"])
    assert nobody.exit_code != 0 and "no account" in nobody.output
    assert instructors_of(db.session, course) == []
