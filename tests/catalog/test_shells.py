"""Lesson pages are rendered once per reader state and filled per request (course/shells.py)."""

from __future__ import annotations

import re

from course import shells

LESSON = "/courses/teamwork-basics/lessons/listening"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _with_csrf(app_):
    app_.config["WTF_CSRF_ENABLED"] = True
    return app_


def _reader(app_, create_user, name, **fields):
    """A signed-in, enrolled client of ``app_`` (CSRF on) for a new user called ``name``."""
    user = create_user(display_name=name, **fields)
    client = app_.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": user.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.status_code == 302
    course = client.get("/courses/teamwork-basics").get_data(as_text=True)
    assert client.post("/courses/teamwork-basics/enrol", data={"csrf_token": _csrf(course)})
    return client


def test_readers_in_the_same_state_share_a_shell_but_get_their_own_name_and_token(
    app, imported_course, create_user
):
    app_ = _with_csrf(app)
    alice = _reader(app_, create_user, "Alice <b>A</b>")
    bob = _reader(app_, create_user, "Bob")
    alice_page = alice.get(LESSON).get_data(as_text=True)
    kept = len(shells._shells)
    bob_page = bob.get(LESSON).get_data(as_text=True)
    assert len(shells._shells) == kept  # Bob's page came from Alice's shell
    assert "Alice &lt;b&gt;A&lt;/b&gt;" in alice_page and "Alice" not in bob_page
    assert ">Bob</a>" in bob_page
    assert shells.NAME_HOLE not in bob_page and shells.CSRF_HOLE not in bob_page
    assert _csrf(alice_page) != _csrf(bob_page)
    # Each token works for its own session only.
    done = {"csrf_token": _csrf(bob_page)}
    assert alice.post(LESSON + "/complete", data=done).status_code == 400
    assert bob.post(LESSON + "/complete", data=done).status_code == 302


def test_completing_the_lesson_changes_the_page(app, imported_course, create_user):
    app_ = _with_csrf(app)
    reader = _reader(app_, create_user, "Carol")
    before = reader.get(LESSON).get_data(as_text=True)
    assert (
        "Mark as complete" in before
        and "You have completed this lesson." not in before.split("data-done-text")[0]
    )
    reader.post(LESSON + "/complete", data={"csrf_token": _csrf(before)})
    after = reader.get(LESSON).get_data(as_text=True)
    assert '<p class="done" role="status">You have completed this lesson.</p>' in after
    assert (
        'aria-valuenow="0"' not in after.split("module-progress-heading")[1].split("</section>")[0]
    )


def test_an_administrator_and_a_trainee_never_share_a_shell(app, imported_course, create_user):
    app_ = _with_csrf(app)
    admin = _reader(app_, create_user, "Admin", is_platform_admin=True)
    trainee = _reader(app_, create_user, "Dan")
    assert "/organisations" in admin.get(LESSON).get_data(as_text=True)
    assert "/organisations" not in trainee.get(LESSON).get_data(as_text=True)


def test_flashed_messages_and_other_languages_are_not_served_from_another_shell(
    app, imported_course, create_user
):
    app_ = _with_csrf(app)
    reader = _reader(app_, create_user, "Erin")
    page = reader.get(LESSON).get_data(as_text=True)
    reader.post("/language", data={"csrf_token": _csrf(page), "lang": "zh-CN", "next": LESSON})
    chinese = reader.get(LESSON).get_data(as_text=True)
    assert "<h1>积极倾听</h1>" in chinese and "<h1>Active listening</h1>" in page
    with reader.session_transaction() as session:
        session["_flashes"] = [("info", "A message for Erin only")]
    flashed = reader.get(LESSON).get_data(as_text=True)
    assert "A message for Erin only" in flashed
    assert "A message for Erin only" not in reader.get(LESSON).get_data(as_text=True)


def test_a_session_csrf_token_is_signed_once_and_still_accepted(app, imported_course, create_user):
    app_ = _with_csrf(app)
    reader = _reader(app_, create_user, "Dan")
    first = _csrf(reader.get(LESSON).get_data(as_text=True))
    second = _csrf(reader.get(LESSON).get_data(as_text=True))
    assert first == second  # reused, not signed again
    assert reader.post(LESSON + "/complete", data={"csrf_token": first}).status_code == 302


def test_csrf_tokens_with_a_time_limit_are_signed_afresh(app, imported_course, create_user):
    app_ = _with_csrf(app)
    app_.config["WTF_CSRF_TIME_LIMIT"] = 3600
    reader = _reader(app_, create_user, "Erin")
    shells.clear()
    page = reader.get(LESSON).get_data(as_text=True)
    assert not shells._signed  # nothing kept: an old signature would shorten the token's life
    assert reader.post(LESSON + "/complete", data={"csrf_token": _csrf(page)}).status_code == 302
