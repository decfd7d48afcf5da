"""Every test request runs in an application context of its own, as under a server, so nothing
on ``g`` (the signed-in user, roles, the locale, the CSRF token) leaks from one to the next."""

from __future__ import annotations

from flask import g


def test_requests_share_no_g_with_each_other_or_the_test(app, db_session, client):
    seen = []

    def remember():
        seen.append(g.get("marker"))
        g.marker = "left by an earlier request"

    app.before_request(remember)
    g.marker = "left by the test"
    client.get("/login")
    client.get("/login?lang=zh-CN")
    assert seen == [None, None]
    assert g.marker == "left by the test"


def test_a_signed_in_user_does_not_outlive_the_session(client, create_user, login):
    user = create_user()
    login(user)
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.location
