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


def test_i13b_makes_listings_opt_in_and_revocation_texts_internal(tmp_path):
    """Certificates issued before: none stays listed; a published free-text revocation reason
    becomes an internal note behind the public reason "other"."""

    import sqlalchemy as sa

    url = _empty_database(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
    directory = str(PROJECT_ROOT / "migrations")
    with app.app_context():
        upgrade(directory=directory, revision="i13a")
        with db.engine.begin() as connection:
            for name, extra in (
                ("users", {}),
                ("organisations", {}),
                ("courses", {}),
                ("certificates", {"public": True, "revocation_reason": "Wrong person, ticket 7"}),
            ):
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                connection.execute(table.insert().values({**_filled(table), "id": 1, **extra}))
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            row = connection.execute(
                text("SELECT public, revocation_reason, revocation_note FROM certificates")
            ).one()
        db.engine.dispose()
    assert (bool(row[0]), row[1], row[2]) == (False, "other", "Wrong person, ticket 7")


def _filled(table) -> dict:
    """A value for every required column of a reflected table (ids point at row 1)."""
    import datetime

    import sqlalchemy as sa

    values = {}
    for column in table.columns:
        if column.nullable or column.primary_key:
            continue
        kind = column.type
        if column.foreign_keys or isinstance(kind, sa.Integer):
            values[column.name] = 1
        elif isinstance(kind, sa.Boolean):
            values[column.name] = False
        elif isinstance(kind, sa.DateTime):
            values[column.name] = datetime.datetime(2026, 1, 1)
        elif isinstance(kind, sa.JSON):
            values[column.name] = {}
        elif isinstance(kind, (sa.Float, sa.Numeric)):
            values[column.name] = 0.0
        else:
            values[column.name] = "x"
    return values
