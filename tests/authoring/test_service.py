"""Drafts, saving with revisions, publishing through the catalog's import."""

from datetime import timedelta

import pytest

from course.authoring import service
from course.authoring.files import AssetError
from course.catalog.service import current_version
from course.memo import Memo
from tests.authoring.conftest import LESSON, NOW, SLUG
from tests.samples import GIF, PNG, SCRIPT, SVG_WITH_SCRIPT


def test_a_new_course_starts_as_a_checkable_draft_and_publishes(db_session, create_user):
    author = create_user()
    draft = service.create_course(
        db_session, author, "front-desk", {"zh-CN": "前台接待", "en": "Front desk"}, NOW
    )
    course = draft and service.get_draft(
        db_session, draft_course := _course(db_session, "front-desk")
    )
    assert course is draft and not draft_course.is_published
    assert service.is_instructor(db_session, author.id, draft_course.id)
    assert service.check_draft(db_session, draft, "front-desk") == []
    result = service.publish(db_session, author, draft_course, draft, NOW)
    assert result.problems == [] and result.created and result.version.number == 1
    assert draft_course.is_published and draft_course.title["en"] == "Front desk"
    assert service.get_draft(db_session, draft_course) is None


def _course(session, slug):
    from course.catalog.service import get_course

    return get_course(session, slug)


def test_a_taken_or_bad_slug_is_refused(db_session, create_user, course):
    author = create_user()
    with pytest.raises(service.AuthoringError):
        service.create_course(db_session, author, SLUG, {"zh-CN": "x", "en": "x"}, NOW)
    with pytest.raises(service.AuthoringError):
        service.create_course(db_session, author, "Bad Slug", {"zh-CN": "x", "en": "x"}, NOW)


def test_a_draft_copies_the_current_version_byte_for_byte(db_session, course, instructor):
    draft = service.start_draft(db_session, instructor, course, NOW)
    version = current_version(db_session, course)
    assert draft.base_version_id == version.id
    assert service.draft_files_data(db_session, draft) == service.version_files(
        db_session, course, 1
    )
    assert service.start_draft(db_session, instructor, course, NOW) is draft


def test_a_stale_save_is_refused_and_keeps_the_other_text(
    db_session, course, instructor, create_user
):
    other = create_user(display_name="Other")
    draft = service.start_draft(db_session, instructor, course, NOW)
    loaded = service.get_file(db_session, draft, "content", LESSON).revision
    service.save_file(db_session, other, draft, "content", LESSON, "their text\n", loaded, NOW)
    with pytest.raises(service.EditConflict) as clash:
        service.save_file(db_session, instructor, draft, "content", LESSON, "mine\n", loaded, NOW)
    assert clash.value.text == "their text\n"
    assert clash.value.file.revision == loaded + 1 and clash.value.file.updated_by_id == other.id
    saved = service.get_file(db_session, draft, "content", LESSON)
    assert saved.data == b"their text\n"
    # Saving again on top of the revision they saw is a deliberate overwrite.
    later = NOW + timedelta(minutes=1)
    service.save_file(
        db_session, instructor, draft, "content", LESSON, "mine\n", saved.revision, later
    )
    assert service.get_file(db_session, draft, "content", LESSON).data == b"mine\n"


def test_saving_unchanged_text_keeps_the_revision(db_session, course, instructor):
    draft = service.start_draft(db_session, instructor, course, NOW)
    row = service.get_file(db_session, draft, "content", LESSON)
    same = row.data.decode()
    assert (
        service.save_file(db_session, instructor, draft, "content", LESSON, same, 1, NOW).revision
        == 1
    )


def test_publishing_a_broken_draft_writes_nothing(db_session, course, instructor):
    draft = service.start_draft(db_session, instructor, course, NOW)
    service.save_file(db_session, instructor, draft, "content", LESSON, "no front matter\n", 1, NOW)
    result = service.publish(db_session, instructor, course, draft, NOW)
    assert result.version is None
    assert [str(p) for p in result.problems] == [
        f"content/{SLUG}/{LESSON}:1: a lesson starts with YAML front matter between --- lines"
    ]
    assert course.current_number == 1 and service.get_draft(db_session, course) is draft


def test_the_slug_cannot_change_in_a_draft(db_session, course, instructor):
    draft = service.start_draft(db_session, instructor, course, NOW)
    row = service.get_file(db_session, draft, "content", "course.yaml")
    text = row.data.decode().replace(f"slug: {SLUG}", "slug: another-course")
    service.save_file(db_session, instructor, draft, "content", "course.yaml", text, 1, NOW)
    [problem] = service.check_draft(db_session, draft, SLUG)
    assert problem.file == f"content/{SLUG}/course.yaml" and "another-course" in problem.message
    assert service.publish(db_session, instructor, course, draft, NOW).version is None


def test_images_are_checked_before_they_join_the_assets(db_session, course, instructor):
    draft = service.start_draft(db_session, instructor, course, NOW)
    row = service.upload_asset(db_session, instructor, draft, "map.png", PNG, NOW, 1024)
    assert row.path == "assets/map.png" and row.size == len(PNG)
    for name, data, limit in [
        ("map.png", GIF, 1024),  # content does not match the name
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, 1024),  # magic bytes, no image
        ("run.exe", PNG, 1024),
        ("x.png", SCRIPT, 1024),
        ("big.png", PNG, 10),
        ("bad name!.png", PNG, 1024),
        (
            "entities.svg",
            b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>',
            1024,
        ),
    ]:
        with pytest.raises(AssetError):
            service.upload_asset(db_session, instructor, draft, name, data, NOW, limit)


def test_an_uploaded_svg_is_kept_only_as_sanitised(db_session, course, instructor):
    draft = service.start_draft(db_session, instructor, course, NOW)
    row = service.upload_asset(db_session, instructor, draft, "x.svg", SVG_WITH_SCRIPT, NOW, 4096)
    kept = row.data.decode()
    assert "<rect" in kept and "script" not in kept and "onload" not in kept


def test_compare_shows_the_draft_changes(db_session, course, instructor):
    draft = service.start_draft(db_session, instructor, course, NOW)
    row = service.get_file(db_session, draft, "content", LESSON)
    text = row.data.decode().replace(
        "Collaboration needs trust.", "Collaboration needs trust and time."
    )
    service.save_file(db_session, instructor, draft, "content", LESSON, text, 1, NOW)
    [change] = service.compare(db_session, course, 1, None)
    assert change.path == LESSON and (change.added, change.removed) == (1, 1)
    assert any("trust and time" in line.text for line in change.lines if line.kind == "add")


def test_checking_an_unchanged_draft_reuses_the_result(db_session, course, instructor, monkeypatch):
    draft = service.start_draft(db_session, instructor, course, NOW)
    calls = []
    real = service.parse_package

    def counting(source):
        calls.append(1)
        return real(source)

    monkeypatch.setattr(service, "parse_package", counting)
    monkeypatch.setattr(service, "_checks", Memo(32))  # not other tests' results
    service.check_draft(db_session, draft, SLUG)
    service.check_draft(db_session, draft, SLUG)
    # the problems of a draft's files are computed once, and again only when a file changes
    service.save_file(db_session, instructor, draft, "content", LESSON, "no front matter\n", 1, NOW)
    problems = service.check_draft(db_session, draft, SLUG)
    assert len(calls) == 2 and problems
