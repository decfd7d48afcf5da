"""SQLite settings, and several processes writing at once without "database is locked"."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import text

from course.extensions import db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite only")


def test_pragmas(db_session):
    connection = db.session.connection()
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def _writer(url: str, instance: str, worker: int, rounds: int, queue) -> None:
    os.environ["COURSE_INSTANCE_PATH"] = instance
    from course import create_app
    from course.db import utcnow
    from course.orgs.service import create_organisation

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})
    errors = []
    with app.app_context():
        for number in range(rounds):
            try:
                # read, then write, in one transaction: the pattern that fails under deferred
                # transactions when another process commits in between
                db.session.execute(text("SELECT count(*) FROM organisations")).scalar()
                create_organisation(
                    db.session, f"w{worker}-{number}", {"zh-CN": "x", "en": "x"}, utcnow()
                )
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the parent
                db.session.rollback()
                errors.append(repr(error))
    queue.put(errors)


def test_parallel_writers_never_see_database_is_locked(app, db_session, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers, rounds = 6, 40
    processes = [
        context.Process(target=_writer, args=(url, str(tmp_path / "inst"), n, rounds, queue))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    errors = [error for _ in processes for error in queue.get(timeout=120)]
    for process in processes:
        process.join(timeout=60)
    assert errors == []
    count = db.session.execute(text("SELECT count(*) FROM organisations")).scalar()
    assert count == workers * rounds


def test_get_views_that_write_begin_immediately(app):
    """GET views marked ``writes_on_get`` start write transactions; other GETs do not."""
    from course.db import write_intent

    seen = {}

    @app.get("/probe/plain")
    def plain():
        seen["plain"] = write_intent.get()
        return "ok"

    from course.web import writes_on_get

    @app.get("/probe/writing")
    @writes_on_get
    def writing():
        seen["writing"] = write_intent.get()
        return "ok"

    client = app.test_client()
    client.get("/probe/plain")
    client.get("/probe/writing")
    client.post("/probe/plain")
    assert seen == {"plain": False, "writing": True}
