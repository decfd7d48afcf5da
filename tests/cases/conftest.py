"""Case fixtures: the catalog's small fixture course with a richer branching case in it, enrolled
trainees, instructors in and outside their organisation, and quiz outcomes on demand."""

from __future__ import annotations

import shutil
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

FIXTURE_REPO = Path(__file__).parent.parent / "fixtures" / "catalog"
PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

CASE_ZH = """---
title: 窗口的一天
summary: 一位群众的事情需要两个部门。
start: arrival
reflection:
  - id: r1
    prompt: 你会怎样做？
  - id: r2
    prompt: 你的单位缺什么？
rubric:
  - id: insight
    label: 联系自身工作
    points: 4
  - id: action
    label: 可执行的措施
    points: 2
---

## 到达 {#arrival}

一位群众来办事。

- [问清诉求](#listen) {score=2 competencies=communication,citizen-focus}
- [让他去别的窗口](#sent-away) {score=-1 competencies=roles}

## 问清楚 {#listen}

他要办两件事。

- [发起联办](#commit) {score=3 competencies=roles,tools}
- [回到开头](#arrival) {score=0}

## 承诺 {#commit .no-back}

你答应今天办完。

- [按时回电](#joint) {score=1 competencies=trust}

## 被支走 {#sent-away}

他又回来了。

- [重新受理](#listen) {score=0}

## 联办 {#joint .ending}

事情一次办成。

::: debrief
联办让群众少跑腿。
:::
"""

CASE_EN = """---
title: A day at the counter
summary: One citizen's matter needs two departments.
reflection:
  - id: r1
    prompt: What would you do?
  - id: r2
    prompt: What does your unit lack?
rubric:
  - id: insight
    label: Relates it to own work
  - id: action
    label: Workable measures
---

## Arrival {#arrival}

A citizen arrives.

- [Ask what he needs](#listen)
- [Send him to another counter](#sent-away)

## Listening {#listen}

He has two matters.

- [Start a joint ticket](#commit)
- [Back to the start](#arrival)

## The promise {#commit .no-back}

You promise it today.

- [Call back on time](#joint)

## Sent away {#sent-away}

He comes back.

- [Take it on again](#listen)

## Joint handling {#joint .ending}

Done in one visit.

::: debrief
Joint handling saves trips.
:::
"""


def write_package(root: Path) -> Path:
    """A copy of the catalog's fixture course whose case ``desk-day`` is the richer one above."""
    shutil.copytree(FIXTURE_REPO, root / "repo")
    content = root / "repo" / "content" / "teamwork-basics"
    (content / "cases" / "desk-day.zh-CN.md").write_text(CASE_ZH, encoding="utf-8")
    (content / "cases" / "desk-day.en.md").write_text(CASE_EN, encoding="utf-8")
    return content


PEOPLE = {
    "trainee": ("trainee", "Lin Xiaoyu"),
    "other": ("trainee", "Other Trainee"),
    "instructor": ("instructor", "Teacher Li"),
    "outsider": ("instructor", "Outside Teacher"),
}


def _populate(session, package: Path) -> None:
    """Import the course; add the people of ``PEOPLE`` (the outsider in another organisation)
    and enrol the two trainees."""
    from course.accounts.service import create_user
    from course.catalog.service import import_package
    from course.orgs.service import add_member, create_organisation
    from course.progress.service import enrol

    at = NOW - timedelta(days=1)
    result = import_package(session, None, package, at)
    assert result.ok, [str(p) for p in result.problems]
    org = create_organisation(session, "cases-centre", {"zh-CN": "中心", "en": "Centre"}, at)
    elsewhere = create_organisation(
        session, "cases-elsewhere", {"zh-CN": "别处", "en": "Elsewhere"}, at
    )
    for key, (role, name) in PEOPLE.items():
        user = create_user(session, f"{key}@cases.example.com", PASSWORD, name, at, locale="en")
        add_member(session, elsewhere if key == "outsider" else org, user, role, at)
        if role == "trainee":
            enrol(session, user, result.course, at)
    session.commit()


@pytest.fixture(scope="session")
def database_template(database_template, tmp_path_factory):
    """The shared SQLite template with the course and people already in it, so each test
    copies them instead of importing again. (PostgreSQL has no template: see ``course``.)"""
    if database_template is None:
        return None
    from course import create_app
    from course.extensions import db
    from tests.conftest import _base_config

    folder = tmp_path_factory.mktemp("cases-template")
    path = folder / "template.db"
    shutil.copyfile(database_template, path)
    app = create_app(_base_config(f"sqlite:///{path}", folder / "instance"))
    with app.app_context():
        _populate(db.session, write_package(folder))
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def course(db_session, database_template, tmp_path):
    """The fixture course (imported into the template, or here on PostgreSQL)."""
    from course.catalog.service import get_course

    if database_template is None:
        _populate(db_session, write_package(tmp_path))
    return get_course(db_session, "teamwork-basics")


@pytest.fixture
def people(db_session, course):
    """``trainee`` and ``other`` (enrolled, same organisation), ``instructor`` of that
    organisation, and ``outsider`` (an instructor elsewhere)."""
    from sqlalchemy import select

    from course.accounts.models import User

    found = {
        key: db_session.scalar(select(User).where(User.email == f"{key}@cases.example.com"))
        for key in PEOPLE
    }
    return types.SimpleNamespace(**found)


@pytest.fixture
def quiz_results():
    """Quiz outcomes completion will see: fill the dict with ``{quiz_id: outcome}``."""
    return {}


@pytest.fixture
def app(app, quiz_results):
    """The app, with a fake quiz outcome provider answering ``quiz_results``, so these tests
    decide quiz facts themselves; the real provider is put back afterwards."""
    from course.progress import outcomes

    real = outcomes.register("quizzes", lambda session, user_id, course_id: quiz_results)
    yield app
    outcomes.register("quizzes", real)
