"""``course content check|import|export``."""

from __future__ import annotations

from course.catalog.package import read_folder


def test_check_reports_problems_and_exits_1(runner, fixture_course_dir):
    module = fixture_course_dir / "01-basics" / "module.yaml"
    module.write_text(module.read_text("utf-8").replace("quiz: basics", "quiz: ghost"), "utf-8")
    (fixture_course_dir / "02-practice" / "01-handover.en.md").unlink()
    result = runner.invoke(args=["content", "check", str(fixture_course_dir)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "content/teamwork-basics/01-basics/02-listening.en.md:17: link to a lesson that does not "
        "exist: ../02-practice/01-handover.en.md#handover-checklist",
        "content/teamwork-basics/01-basics/module.yaml:11: unknown quiz id 'ghost'",
        "content/teamwork-basics/02-practice/module.yaml:6: lesson 'handover' has no en file "
        "(NN-handover.en.md in 02-practice/)",
    ]


def test_check_a_clean_package_prints_one_line(runner, fixture_course_dir):
    result = runner.invoke(args=["content", "check", str(fixture_course_dir)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "teamwork-basics: OK: 2 modules, 3 lessons, 1 quiz files, 1 cases, 1 assets in zh-CN, en\n"
    )


def test_import_then_export_round_trip(runner, fixture_course_dir, tmp_path):
    first = runner.invoke(args=["content", "import", str(fixture_course_dir)])
    assert first.exit_code == 0 and first.output == "teamwork-basics: imported as version 1.\n"
    again = runner.invoke(args=["content", "import", str(fixture_course_dir)])
    assert again.output == "teamwork-basics: unchanged (version 1).\n"
    out = tmp_path / "export"
    exported = runner.invoke(args=["content", "export", "teamwork-basics", str(out)])
    assert exported.exit_code == 0, exported.output
    folder = out / "content" / "teamwork-basics"
    assert read_folder(folder).content_hash() == read_folder(fixture_course_dir).content_hash()
    reimport = runner.invoke(args=["content", "import", str(folder)])
    assert reimport.output == "teamwork-basics: unchanged (version 1).\n"


def test_import_with_problems_writes_nothing(runner, fixture_course_dir, db_session):
    from sqlalchemy import func, select

    from course.catalog.models import Course

    (fixture_course_dir / "course.yaml").write_text("slug: [broken\n", "utf-8")
    result = runner.invoke(args=["content", "import", str(fixture_course_dir)])
    assert result.exit_code == 1
    assert "content/teamwork-basics/course.yaml:2: invalid YAML" in result.output
    assert db_session.scalar(select(func.count()).select_from(Course)) == 0


def test_export_of_an_unknown_course_fails(runner, tmp_path):
    result = runner.invoke(args=["content", "export", "nope", str(tmp_path)])
    assert result.exit_code == 1 and "no course 'nope'" in result.output
