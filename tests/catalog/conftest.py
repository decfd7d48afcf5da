"""Catalog fixtures: the small fixture course, imported once per test that asks for it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

FIXTURE_REPO = Path(__file__).parent.parent / "fixtures" / "catalog"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def fixture_course_dir(tmp_path) -> Path:
    """A writable copy of the fixture course's repository; returns its content folder."""
    shutil.copytree(FIXTURE_REPO, tmp_path / "repo")
    return tmp_path / "repo" / "content" / "teamwork-basics"


@pytest.fixture
def imported_course(db_session, fixture_course_dir):
    """The fixture course imported and committed; returns the ImportResult."""
    from course.catalog.service import import_package

    result = import_package(db_session, None, fixture_course_dir, NOW)
    assert result.ok, result.problems
    db_session.commit()
    return result
