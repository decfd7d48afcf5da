"""Importing packages as versions, exporting them, and progress surviving new versions."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from course.catalog import service
from course.catalog.models import Course, CourseFile, CourseLesson, CourseVersion
from course.catalog.package import read_folder
from course.progress import service as progress

from .conftest import NOW

FLAGSHIP = Path(__file__).parent.parent.parent / "content" / "service-team-collaboration"


def _counts(session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Course, CourseVersion, CourseLesson, CourseFile)
    )


def test_import_stores_an_immutable_version(db_session, imported_course):
    course, version = imported_course.course, imported_course.version
    assert imported_course.created
    assert course.slug == "teamwork-basics" and course.current_number == 1
    assert course.title == {"zh-CN": "团队协作入门", "en": "Teamwork Basics"}
    assert course.hours == 1.5 and course.enrolment == "open"
    assert service.current_version(db_session, course).id == version.id
    assert service.lesson_slugs(version) == ["what-is-teamwork", "listening", "handover"]
    assert service.get_quiz_definition(db_session, version, "basics") is not None
    assert service.get_case_definition(db_session, version, "desk-day") is not None
    outline = service.course_outline(db_session, version, "en")
    assert [m.title for m in outline] == ["Basics", "Practice"]
    assert [(i.kind, i.slug, i.title) for i in outline[0].items] == [
        ("lesson", "what-is-teamwork", "What is teamwork"),
        ("lesson", "listening", "Active listening"),
        ("quiz", "basics", "Basics quiz"),
    ]
    lesson = db_session.scalar(
        select(CourseLesson).where(CourseLesson.slug == "listening", CourseLesson.locale == "zh-CN")
    )
    assert lesson.title == "积极倾听" and lesson.position == 1
    assert 'href="handover#%E4%BA%A4%E6%8E%A5%E6%B8%85%E5%8D%95"' in lesson.html
    assert _counts(db_session) == (1, 1, 6, 13)


def test_importing_unchanged_content_does_nothing(db_session, imported_course, fixture_course_dir):
    again = service.import_package(db_session, None, fixture_course_dir, NOW + timedelta(days=1))
    assert again.ok and not again.created
    assert again.version.id == imported_course.version.id
    assert _counts(db_session) == (1, 1, 6, 13)


def test_export_then_import_is_an_identity(
    db_session, imported_course, fixture_course_dir, tmp_path
):
    exported = service.export_course(db_session, "teamwork-basics", tmp_path / "out")
    assert exported == tmp_path / "out" / "content" / "teamwork-basics"
    original = read_folder(fixture_course_dir)
    copy = read_folder(exported)
    assert copy.content == original.content and copy.quizzes == original.quizzes
    assert copy.content_hash() == imported_course.version.content_hash
    again = service.import_package(db_session, None, exported, NOW)
    assert again.ok and not again.created


def test_unknown_course_cannot_be_exported(db_session, tmp_path):
    with pytest.raises(LookupError):
        service.export_course(db_session, "nope", tmp_path)


def test_a_new_version_keeps_progress_and_drops_removed_lessons(
    db_session, imported_course, fixture_course_dir, create_user
):
    trainee = create_user()
    course = imported_course.course
    progress.enrol(db_session, trainee, course, NOW)
    progress.complete_lesson(db_session, trainee, course, "listening", NOW)
    progress.complete_lesson(db_session, trainee, course, "handover", NOW)
    db_session.commit()

    lesson = fixture_course_dir / "01-basics" / "02-listening.en.md"
    lesson.write_text(lesson.read_text("utf-8").replace("Three steps", "Three habits"), "utf-8")
    for locale in ("zh-CN", "en"):
        (fixture_course_dir / "02-practice" / f"01-handover.{locale}.md").unlink()
    module = fixture_course_dir / "02-practice" / "module.yaml"
    module.write_text(module.read_text("utf-8").replace("  - lesson: handover\n", ""), "utf-8")
    for locale, link in (("en", "[the handover]"), ("zh-CN", "[交接]")):
        path = fixture_course_dir / "01-basics" / f"02-listening.{locale}.md"
        text = path.read_text("utf-8")
        path.write_text(text[: text.index(link)] + "\n", "utf-8")

    result = service.import_package(db_session, None, fixture_course_dir, NOW + timedelta(days=2))
    assert result.ok and result.created, result.problems
    db_session.commit()
    assert result.version.number == 2 and course.current_number == 2
    version = service.current_version(db_session, course)
    assert service.lesson_slugs(version) == ["what-is-teamwork", "listening"]
    # Records are keyed by slug: both completions survive; the removed lesson no longer counts.
    done = progress.lesson_progress(db_session, trainee.id, course.id)
    assert done == {"listening", "handover"}
    assert done & set(service.lesson_slugs(version)) == {"listening"}
    # The old version is untouched.
    old = db_session.scalar(
        select(CourseLesson).where(
            CourseLesson.version_id == imported_course.version.id,
            CourseLesson.slug == "listening",
            CourseLesson.locale == "en",
        )
    )
    assert "Three steps" in old.html


def test_a_package_with_problems_writes_nothing(db_session, fixture_course_dir):
    module = fixture_course_dir / "01-basics" / "module.yaml"
    module.write_text(module.read_text("utf-8").replace("quiz: basics", "quiz: ghost"), "utf-8")
    result = service.import_package(db_session, None, fixture_course_dir, NOW)
    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "content/teamwork-basics/01-basics/module.yaml:11: unknown quiz id 'ghost'"
    ]
    assert _counts(db_session) == (0, 0, 0, 0)


def test_an_import_failing_half_way_writes_nothing(db_session, fixture_course_dir, monkeypatch):
    def broken_index(session, lessons):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "index_lessons", broken_index)
    with pytest.raises(RuntimeError):
        service.import_package(db_session, None, fixture_course_dir, NOW)
    db_session.rollback()
    assert _counts(db_session) == (0, 0, 0, 0)


def test_enrolment_in_an_assigned_course_needs_an_assignment(
    db_session, imported_course, create_user, create_org, add_member
):
    from course.orgs.models import Assignment, Cohort, CohortMember

    course = imported_course.course
    course.enrolment = "assigned"
    outsider, member = create_user(), create_user()
    with pytest.raises(progress.EnrolmentRefused):
        progress.enrol(db_session, outsider, course, NOW)
    org = create_org()
    cohort = Cohort(organisation_id=org.id, name="Front desk")
    db_session.add(cohort)
    db_session.flush()
    db_session.add(CohortMember(cohort_id=cohort.id, user_id=member.id))
    due = NOW + timedelta(days=14)
    db_session.add(Assignment(cohort_id=cohort.id, course_slug=course.slug, due_at=due))
    db_session.flush()
    enrolment = progress.enrol(db_session, member, course, NOW)
    assert enrolment.source == "assignment" and enrolment.due_at == due


def test_flagship_course_checks_clean_and_round_trips(db_session, tmp_path):
    package, problems = service.check_folder(FLAGSHIP)
    assert [str(p) for p in problems] == []
    result = service.import_package(db_session, None, FLAGSHIP, NOW)
    assert result.ok and result.created
    exported = service.export_course(db_session, package.slug, tmp_path / "out")
    assert read_folder(exported).content_hash() == result.version.content_hash
    assert not service.import_package(db_session, None, exported, NOW).created
    shutil.rmtree(tmp_path / "out")
