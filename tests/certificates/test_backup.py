"""``course backup`` and ``course restore``: a populated installation survives the round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course import storage
from course.extensions import db
from tests.certificates.conftest import NOW, complete
from tests.conftest import PASSWORD, POSTGRES_URL, SECRET

SQLITE_ONLY = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="an SQLite installation; PostgreSQL has its own test below"
)


def _issue_with_pdf(app, world) -> tuple[object, bytes]:
    from course.certificates import service

    complete(world.trainee, world.course)
    certificate = service.issue_certificate(
        db.session, world.admin, world.trainee, world.course, world.org, NOW, world.config
    )
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": world.trainee.email, "password": PASSWORD})
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200, response.status_code
    return certificate, response.get_data()


@SQLITE_ONLY
def test_backup_then_restore_into_a_new_folder(app, make_app, world, tmp_path):
    Path(app.config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    (Path(app.config["INSTANCE_PATH"]) / "secret_key").write_text(SECRET)
    storage.save("orgs/logo.png", b"\x89PNG\r\n\x1a\n" + b"logo" * 10)
    certificate, pdf = _issue_with_pdf(app, world)
    certificate_id, code, email = certificate.id, certificate.code, world.trainee.email
    db.session.commit()  # the test shares the app's session; a command runs on its own

    target = tmp_path / "backups" / "nightly"
    target.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"]["dialect"] == "sqlite"
    assert {entry["key"] for entry in manifest["files"]} >= {"orgs/logo.png"}
    assert manifest["secret_key"] is not None
    assert oct((target / "secret_key").stat().st_mode)[-3:] == "600"

    # A second installation: its own folder, an empty database, an empty store.
    other = tmp_path / "restored"
    restored = make_app(
        INSTANCE_PATH=str(other), SQLALCHEMY_DATABASE_URI=f"sqlite:///{other}/course.db"
    )
    other.mkdir()
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        assert (other / "secret_key").read_text() == SECRET
        # Restoring again over the data now there is refused without --force.
        again = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert again.exit_code != 0 and "--force" in again.output
        client = restored.test_client()
        signed_in = client.post("/login", data={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 302
        downloaded = client.get(f"/certificates/{certificate_id}.pdf")
        assert downloaded.status_code == 200
        assert downloaded.get_data() == pdf
        verdict = client.post("/api/verify", data=pdf, content_type="application/pdf")
        assert verdict.get_json()["state"] == "valid"
        assert client.get(f"/api/verify/{code}").status_code == 200
        assert storage.read("orgs/logo.png").startswith(b"\x89PNG")


def test_a_wrong_path_is_an_error_that_leaves_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    missing_parent = tmp_path / "no" / "such" / "folder"
    result = runner.invoke(args=["backup", str(missing_parent)])
    assert result.exit_code != 0
    assert not (tmp_path / "no").exists()

    existing = tmp_path / "taken"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".taken")]


@SQLITE_ONLY
def test_a_tampered_backup_is_refused_before_anything_changes(app, make_app, world, tmp_path):
    target = tmp_path / "backup"
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    database = target / "database.sqlite3"
    database.write_bytes(database.read_bytes()[:-10] + b"0123456789")
    other = tmp_path / "restored"
    other.mkdir()
    restored = make_app(
        INSTANCE_PATH=str(other), SQLALCHEMY_DATABASE_URI=f"sqlite:///{other}/course.db"
    )
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code != 0 and "checksum" in result.output
        assert not list(storage.keys())


def test_a_backup_warns_when_the_secret_comes_from_the_environment(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0
    assert "COURSE_SECRET_KEY comes from the environment" in result.output
    assert not (tmp_path / "b" / "secret_key").exists()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs COURSE_TEST_DATABASE_URL on PostgreSQL")
def test_postgresql_backup_and_restore_with_pg_dump(app, world, tmp_path):
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from course import create_app
    from tests.conftest import _base_config

    Path(app.config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    (Path(app.config["INSTANCE_PATH"]) / "secret_key").write_text(SECRET)
    certificate, pdf = _issue_with_pdf(app, world)
    certificate_id, email = certificate.id, world.trainee.email
    db.session.commit()
    target = tmp_path / "pg-backup"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads((target / "manifest.json").read_text())["database"]["path"] == (
        "database.pgdump"
    )

    name = f"course_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    other_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    other = tmp_path / "restored"
    other.mkdir()
    try:
        restored = create_app(_base_config(other_url, other))
        with restored.app_context():
            result = restored.test_cli_runner().invoke(args=["restore", str(target)])
            assert result.exit_code == 0, result.output
            client = restored.test_client()
            assert (
                client.post("/login", data={"email": email, "password": PASSWORD}).status_code
                == 302
            )
            assert client.get(f"/certificates/{certificate_id}.pdf").get_data() == pdf
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
