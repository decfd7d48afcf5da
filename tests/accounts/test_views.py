"""Registering, signing in and out, resetting and changing passwords, the profile."""

from __future__ import annotations

import re

from course.accounts.models import User
from course.extensions import db
from tests.conftest import PASSWORD, outbox


def _outbox(app) -> list:
    return outbox()


def _link_in_last_mail(app) -> str:
    body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_register_creates_account_and_signs_in(client, db_session):
    response = client.post(
        "/register",
        data={
            "display_name": "李华",
            "email": "LiHua@Example.com",
            "password": "long-enough-1",
            "confirm": "long-enough-1",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    user = db.session.scalar(db.select(User).filter_by(email="lihua@example.com"))
    assert user.display_name == "李华"
    assert client.get("/dashboard").status_code == 200


def test_register_refuses_a_taken_email(client, create_user):
    user = create_user()
    response = client.post(
        "/register",
        data={"display_name": "x", "email": user.email, "password": "p" * 10, "confirm": "p" * 10},
    )
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_registration_can_be_closed(make_app):
    app = make_app(SELF_REGISTRATION=False)
    assert app.test_client().get("/register").status_code == 403


def test_login_answer_is_the_same_for_unknown_and_wrong(client, create_user):
    user = create_user()
    wrong = client.post("/login", data={"email": user.email, "password": "wrong-password"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "x" * 10})
    assert wrong.status_code == unknown.status_code == 200

    def message(response):
        return re.findall(r'class="flash[^"]*">([^<]*)<', response.get_data(as_text=True))

    assert message(wrong) == message(unknown) != []


def test_login_logout_and_next(client, create_user):
    user = create_user()
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/account"
    assert client.get("/account").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302


def test_login_does_not_redirect_off_site(client, create_user):
    user = create_user()
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.location == "/dashboard"


def test_remember_me_sets_a_lasting_cookie(client, create_user):
    user = create_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None and cookie.http_only


def test_password_reset_link_works_once(app, client, create_user):
    user = create_user()
    client.post("/password/forgot", data={"email": user.email})
    link = _link_in_last_mail(app)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    assert (
        client.post("/login", data={"email": user.email, "password": "brand-new-pass"}).status_code
        == 302
    )
    client.post("/logout")
    assert client.get(link).status_code == 400  # used


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(app, client, db_session):
    response = client.post("/password/forgot", data={"email": "ghost@example.com"})
    assert response.status_code == 302
    assert _outbox(app) == []


def test_password_reset_link_expires(app, client, create_user):
    user = create_user()
    client.post("/password/forgot", data={"email": user.email})
    link = _link_in_last_mail(app)
    app.config["PASSWORD_RESET_HOURS"] = -1
    response = client.get(link)
    assert response.status_code == 400


def test_tampered_reset_link_is_refused(app, client, create_user):
    user = create_user()
    client.post("/password/forgot", data={"email": user.email})
    link = _link_in_last_mail(app)
    assert client.get(link[:-3] + "xyz").status_code == 400


def test_changing_password_ends_other_sessions(app, create_user):
    user = create_user()
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    response = first.post(
        "/account/password",
        data={"current": PASSWORD, "password": "another-pass-9", "confirm": "another-pass-9"},
    )
    assert response.status_code == 302
    assert first.get("/account").status_code == 200
    second.delete_cookie("session")  # the remember-me cookie alone must not bring it back
    assert second.get("/account").status_code == 302


def test_change_password_needs_the_current_one(client, create_user, login):
    user = create_user()
    login(user)
    response = client.post(
        "/account/password",
        data={
            "current": "not-it-at-all",
            "password": "another-pass-9",
            "confirm": "another-pass-9",
        },
    )
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.session_epoch == 0


def test_profile_saves_name_and_language(client, create_user, login):
    user = create_user()
    login(user)
    client.post("/account", data={"display_name": "New Name", "locale": "en"})
    db.session.refresh(user)
    assert (user.display_name, user.locale) == ("New Name", "en")
    assert '<html lang="en">' in client.get("/dashboard").get_data(as_text=True)
