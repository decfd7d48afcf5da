"""Alembic upgrades an empty database to head, and the result matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from course import create_app
from course.config import PROJECT_ROOT
from course.extensions import db
from tests.conftest import POSTGRES_URL


def _empty_database(tmp_path):
    if not POSTGRES_URL:
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    # a separate schema-free database on the same server
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS course_migrations"))
        connection.execute(text("CREATE DATABASE course_migrations"))
    engine.dispose()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/course_migrations"


def test_upgrade_to_head_matches_the_models(tmp_path):
    url = _empty_database(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": _managed},
            )
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def _managed(obj, name, type_, reflected, compare_to):
    # tables and indexes outside the models: full-text search (see course/catalog/search.py)
    return not (
        type_ in ("table", "index") and name and name.startswith(("lesson_search", "alembic"))
    )
