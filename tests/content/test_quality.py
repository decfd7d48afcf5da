"""CI: every bundled course passes ``course content check --quality`` (waived findings allowed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.catalog.formats import parse_package
from course.catalog.package import read_folder
from course.catalog.quality import check_quality, unwaived

CONTENT = Path(__file__).resolve().parents[2] / "content"
COURSES = sorted(path for path in CONTENT.iterdir() if (path / "course.yaml").is_file())


def test_there_are_bundled_courses():
    assert COURSES


@pytest.mark.parametrize("folder", COURSES, ids=[path.name for path in COURSES])
def test_bundled_course_has_no_unwaived_quality_finding(folder):
    package, problems = parse_package(read_folder(folder))
    assert problems == [], [str(problem) for problem in problems]
    findings = check_quality(package)
    assert [str(finding) for finding in unwaived(findings)] == []
    assert all(finding.reason for finding in findings if finding.waived)
