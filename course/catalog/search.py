"""Lesson search in the reader's language, Chinese included.

On SQLite an FTS5 table with the trigram tokenizer (``lesson_search``, rowid = the lesson row's
id) matches terms of three or more characters; shorter terms (common in Chinese: 协作, 群众) fall
back to LIKE over the stored text. On PostgreSQL the stored text is searched with ILIKE, served by
a pg_trgm GIN index (``lesson_search_trgm``) for terms of three or more characters. Only the
current version of each published course is searched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup
from sqlalchemy import Integer, event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from course.catalog.models import Course, CourseLesson, CourseVersion, is_current_version
from course.catalog.snippets import Query, highlight, snippet
from course.extensions import db

if TYPE_CHECKING:
    from typing import Any


SEARCH_TABLE = "lesson_search"
TRIGRAM_INDEX = "lesson_search_trgm"

log = logging.getLogger(__name__)


def ensure_search_index(connection: Connection) -> None:
    """Create the full-text index where the database has one (SQLite FTS5); safe to repeat.

    Runs after ``db.create_all()``; a schema migration should call it too.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} "
            "USING fts5(title, body, tokenize='trigram')"
        )


def ensure_trigram_index(connection: Connection) -> None:
    """On PostgreSQL, a pg_trgm GIN index over lesson text and titles, so that ILIKE searches of
    three or more characters use an index instead of scanning every lesson; safe to repeat.

    pg_trgm ships with PostgreSQL and is a trusted extension (the database owner may create it).
    Where it cannot be created, search keeps working by scanning, and a warning says why.
    """
    if connection.dialect.name != "postgresql":
        return
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as error:
        log.warning("pg_trgm is not available; lesson search will scan: %s", error.orig)
        return
    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON course_lessons "
        "USING gin (text gin_trgm_ops, title gin_trgm_ops)"
    )


def drop_trigram_index(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def drop_search_index(connection: Connection) -> None:
    """Remove the full-text index (before ``db.drop_all()``)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")


def _after_create(_target: Any, connection: Connection, **_) -> None:
    ensure_search_index(connection)
    ensure_trigram_index(connection)


def _before_drop(_target: Any, connection: Connection, **_) -> None:
    drop_trigram_index(connection)
    drop_search_index(connection)


event.listen(db.metadata, "after_create", _after_create)
event.listen(db.metadata, "before_drop", _before_drop)


def index_lessons(session: Session, lessons: list[CourseLesson]) -> None:
    """Add flushed lesson rows to the full-text index."""
    if session.get_bind().dialect.name != "sqlite" or not lessons:
        return
    session.execute(
        text(f"INSERT INTO {SEARCH_TABLE} (rowid, title, body) VALUES (:id, :title, :body)"),
        [{"id": lesson.id, "title": lesson.title, "body": lesson.text} for lesson in lessons],
    )


@dataclass(frozen=True)
class SearchHit:
    """One lesson that matched, with a highlighted snippet."""

    course_slug: str
    course_title: dict
    lesson_slug: str
    lesson_title: Markup
    snippet: Markup


def search_lessons(
    session: Session, query_text: str, locale: str, limit: int = 30
) -> list[SearchHit]:
    """Lessons of published courses' current versions, in ``locale``, containing every term."""
    query = Query.parse(query_text)
    if not query.terms:
        return []
    statement = (
        select(CourseLesson, Course.slug, Course.title)
        .join(CourseVersion, CourseVersion.id == CourseLesson.version_id)
        .join(Course, is_current_version())
        .where(Course.is_published.is_(True), CourseLesson.locale == locale)
    )
    if session.get_bind().dialect.name == "sqlite" and query.fits_trigram:
        matching = (
            text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :q")
            .bindparams(q=query.fts_expression())
            .columns(rowid=Integer)
        )
        statement = statement.where(CourseLesson.id.in_(matching))
    else:
        for term in query.terms:
            pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(
                CourseLesson.text.ilike(pattern, escape="\\")
                | CourseLesson.title.ilike(pattern, escape="\\")
            )
    statement = statement.order_by(Course.slug, CourseLesson.position).limit(limit)
    return [
        SearchHit(
            course_slug=slug,
            course_title=title,
            lesson_slug=lesson.slug,
            lesson_title=highlight(lesson.title, query.terms),
            snippet=snippet(lesson.text, query.terms),
        )
        for lesson, slug, title in session.execute(statement)
    ]
