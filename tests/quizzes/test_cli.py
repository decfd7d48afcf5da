"""``course quiz``: GIFT import (to a file or as JSON), export, and closing overdue attempts."""

import json

import yaml

from tests.quizzes.samples import EVERY_TYPE

GIFT = """\
// Module one
$CATEGORY: $course$/top/m1

::roles-01::Clear roles avoid overlap. {TRUE#Think again.#Yes.}

::pick::Which help? {~%50%Meetings ~%50%Feedback ~%-100%Silence ####Both build trust.}
"""


def test_import_gift_writes_yaml(runner, tmp_path):
    source = tmp_path / "module-one.gift"
    source.write_text(GIFT, encoding="utf-8")
    out = tmp_path / "quizzes" / "stc" / "module-one.yaml"
    result = runner.invoke(args=["quiz", "import-gift", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["title"] == "module-one"
    assert [q["type"] for q in written["questions"]] == ["true_false", "multiple"]
    again = runner.invoke(args=["quiz", "import-gift", str(source), "--out", str(out)])
    assert again.exit_code != 0 and "--force" in again.output


def test_import_gift_json_prints_and_writes_nothing(runner, tmp_path):
    (tmp_path / "in").mkdir()
    source = tmp_path / "in" / "module-one.gift"
    source.write_text(GIFT, encoding="utf-8")
    result = runner.invoke(args=["quiz", "import-gift", str(source), "--json"])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed[1]["kind"] == "multichoice" and parsed[1]["name"] == "pick"
    assert [a["fraction"] for a in parsed[1]["answers"]] == [0.5, 0.5, -1.0]
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["module-one.gift"]


def test_import_gift_with_an_error_writes_nothing_unless_partial(runner, tmp_path):
    source = tmp_path / "broken.gift"
    source.write_text(GIFT + "\n::bad::Q {#abc}\n", encoding="utf-8")
    result = runner.invoke(args=["quiz", "import-gift", str(source)])
    assert result.exit_code != 0
    assert "broken.gift:8: 'abc' is not a number" in result.output
    assert "2 of 3 questions converted" in result.output
    assert "--partial" in result.output
    assert not (tmp_path / "broken.yaml").exists()
    partial = runner.invoke(args=["quiz", "import-gift", str(source), "--partial"])
    assert partial.exit_code == 0, partial.output
    written = yaml.safe_load((tmp_path / "broken.yaml").read_text(encoding="utf-8"))
    assert [q["id"] for q in written["questions"]] == ["roles-01", "pick"]


def test_export_gift_lists_what_gift_cannot_carry(runner, tmp_path):
    source = tmp_path / "check.yaml"
    source.write_text(EVERY_TYPE, encoding="utf-8")
    result = runner.invoke(args=["quiz", "export-gift", str(source), "--locale", "en"])
    assert result.exit_code == 0
    assert (
        "::q-tf::[markdown]Clear roles avoid overlap. {TRUE#Clear roles do avoid overlap.#Yes.}"
        in result.output
    )
    assert "q-order: ordering question: GIFT has no ordering questions" in result.output
    assert "the essay's rubric (2 criteria) is not exported" in result.output
    assert "the zh-CN text is not exported" in result.output


def test_export_gift_of_a_drawing_quiz_writes_the_bank_and_the_draw(runner):
    result = runner.invoke(
        args=["quiz", "export-gift", "quizzes/service-team-collaboration/final-exam.yaml"]
    )
    assert result.exit_code == 0, result.output
    assert "// Quiz final-exam draws its questions from the course's question bank:" in (
        result.output
    )
    assert result.output.count("::bk-") >= 20
    assert "\n$CATEGORY: $course$/top/" in result.output


def test_close_expired(runner, db_session, quiz_course, trainee):
    from course.quizzes import service
    from tests.quizzes.conftest import NOW

    service.start_attempt(db_session, trainee, quiz_course, "check", NOW)
    db_session.commit()
    result = runner.invoke(args=["quiz", "close-expired"])
    assert result.exit_code == 0 and "Closed 1 attempts." in result.output


def test_the_periodic_job_closes_overdue_attempts(db_session, quiz_course, trainee):
    from course.quizzes import service
    from course.quizzes.tasks import close_expired_attempts_task
    from tests.quizzes.conftest import NOW

    attempt = service.start_attempt(db_session, trainee, quiz_course, "check", NOW)
    db_session.commit()
    assert close_expired_attempts_task.call_local() == 1
    db_session.refresh(attempt)
    assert attempt.status == "graded" and attempt.closed_by == "deadline"
