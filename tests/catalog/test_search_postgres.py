"""On PostgreSQL, lesson search is served by a pg_trgm index (course/catalog/search.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from course.catalog.search import TRIGRAM_INDEX
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only")

# The shape of the predicate search_lessons builds for each term.
SEARCH_PREDICATE = (
    "SELECT id FROM course_lessons WHERE text ILIKE :pattern ESCAPE '\\' "
    "OR title ILIKE :pattern ESCAPE '\\'"
)


def test_the_trigram_index_exists(db_session):
    definition = db_session.execute(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": TRIGRAM_INDEX}
    ).scalar()
    assert definition and "gin" in definition and "gin_trgm_ops" in definition


def test_a_chinese_search_of_three_characters_or_more_can_use_it(db_session, imported_course):
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        db_session.execute(text("EXPLAIN " + SEARCH_PREDICATE), {"pattern": "%积极倾听%"}).scalars()
    )
    db_session.rollback()
    assert TRIGRAM_INDEX in plan, plan


def test_search_still_finds_chinese_lessons(client, imported_course):
    page = client.get("/search?q=积极倾听&lang=zh-CN").get_data(as_text=True)
    assert "<mark>积极倾听</mark>" in page
