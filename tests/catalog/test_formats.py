"""The package checker: one test per kind of problem, each naming the file and the line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from course.catalog.formats import Parsers, parse_package
from course.catalog.package import read_folder, write_folder

FIXTURE = Path(__file__).parent.parent / "fixtures" / "catalog"
C = "content/teamwork-basics"


# Local stand-ins for the quizzes and cases areas' parsers: these tests check the catalog's own
# rules, so they take the other areas' files as read without judging them.
def _stand_in_quiz(text: str, filename: str, locales: list[str]):
    return yaml.safe_load(text), []


def _stand_in_case(sources: dict[str, tuple[str, str]], default_locale: str):
    titles = {
        loc: yaml.safe_load(text.split("---")[1])["title"] for loc, (_, text) in sources.items()
    }
    return {"title": titles}, []


STAND_INS = Parsers(quiz=_stand_in_quiz, case=_stand_in_case)


@pytest.fixture
def package(tmp_path) -> Path:
    """A writable copy of the fixture course; returns its content folder."""
    shutil.copytree(FIXTURE, tmp_path / "repo")
    return tmp_path / "repo" / "content" / "teamwork-basics"


def problems(folder: Path) -> list[str]:
    parsed, found = parse_package(read_folder(folder), STAND_INS)
    assert (parsed is None) == bool(found)
    return [str(problem) for problem in found]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_the_fixture_course_is_clean(package):
    parsed, found = parse_package(read_folder(package), STAND_INS)
    assert found == []
    assert [m.slug for m in parsed.modules] == ["basics", "practice"]
    assert list(parsed.lessons) == ["what-is-teamwork", "listening", "handover"]
    assert parsed.lessons["listening"].texts["zh-CN"].minutes >= 1
    assert 'href="handover#handover-checklist"' in parsed.lessons["listening"].texts["en"].html
    assert 'src="../assets/diagram.svg"' in parsed.lessons["what-is-teamwork"].texts["en"].html
    assert set(parsed.quizzes) == {"basics"} and set(parsed.cases) == {"desk-day"}


def test_invalid_yaml(package):
    edit(package / "course.yaml", "hours: 1.5", "hours: [1.5")
    assert any(p.startswith(f"{C}/course.yaml:") and "invalid YAML" in p for p in problems(package))


def test_unknown_field(package):
    edit(package / "02-practice" / "module.yaml", "objectives:", "colour: red\nobjectives:")
    assert f"{C}/02-practice/module.yaml:2: unknown field 'colour'" in problems(package)


def test_missing_field(package):
    edit(package / "course.yaml", "hours: 1.5\n", "")
    assert f"{C}/course.yaml:1: missing field 'hours'" in problems(package)


def test_wrong_value_is_reported_at_its_line(package):
    edit(package / "course.yaml", "enrolment: open", "enrolment: sometimes")
    assert f"{C}/course.yaml:9: enrolment: must be open or assigned" in problems(package)


def test_duplicate_key(package):
    edit(package / "course.yaml", "hours: 1.5", "hours: 1.5\nhours: 2")
    assert f"{C}/course.yaml:9: duplicate key 'hours'" in problems(package)


def test_duplicate_module_slug(package):
    edit(package / "course.yaml", "  - practice\n", "  - practice\n  - basics\n")
    assert f"{C}/course.yaml:13: duplicate module slug 'basics'" in problems(package)


def test_duplicate_lesson_slug(package):
    edit(
        package / "02-practice" / "module.yaml",
        "  - case: desk-day",
        "  - case: desk-day\n  - lesson: handover",
    )
    assert (
        f"{C}/02-practice/module.yaml:8: lesson slug 'handover' is listed twice in the course"
        in problems(package)
    )


def test_module_listed_but_missing(package):
    edit(package / "course.yaml", "  - practice\n", "  - practice\n  - review\n")
    assert (
        f"{C}/course.yaml:13: module 'review' is listed but there is no folder NN-review/"
        in problems(package)
    )


def test_module_present_but_not_listed(package):
    shutil.copytree(package / "02-practice", package / "03-extra")
    found = problems(package)
    assert (
        f"{C}/03-extra/module.yaml:1: module folder '03-extra/' is not listed in course.yaml"
        in found
    )


def test_lesson_listed_but_missing(package):
    edit(
        package / "01-basics" / "module.yaml",
        "  - quiz: basics",
        "  - lesson: ghost\n  - quiz: basics",
    )
    found = problems(package)
    assert (
        f"{C}/01-basics/module.yaml:11: lesson 'ghost' has no zh-CN file "
        "(NN-ghost.zh-CN.md in 01-basics/)" in found
    )


def test_lesson_present_but_not_listed(package):
    shutil.copy(
        package / "02-practice" / "01-handover.en.md", package / "02-practice" / "02-stray.en.md"
    )
    assert (
        f"{C}/02-practice/02-stray.en.md:1: lesson file is not listed in its module.yaml"
        in problems(package)
    )


def test_lesson_missing_in_a_declared_locale(package):
    (package / "02-practice" / "01-handover.en.md").unlink()
    found = problems(package)
    assert (
        f"{C}/02-practice/module.yaml:6: lesson 'handover' has no en file "
        "(NN-handover.en.md in 02-practice/)" in found
    )


def test_lesson_in_an_undeclared_locale(package):
    shutil.copy(
        package / "02-practice" / "01-handover.en.md", package / "02-practice" / "01-handover.fr.md"
    )
    assert (
        f"{C}/02-practice/01-handover.fr.md:0: locale 'fr' is not declared in course.yaml"
        in problems(package)
    )


def test_link_to_a_missing_lesson(package):
    edit(package / "01-basics" / "02-listening.en.md", "01-handover.en.md", "09-handoff.en.md")
    found = problems(package)
    expected = (
        f"{C}/01-basics/02-listening.en.md:17: link to a lesson that does not exist: "
        "../02-practice/09-handoff.en.md#handover-checklist"
    )
    assert expected in found


def test_link_to_a_missing_asset(package):
    edit(package / "01-basics" / "01-what-is-teamwork.zh-CN.md", "diagram.svg", "missing.png")
    found = problems(package)
    assert (
        f"{C}/01-basics/01-what-is-teamwork.zh-CN.md:11: "
        "image to an asset that does not exist: ../assets/missing.png" in found
    )


def test_unknown_quiz_id(package):
    edit(package / "01-basics" / "module.yaml", "quiz: basics", "quiz: basic")
    assert f"{C}/01-basics/module.yaml:11: unknown quiz id 'basic'" in problems(package)


def test_unknown_final_exam(package):
    edit(package / "course.yaml", "completion:", "final_exam: final\ncompletion:")
    assert f"{C}/course.yaml:13: unknown quiz id 'final'" in problems(package)


def test_unknown_case_id(package):
    edit(package / "02-practice" / "module.yaml", "case: desk-day", "case: desk-night")
    found = problems(package)
    assert f"{C}/02-practice/module.yaml:7: unknown case id 'desk-night'" in found
    assert (
        f"{C}/cases/desk-day.zh-CN.md:1: case 'desk-day' is not listed in any module.yaml" in found
    )


def test_missing_module_objectives(package):
    edit(
        package / "02-practice" / "module.yaml",
        "objectives:\n  - id: p-o1\n"
        "    text: {zh-CN: 完成一次规范的交接, en: Carry out a complete handover}\n",
        "objectives: []\n",
    )
    found = problems(package)
    assert (
        f"{C}/02-practice/module.yaml:2: objectives: must list at least one measurable objective"
        in found
    )


def test_missing_lesson_objectives(package):
    edit(package / "02-practice" / "01-handover.en.md", "objectives: [p-o1]\n", "")
    assert f"{C}/02-practice/01-handover.en.md:2: missing field 'objectives'" in problems(package)


def test_unknown_objective_in_a_lesson(package):
    edit(package / "02-practice" / "01-handover.en.md", "objectives: [p-o1]", "objectives: [p-o9]")
    assert f"{C}/02-practice/01-handover.en.md:4: unknown objective id 'p-o9'" in problems(package)


def test_duplicate_objective_id(package):
    edit(package / "02-practice" / "module.yaml", "id: p-o1", "id: b-o2")
    found = problems(package)
    assert (
        f"{C}/02-practice/module.yaml:3: duplicate objective id 'b-o2' (also in 01-basics/)"
        in found
    )


def test_empty_lesson(package):
    path = package / "02-practice" / "01-handover.zh-CN.md"
    path.write_text("---\ntitle: 交接\nobjectives: [p-o1]\n---\n\n  \n", "utf-8")
    assert f"{C}/02-practice/01-handover.zh-CN.md:5: the lesson is empty" in problems(package)


def test_lesson_without_front_matter(package):
    (package / "02-practice" / "01-handover.zh-CN.md").write_text("## 交接\n\n正文\n", "utf-8")
    found = problems(package)
    assert (
        f"{C}/02-practice/01-handover.zh-CN.md:1: "
        "a lesson starts with YAML front matter between --- lines" in found
    )


def test_localised_map_missing_a_locale(package):
    edit(
        package / "01-basics" / "module.yaml",
        "title: {zh-CN: 基础, en: Basics}",
        "title: {zh-CN: 基础}",
    )
    assert f"{C}/01-basics/module.yaml:1: missing the en text" in problems(package)


def test_every_problem_is_reported_at_once(package):
    edit(package / "01-basics" / "module.yaml", "quiz: basics", "quiz: basic")
    edit(package / "course.yaml", "hours: 1.5\n", "")
    (package / "02-practice" / "01-handover.en.md").unlink()
    assert len(problems(package)) >= 3


def test_parse_errors_of_other_areas_are_collected(package):
    from course.problems import Problem

    def failing_quiz(text, filename, locales):
        return None, [Problem(filename, 3, "pass_mark must be between 0 and 1")]

    _, found = parse_package(read_folder(package), Parsers(quiz=failing_quiz, case=_stand_in_case))
    assert [str(p) for p in found] == [
        "quizzes/teamwork-basics/basics.yaml:3: pass_mark must be between 0 and 1"
    ]


def test_write_then_read_keeps_every_byte(package, tmp_path):
    source = read_folder(package)
    folder = write_folder(source.files(), tmp_path / "out", "teamwork-basics")
    again = read_folder(folder)
    assert again.content_hash() == source.content_hash()
    assert again.content == source.content and again.quizzes == source.quizzes


def test_write_refuses_paths_outside_the_package(tmp_path):
    with pytest.raises(ValueError):
        write_folder([("content", "../evil.txt", b"x")], tmp_path, "c")
