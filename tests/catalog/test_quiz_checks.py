"""The package check runs the checks across quiz files: a draw the bank cannot meet, or a
question id used in two files, stops the import with ``file:line: message``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sqlalchemy import func, select

from course.catalog.models import CourseVersion
from course.catalog.service import import_package
from tests.catalog.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
SLUG = "service-team-collaboration"


def flagship_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the flagship package; returns its content and quizzes folders."""
    content = tmp_path / "content" / SLUG
    quizzes = tmp_path / "quizzes" / SLUG
    shutil.copytree(ROOT / "content" / SLUG, content)
    shutil.copytree(ROOT / "quizzes" / SLUG, quizzes)
    return content, quizzes


def test_an_impossible_draw_is_refused_at_import(db_session, runner, tmp_path):
    content, quizzes = flagship_copy(tmp_path)
    bank = (quizzes / "bank.yaml").read_text(encoding="utf-8")
    assert len(re.findall(r"^\s*tags:", bank, re.MULTILINE)) == 42  # one per question
    exam = quizzes / "final-exam.yaml"
    text = exam.read_text(encoding="utf-8")
    first = re.search(r"count: \d+", text)
    line = text[: first.start()].count("\n") + 1
    exam.write_text(text[: first.start()] + "count: 300" + text[first.end() :], encoding="utf-8")

    result = import_package(db_session, None, content, NOW)
    assert not result.ok
    problems = [str(problem) for problem in result.problems]
    expected = f"quizzes/{SLUG}/final-exam.yaml:{line}: the draw asks for 300 questions tagged"
    assert [p for p in problems if p.startswith(expected) and "but the bank has" in p]
    assert db_session.scalar(select(func.count()).select_from(CourseVersion)) == 0

    cli = runner.invoke(args=["content", "import", str(content)])
    assert cli.exit_code == 1
    assert expected in cli.output


def test_a_question_id_used_in_two_quiz_files_is_refused_at_its_line(db_session, tmp_path):
    content, quizzes = flagship_copy(tmp_path)
    background = (quizzes / "background.yaml").read_text("utf-8")
    first_id = re.search(r"^  - id: (\S+)", background, re.MULTILINE)
    roles = quizzes / "roles.yaml"
    text = roles.read_text(encoding="utf-8")
    own = re.search(r"^  - id: (\S+)", text, re.MULTILINE)
    line = text[: own.start()].count("\n") + 1
    roles.write_text(text[: own.start(1)] + first_id.group(1) + text[own.end(1) :], "utf-8")

    result = import_package(db_session, None, content, NOW)
    assert [str(p) for p in result.problems] == [
        f"quizzes/{SLUG}/roles.yaml:{line}: question id {first_id.group(1)!r} is also used in "
        f"quizzes/{SLUG}/background.yaml"
    ]
