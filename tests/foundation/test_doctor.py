"""``course doctor``: one machine checked against the deployment; exit status 1 on a problem."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from course import create_app, doctor
from course.certificates import keys
from course.certificates.models import SigningKey
from course.db import utcnow
from course.extensions import db
from course.orgs.service import create_organisation
from tests.conftest import SECRET, _base_config


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """``machine(migrate=True, **config)`` -> (app, run) on its own SQLite file (also in the
    PostgreSQL stage: each machine here needs a database of its own), configured as a healthy
    production machine unless ``config`` says otherwise; ``run()`` -> (exit, output)."""
    monkeypatch.setenv("COURSE_BASE_URL", "https://training.example.gov.cn")
    count = iter(range(100))
    made = []

    def factory(migrate=True, **config):
        number = next(count)
        settings = dict(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / f'machine-{number}.db'}",
            ENV_NAME="production",
            BASE_URL="https://training.example.gov.cn",
            SMTP_HOST="smtp.example.gov.cn",
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            FILES_URL=f"file://{tmp_path / 'shared-files'}",
        )
        settings.update(config)
        base = _base_config(settings["SQLALCHEMY_DATABASE_URI"], tmp_path)
        app = create_app({**base, **settings})
        made.append(app)
        runner = app.test_cli_runner()
        if migrate:
            upgraded = runner.invoke(args=["db", "upgrade"])
            assert upgraded.exit_code == 0, upgraded.output

        def run():
            result = runner.invoke(args=["doctor"])
            return result.exit_code, result.output

        return app, run

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_healthy_machine_passes(machine):
    _app, run = machine()
    code, output = run()
    assert code == 0, output
    assert "No problems found." in output
    for area in ("database", "redis", "store", "secret", "settings"):
        assert f"ok       {area}" in output


def test_an_unmigrated_database_is_a_problem_with_its_fix(machine):
    _app, run = machine(migrate=False)
    code, output = run()
    assert code == 1
    assert "PROBLEM  database" in output and "flask --app course db upgrade" in output


def test_an_unreachable_database(machine, tmp_path):
    _app, run = machine(
        migrate=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/no/such/folder/x.db"
    )
    code, output = run()
    assert code == 1 and "is not reachable" in output and "COURSE_DATABASE_URL" in output


def test_a_different_secret_cannot_open_the_signing_keys(machine):
    app, run = machine(SECRET_KEY="another-secret-key-" + "x" * 40)
    with app.app_context():
        org = create_organisation(db.session, "centre", {"en": "Centre"}, utcnow())
        db.session.flush()
        pair = keys.generate(SECRET)  # made on a machine with the deployment's secret
        db.session.execute(insert(SigningKey).values(
            organisation_id=org.id, kid=pair.kid, public_jwk=pair.public_jwk,
            sealed_private_key=pair.sealed_private_key, created_at=utcnow(),
        ))  # fmt: skip
        db.session.commit()
    code, output = run()
    assert code == 1
    assert "1 of 1 organisation signing keys cannot be opened" in output
    assert "same COURSE_SECRET_KEY" in output


def test_development_settings_are_problems(machine, monkeypatch):
    monkeypatch.delenv("COURSE_BASE_URL")
    _app, run = machine(ENV_NAME="development", SMTP_HOST="")
    code, output = run()
    assert code == 1
    assert "COURSE_BASE_URL is not set" in output
    assert "export COURSE_ENV=production" in output


def test_production_without_mail_or_proxy_settings(machine, redis_server):
    _app, run = machine(SMTP_HOST="", REDIS_URL=redis_server.url, TRUSTED_PROXIES=0)
    code, output = run()
    assert code == 1
    assert "COURSE_SMTP_HOST is not set" in output
    assert "COURSE_TRUSTED_PROXIES is 0" in output


def test_redis_unreachable_is_a_problem(machine):
    _app, run = machine(REDIS_URL="redis://127.0.0.1:1/0")
    code, output = run()
    assert code == 1
    assert "PROBLEM  redis" in output and "unreachable" in output


def test_a_store_in_the_instance_folder_is_not_shared(machine, redis_server):
    _app, run = machine(FILES_URL="", REDIS_URL=redis_server.url, TRUSTED_PROXIES=1)
    code, output = run()
    assert code == 1
    assert "instance folder" in output and "COURSE_FILES_URL=s3://" in output


def test_machines_find_each_others_probes_only_in_a_shared_store(
    machine, redis_server, tmp_path, monkeypatch
):
    shared = dict(REDIS_URL=redis_server.url, TRUSTED_PROXIES=1)
    _a, run_a = machine(FILES_URL=f"file://{tmp_path / 'a-files'}", **shared)
    _b, run_b = machine(FILES_URL=f"file://{tmp_path / 'b-files'}", **shared)
    _c, run_c = machine(FILES_URL=f"file://{tmp_path / 'a-files'}", **shared)
    monkeypatch.setattr(doctor.socket, "gethostname", lambda: "web-a")
    run_a()
    monkeypatch.setattr(doctor.socket, "gethostname", lambda: "web-b")
    code, output = run_b()
    assert code == 1
    assert "the probe written by web-a is not in" in output
    monkeypatch.setattr(doctor.socket, "gethostname", lambda: "web-c")
    code, output = run_c()
    assert "shared: sees the probes of web-a" in output
    assert "web-b is not in" in output  # b's store is its own


def test_the_store_check_reads_an_object_back_from_s3(machine, s3_env):
    _app, run = machine(FILES_URL=f"s3://{s3_env}/course")
    code, output = run()
    assert code == 0, output
    assert f"ok       store     s3://{s3_env}/course" in output


def test_an_unwritable_store(machine, s3_env):
    _app, run = machine(FILES_URL="s3://no-such-bucket-here/course")
    code, output = run()
    assert code == 1
    assert "writing and reading back failed" in output and "AWS_*" in output
