"""Quiz fixtures: a small course with a quiz of every type and a drawn exam, and its trainee."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

FIXTURE_REPO = Path(__file__).parent.parent / "fixtures" / "quizzes"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def quiz_course(db_session, tmp_path):
    """The fixture course imported and committed; returns the Course."""
    from course.catalog.service import import_package

    shutil.copytree(FIXTURE_REPO, tmp_path / "repo")
    result = import_package(db_session, None, tmp_path / "repo" / "content" / "quiz-course", NOW)
    assert result.ok, result.problems
    db_session.commit()
    return result.course


@pytest.fixture
def trainee(db_session, quiz_course, create_user):
    """A trainee enrolled in the quiz course."""
    from course.progress.service import enrol

    user = create_user(display_name="Trainee Wang")
    enrol(db_session, user, quiz_course, NOW)
    db_session.commit()
    return user


def right_entries(paper: list[tuple[dict, dict]]) -> dict:
    """The entries (in display terms) that answer every question of a paper correctly."""
    entries = {}
    for question, arrangement in paper:
        kind = question["type"]
        if kind == "single":
            entry = next(o["id"] for o in question["options"] if o["correct"])
        elif kind == "multiple":
            entry = [o["id"] for o in question["options"] if o["correct"]]
        elif kind == "true_false":
            entry = "true" if question["answer"] else "false"
        elif kind == "short":
            entry = question["accept"][0]["answer"]
        elif kind == "matching":
            entry = {
                str(pos): arrangement["right"].index(left)
                for pos, left in enumerate(arrangement["left"])
            }
        elif kind == "ordering":
            order = [item["id"] for item in question["items"]]
            entry = {
                str(pos): order.index(item) + 1 for pos, item in enumerate(arrangement["items"])
            }
        elif kind == "numeric":
            entry = str(question["answers"][0]["value"])
        else:
            entry = "At my counter we hand over with a checklist."
        entries[question["id"]] = entry
    return entries


def browser_form(
    session, attempt, entries: dict, token="tok", action=None, flags=(), present=None
) -> dict:
    """The attempt form a browser would post for ``entries`` (server terms, as ``right_entries``
    makes them), named by the attempt's tokens; ``present`` defaults to the entries' questions."""
    from course.quizzes import service
    from course.quizzes.tokens import to_browser
    from tests.conftest import SECRET

    names = service.tokens_of(session, attempt, SECRET)
    paper = {q["id"]: (q, a) for q, a in service.paper_of(session, attempt)}
    shown = list(entries) if present is None else list(present)
    data = {"present": [names.questions[qid].name for qid in shown], "token": token}
    data["flag"] = [names.questions[qid].name for qid in flags]
    for qid, entry in entries.items():
        question, arrangement = paper[qid]
        tokens = names.questions[qid]
        value = to_browser(question, arrangement, tokens, entry)
        if isinstance(value, dict):
            data.update({f"q-{tokens.name}-{item}": str(v) for item, v in value.items()})
        else:
            data[f"q-{tokens.name}"] = value
    if action:
        data["action"] = action
    return data
