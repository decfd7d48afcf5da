"""Signing out ends the sign-in on the server, and wrong passwords do not lock the owner out of a
browser where they signed in before (device cookies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from course.accounts import sessions
from tests.conftest import PASSWORD


def _copy_cookies(source, target, names=("session", "remember_token")):
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_a_copied_session_or_remember_cookie_dies_at_sign_out(app, create_user):
    user = create_user()
    owner, thief, thief_remember, other_device = (app.test_client() for _ in range(4))
    for browser in (owner, other_device):
        signed = browser.post(
            "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
        )
        assert signed.status_code == 302
    _copy_cookies(owner, thief)
    _copy_cookies(owner, thief_remember, names=("remember_token",))
    assert thief.get("/account").status_code == 200
    assert thief_remember.get("/account").status_code == 200  # the remember cookie alone signs in
    owner.post("/logout")
    assert owner.get("/account").status_code == 302
    assert thief.get("/account").status_code == 302
    thief.delete_cookie("session")
    assert thief.get("/account").status_code == 302
    fresh = app.test_client()
    _copy_cookies(thief_remember, fresh, names=("remember_token",))
    assert fresh.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 200  # only that sign-in ended
    again = app.test_client()
    again.post("/login", data={"email": user.email, "password": PASSWORD})
    assert again.get("/account").status_code == 200


def test_session_ids_age_out_and_the_ended_list_stays_short():
    now = datetime(2026, 11, 29, 16, 31, tzinfo=UTC)
    lifetime = timedelta(days=30)

    class Holder:
        session_epoch = 0
        ended_sessions = None

    user = Holder()
    current = sessions.new_session_id(now)
    assert sessions.parse_login_id(f"7:0:{current}") == (7, 0, current)
    assert sessions.parse_login_id("7:0") is None  # ids from before this change sign in again
    assert sessions.is_alive(user, 0, current, now, lifetime)
    assert not sessions.is_alive(user, 0, current, now + lifetime + timedelta(seconds=1), lifetime)
    old = sessions.new_session_id(now - timedelta(days=40))
    sessions.end(user, old, now - timedelta(days=31), lifetime)
    sessions.end(user, current, now, lifetime)
    assert set(user.ended_sessions) == {current}  # the old one could not be alive any more
    for _ in range(sessions.MAX_ENDED):
        sessions.end(user, sessions.new_session_id(now), now, lifetime)
    assert user.session_epoch == 1 and user.ended_sessions == {}  # then every session ends


def test_wrong_passwords_count_but_do_not_lock_the_owner_out_of_their_browser(make_app, tmp_path):
    from course.accounts.service import create_user
    from course.db import utcnow
    from course.extensions import db

    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'limits.db'}",
        LOGIN_LIMIT="3 per 5 minutes",
    )
    with app.app_context():
        create_user(db.session, "owner@example.com", PASSWORD, "Owner", utcnow())
        db.session.commit()
    owner, attacker = app.test_client(), app.test_client()
    right = {"email": "owner@example.com", "password": PASSWORD}
    wrong = {"email": "owner@example.com", "password": "not-the-password"}

    # Successes never count: the owner signs in and out more often than the limit.
    for _ in range(5):
        assert owner.post("/login", data=right).status_code == 302
        owner.post("/logout")
    assert owner.get_cookie("device") is not None

    # Someone else's wrong guesses lock the account out of every other browser...
    assert [attacker.post("/login", data=wrong).status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    assert attacker.post("/login", data=right).status_code == 429
    assert app.test_client().post("/login", data=right).status_code == 429
    # ...but not out of the owner's browser, which counts on its own.
    assert owner.post("/login", data=right).status_code == 302
    owner.post("/logout")
    assert [owner.post("/login", data=wrong).status_code for _ in range(4)] == [200, 200, 200, 429]

    # A forged or foreign device cookie is no device cookie.
    forger = app.test_client()
    forger.set_cookie("device", "forged")
    assert forger.post("/login", data=right).status_code == 429
