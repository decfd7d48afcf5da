"""``course content check --quality``: objective rules, the waiver file and the command's output."""

from __future__ import annotations

from course.catalog.formats import parse_package
from course.catalog.package import read_folder
from course.catalog.quality import check_quality, unwaived

WAIVERS = """\
waivers:
  - rule: objective-coverage
    subject: b-o1
    reason: The lesson's own practice covers it.
  - rule: objective-coverage
    file: content/teamwork-basics/01-basics/module.yaml
    reason: A two-question fixture course.
  - rule: objective-coverage
    subject: p-o1
    reason: Assessed by the case study.
  - rule: ending-rank
    file: cases/desk-day.zh-CN.md
    reason: The fixture's endings are not ranked.
"""

ESSAY = """
  - id: q-basics-03
    type: essay
    tags: [m1]
    objectives: [b-o2]
    text: {zh-CN: 请设计一次倾听练习。, en: Design a listening exercise.}
    rubric:
      - {id: plan, label: {zh-CN: 有步骤, en: Has steps}, points: 3}
"""


def findings(folder):
    package, problems = parse_package(read_folder(folder))
    assert problems == [], [str(p) for p in problems]
    return check_quality(package)


def rules(folder) -> list[tuple[str, str]]:
    return [(f.rule, f.subject) for f in findings(folder)]


def _edit(path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_an_objective_assessed_once_or_never_fires(fixture_course_dir):
    found = rules(fixture_course_dir)
    assert ("objective-coverage", "b-o1") in found and ("objective-coverage", "p-o1") in found


def test_an_objective_assessed_twice_is_quiet(fixture_course_dir):
    quiz = fixture_course_dir.parents[1] / "quizzes" / "teamwork-basics" / "basics.yaml"
    _edit(quiz, "objectives: [b-o2]", "objectives: [b-o2, b-o1]")
    assert ("objective-coverage", "b-o1") not in rules(fixture_course_dir)


def test_a_design_objective_assessed_only_by_choice_items_fires(fixture_course_dir):
    module = fixture_course_dir / "01-basics" / "module.yaml"
    _edit(module, "en: Apply the three steps", "en: Design a practice of the three steps")
    assert ("higher-order-objective", "b-o2") in rules(fixture_course_dir)


def test_a_design_objective_with_a_graded_essay_is_quiet(fixture_course_dir):
    module = fixture_course_dir / "01-basics" / "module.yaml"
    _edit(module, "zh-CN: 运用积极倾听", "zh-CN: 设计积极倾听")
    quiz = fixture_course_dir.parents[1] / "quizzes" / "teamwork-basics" / "basics.yaml"
    quiz.write_text(quiz.read_text("utf-8") + ESSAY, "utf-8")
    assert ("higher-order-objective", "b-o2") not in rules(fixture_course_dir)


def test_waived_findings_are_notes_and_the_check_passes(fixture_course_dir):
    (fixture_course_dir / "quality-waivers.yaml").write_text(WAIVERS, "utf-8")
    found = findings(fixture_course_dir)
    assert found and unwaived(found) == []
    reasons = {f.subject: f.reason for f in found}
    assert reasons["b-o1"] == "The lesson's own practice covers it."
    assert reasons["b-o2"] == "A two-question fixture course."


def test_a_waiver_that_matches_nothing_is_a_finding(fixture_course_dir):
    extra = "  - {rule: long-key, question: q-none, reason: stale}\n"
    (fixture_course_dir / "quality-waivers.yaml").write_text(WAIVERS + extra, "utf-8")
    (finding,) = unwaived(findings(fixture_course_dir))
    assert finding.rule == "unused-waiver"
    assert finding.file.endswith("quality-waivers.yaml") and finding.line == 14


def test_a_waiver_without_a_reason_is_a_finding(fixture_course_dir):
    (fixture_course_dir / "quality-waivers.yaml").write_text(
        "waivers:\n  - {rule: objective-coverage, subject: b-o1}\n", "utf-8"
    )
    found = unwaived(findings(fixture_course_dir))
    assert [f.line for f in found if f.rule == "waiver-file"] == [2]
    assert ("objective-coverage", "b-o1") in [(f.rule, f.subject) for f in found]


def test_check_quality_prints_findings_and_exits_1(runner, fixture_course_dir):
    result = runner.invoke(args=["content", "check", "--quality", str(fixture_course_dir)])
    assert result.exit_code == 1
    expected = (
        "content/teamwork-basics/01-basics/module.yaml:4: objective-coverage: "
        "objective b-o1 is assessed by 1 question(s); it needs at least 2"
    )
    assert expected in result.output.splitlines()
    assert "unwaived quality finding" in result.output


def test_check_quality_with_every_finding_waived_exits_0(runner, fixture_course_dir):
    (fixture_course_dir / "quality-waivers.yaml").write_text(WAIVERS, "utf-8")
    result = runner.invoke(args=["content", "check", "--quality", str(fixture_course_dir)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: ")]
    assert len(notes) == 4
    assert notes[0].endswith("(waived: The lesson's own practice covers it.)")
    assert "teamwork-basics: quality OK (4 waived finding(s))" in result.output


def test_check_without_quality_ignores_quality(runner, fixture_course_dir):
    result = runner.invoke(args=["content", "check", str(fixture_course_dir)])
    assert result.exit_code == 0, result.output


def test_an_unreadable_waiver_file_is_a_finding(fixture_course_dir):
    (fixture_course_dir / "quality-waivers.yaml").write_text("waivers: [unclosed\n", "utf-8")
    found = [f for f in unwaived(findings(fixture_course_dir)) if f.rule == "waiver-file"]
    assert len(found) == 1 and "cannot read the waiver file" in found[0].message()
