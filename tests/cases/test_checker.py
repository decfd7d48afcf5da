"""Broken cases in a whole package: ``course content check`` names each fault as file:line and
an import writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from course.catalog.models import CourseVersion
from tests.cases.conftest import CASE_EN, CASE_ZH, write_package


def test_content_check_reports_case_faults_by_line(runner, tmp_path):
    package = write_package(tmp_path)
    broken = CASE_ZH.replace("(#commit) {score=3", "(#comit) {score=3").replace(
        "- [按时回电](#joint) {score=1 competencies=trust}", "按时回电。"
    )
    (package / "cases" / "desk-day.zh-CN.md").write_text(broken, encoding="utf-8")
    (package / "cases" / "desk-day.en.md").write_text(
        CASE_EN.replace("He has two matters.\n", ""), encoding="utf-8"
    )
    result = runner.invoke(args=["content", "check", str(package)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.endswith("cases/desk-day.zh-CN.md:30: choice points at unknown scene 'comit'")
        for line in lines
    ), lines
    dead_end = "cases/desk-day.zh-CN.md:33: scene 'commit' is a dead end"
    assert any(dead_end in line for line in lines), lines
    assert any(
        "cases/desk-day.en.md:23: missing translated narrative of 'listen'" in line
        for line in lines
    )


def test_a_new_version_with_a_broken_case_imports_nothing(db_session, course, tmp_path):
    from course.catalog.service import import_package
    from tests.cases.conftest import NOW

    versions = select(func.count()).select_from(CourseVersion)
    before = db_session.scalar(versions)
    package = write_package(tmp_path / "broken")  # tmp_path/repo may hold the course already
    (package / "cases" / "desk-day.en.md").write_text(
        CASE_EN.replace("[Take it on again](#listen)", "[Take it on again](#arrival)"),
        encoding="utf-8",
    )
    result = import_package(db_session, None, package, NOW)
    assert not result.ok
    assert any("desk-day.en.md" in str(problem) for problem in result.problems)
    assert db_session.scalar(versions) == before
