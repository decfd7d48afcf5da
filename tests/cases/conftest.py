"""Case fixtures: the catalog's small fixture course with a richer branching case in it, an
enrolled trainee, an instructor of the trainee's organisation, and quiz outcomes on demand."""

from __future__ import annotations

import shutil
import sys
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

FIXTURE_REPO = Path(__file__).parent.parent / "fixtures" / "catalog"
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


@pytest.fixture
def course_dir(tmp_path) -> Path:
    """A copy of the catalog's fixture course whose case ``desk-day`` is the richer one above."""
    shutil.copytree(FIXTURE_REPO, tmp_path / "repo")
    content = tmp_path / "repo" / "content" / "teamwork-basics"
    (content / "cases" / "desk-day.zh-CN.md").write_text(CASE_ZH, encoding="utf-8")
    (content / "cases" / "desk-day.en.md").write_text(CASE_EN, encoding="utf-8")
    return content


@pytest.fixture
def course(db_session, course_dir):
    """The fixture course imported and committed."""
    from course.catalog.service import get_course, import_package

    result = import_package(db_session, None, course_dir, NOW - timedelta(days=1))
    assert result.ok, [str(p) for p in result.problems]
    db_session.commit()
    return get_course(db_session, "teamwork-basics")


@pytest.fixture
def people(db_session, course, create_user, create_org, add_member):
    """``trainee`` (enrolled), ``other`` (enrolled, same organisation), ``instructor`` of that
    organisation, and ``outsider`` (an instructor elsewhere)."""
    from course.progress.service import enrol

    org, elsewhere = create_org(), create_org()
    trainee = create_user(display_name="Lin Xiaoyu", locale="en")
    other = create_user(display_name="Other Trainee", locale="en")
    instructor = create_user(display_name="Teacher Li", locale="en")
    outsider = create_user(display_name="Outside Teacher", locale="en")
    add_member(trainee, org, "trainee")
    add_member(other, org, "trainee")
    add_member(instructor, org, "instructor")
    add_member(outsider, elsewhere, "instructor")
    for person in (trainee, other):
        enrol(db_session, person, course, NOW)
    db_session.commit()
    return types.SimpleNamespace(
        trainee=trainee, other=other, instructor=instructor, outsider=outsider, org=org
    )


@pytest.fixture(autouse=True)
def quiz_results(monkeypatch):
    """Quiz outcomes completion will see: fill the returned dict with ``{quiz_id: outcome}``.

    Stand-in for ``course.quizzes.service.quiz_outcomes`` (owned by the quizzes area), so these
    tests decide quiz facts themselves; a stub module is installed only if the real one is absent.
    """
    results: dict = {}
    try:
        import course.quizzes.service as quizzes_service
    except ImportError:  # the quizzes area has not landed its service yet
        quizzes_service = types.ModuleType("course.quizzes.service")
        monkeypatch.setitem(sys.modules, "course.quizzes.service", quizzes_service)
    monkeypatch.setattr(
        quizzes_service, "quiz_outcomes", lambda session, user_id, course_id: results, raising=False
    )
    return results
