"""Authoring fixtures: the catalog's fixture course imported, with an instructor who authors it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

FIXTURE_REPO = Path(__file__).parent.parent / "fixtures" / "catalog"
SLUG = "teamwork-basics"
LESSON = "01-basics/01-what-is-teamwork.en.md"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def course_dir(tmp_path) -> Path:
    """A writable copy of the fixture course; returns its content folder."""
    shutil.copytree(FIXTURE_REPO, tmp_path / "repo")
    return tmp_path / "repo" / "content" / SLUG


@pytest.fixture
def course(db_session, course_dir):
    """The fixture course imported as version 1 and committed."""
    from course.catalog.service import import_package

    result = import_package(db_session, None, course_dir, NOW)
    assert result.ok, result.problems
    db_session.commit()
    return result.course


@pytest.fixture
def instructor(db_session, course, create_user, create_org, add_member):
    """An instructor of an organisation, made instructor of the fixture course."""
    from course.authoring.service import add_instructor

    user = create_user(display_name="讲师 Li")
    add_member(user, create_org(), "instructor")
    add_instructor(db_session, None, course, user, NOW)
    db_session.commit()
    return user
