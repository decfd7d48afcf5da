"""The commands `make run` relies on: demo accounts (once, and they can sign in)."""

from __future__ import annotations

from course.cli import DEMO_PASSWORD, DEMO_PEOPLE


def test_demo_accounts_are_made_once_and_can_sign_in(app, runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and DEMO_PASSWORD in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and DEMO_PASSWORD not in second.output
    for email, _name, _role in DEMO_PEOPLE:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")


def test_demo_roles(app, runner, client):
    runner.invoke(args=["demo"])
    client.post("/login", data={"email": "orgadmin@demo.example.com", "password": DEMO_PASSWORD})
    assert client.get("/orgs/demo-centre").status_code == 200
    client.post("/logout")
    client.post("/login", data={"email": "trainee1@demo.example.com", "password": DEMO_PASSWORD})
    assert client.get("/orgs/demo-centre").status_code == 403
