"""Adding a co-instructor is an invitation: the answer does not tell whether the address has an
account, and only the holder of the address, signed in, can accept it."""

from __future__ import annotations

import re

from course.authoring.models import CourseInstructor
from course.extensions import db
from tests.authoring.conftest import SLUG
from tests.orgs.test_consent import _mails


def test_adding_a_co_instructor_is_an_invitation_that_reveals_nothing(
    app,
    client,
    login,
    course,
    instructor,
    create_user,
):
    colleague = create_user(email="colleague@example.com")
    login(instructor)
    answers = []
    for address in (colleague.email, "no-account@example.com"):
        response = client.post(
            f"/author/{SLUG}/instructors", data={"email": address}, follow_redirects=True
        )
        text = response.get_data(as_text=True)
        answers.append(re.sub(r"[\w.-]+@example\.com", "ADDRESS", text))
    assert answers[0] == answers[1] and "An invitation has been sent" in answers[0]
    assert db.session.scalar(
        db.select(CourseInstructor).filter_by(user_id=colleague.id)
    ) is None  # fmt: skip

    mails = {to: body for to, body in _mails(app)}
    link = re.search(r"http://localhost(/author/invitations/\S+)", mails[colleague.email]).group(1)
    client.post("/logout")
    other = create_user()
    login(other)
    assert client.post(link).status_code == 403
    client.post("/logout")
    login(colleague)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert db.session.scalar(db.select(CourseInstructor).filter_by(user_id=colleague.id))
    assert client.get(f"/author/{SLUG}").status_code == 200
    assert client.post(link).status_code == 404  # used once
