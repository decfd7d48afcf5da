"""The editor over HTTP: access, inline problems, conflicts, preview, publish equals import."""

import io

from course.authoring import service
from course.authoring.packagezip import read_zip
from course.catalog.models import CourseLesson, CourseVersion
from course.catalog.service import get_course, import_package
from course.extensions import db
from tests.authoring.conftest import LESSON, NOW, SLUG

EDIT = f"/author/{SLUG}/edit/content/{LESSON}"


def _start(client, login, instructor):
    login(instructor)
    assert client.post(f"/author/{SLUG}/draft").status_code == 302


def _edited(text: str) -> str:
    return text.replace("Collaboration needs trust.", "Collaboration needs trust, built daily.")


def test_only_the_course_instructors_see_its_draft(
    client, login, course, instructor, create_user, create_org, add_member
):
    outsider = create_user()
    add_member(outsider, create_org(), "instructor")
    login(outsider)
    assert client.get(f"/author/{SLUG}").status_code == 403
    assert client.post(f"/author/{SLUG}/draft").status_code == 403
    assert client.get(f"/author/{SLUG}/versions/1.zip").status_code == 403
    client.post("/logout")
    login(instructor)
    page = client.get(f"/author/{SLUG}").get_data(as_text=True)
    assert "Start a draft" in page or "开始" in page


def test_publishing_in_the_browser_equals_importing_the_same_files(
    client, login, course, instructor, course_dir, make_app
):
    _start(client, login, instructor)
    text = client.get(EDIT).get_data(as_text=True)
    assert "What is teamwork" in text
    original = (course_dir / LESSON).read_text()
    response = client.post(EDIT, data={"text": _edited(original), "revision": 1, "action": "save"})
    assert response.status_code == 302
    assert client.post(f"/author/{SLUG}/publish").status_code == 302
    published = db.session.scalars(db.select(CourseVersion).where(CourseVersion.number == 2)).one()
    web = _snapshot(db.session, published)
    assert "trust, built daily" in web["lessons"][("what-is-teamwork", "en")]

    # The same edit made on disk and imported by the command line's service, in a fresh database.
    (course_dir / LESSON).write_text(_edited(original))
    other = make_app()
    with other.app_context():
        result = import_package(db.session, None, course_dir, NOW)
        assert result.ok
        assert _snapshot(db.session, result.version) == web


def _snapshot(session, version):
    lessons = session.scalars(db.select(CourseLesson).where(CourseLesson.version_id == version.id))
    return {
        "hash": version.content_hash,
        "manifest": version.manifest,
        "quizzes": version.quizzes,
        "cases": version.cases,
        "lessons": {(row.slug, row.locale): row.html for row in lessons},
    }


def test_problems_show_inline_with_their_line(client, login, course, instructor):
    _start(client, login, instructor)
    bad = "---\ntitle: What is teamwork\nminutes: five\nobjectives: [b-o1]\n---\n\nBody\n"
    client.post(EDIT, data={"text": bad, "revision": 1, "action": "save"})
    page = client.get(EDIT).get_data(as_text=True)
    assert 'data-line="3"' in page and "minutes: five" in page
    response = client.post(f"/author/{SLUG}/publish")
    assert response.status_code == 200 and f"content/{SLUG}/{LESSON}:3" in response.get_data(True)
    assert get_course(db.session, SLUG).current_number == 1


def test_a_stale_save_warns_and_does_not_overwrite(
    client, login, course, instructor, create_user, db_session
):
    _start(client, login, instructor)
    other = create_user(display_name="Zhang Wei")
    draft = service.get_draft(db_session, course)
    service.save_file(db_session, other, draft, "content", LESSON, "---\ntheirs\n", 1, NOW)
    db_session.commit()
    response = client.post(EDIT, data={"text": "mine", "revision": 1, "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Zhang Wei" in page and "theirs" in page
    assert 'name="revision" value="2"' in page
    assert service.get_file(db_session, draft, "content", LESSON).data == b"---\ntheirs\n"


def test_preview_is_rendered_and_sanitised(client, login, course, instructor):
    _start(client, login, instructor)
    text = (
        "---\ntitle: x\n---\n\n## 标题\n\n<script>alert(1)</script>\n\n"
        "![d](../assets/diagram.svg)\n"
    )
    data = client.post(f"/author/{SLUG}/preview", data={"path": LESSON, "text": text}).get_json()
    assert "<h2" in data["html"] and "标题" in data["html"]
    assert "<script>" not in data["html"] and "&lt;script&gt;" in data["html"]
    assert f"/author/{SLUG}/draft/assets/diagram.svg" in data["html"]
    assert client.get(f"/author/{SLUG}/draft/assets/diagram.svg").status_code == 200
    page = client.post(EDIT, data={"text": text, "revision": 1, "action": "preview"})
    assert "标题" in page.get_data(as_text=True)


def test_export_then_upload_is_refused_for_a_course_the_uploader_does_not_author(
    client, login, course, instructor, create_user, create_org, add_member
):
    login(instructor)
    exported = client.get(f"/author/{SLUG}/versions/1.zip")
    assert exported.mimetype == "application/zip"
    source = read_zip(exported.data)
    assert source.content["course.yaml"].startswith(b"slug: teamwork-basics")

    author = create_user()
    add_member(author, create_org(), "instructor")
    client.post("/logout")
    login(author)
    # An existing course the uploader does not author is refused.
    response = client.post(
        "/author/upload",
        data={"package": (io.BytesIO(exported.data), "p.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "not its instructor" in client.get("/author/").get_data(as_text=True)
    assert get_course(db.session, SLUG).current_number == 1


def test_upload_of_a_broken_zip_changes_nothing(client, login, create_user, create_org, add_member):
    author = create_user()
    add_member(author, create_org(), "instructor")
    login(author)
    response = client.post(
        "/author/upload",
        data={"package": (io.BytesIO(b"not a zip"), "p.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "not a zip archive" in response.get_data(as_text=True)


def test_new_course_in_the_browser(client, login, create_user, create_org, add_member):
    author = create_user()
    add_member(author, create_org(), "instructor")
    login(author)
    response = client.post(
        "/author/new",
        data={"slug": "hotel-desk", "title-zh-CN": "酒店前台", "title-en": "Hotel desk"},
    )
    assert response.headers["Location"].endswith("/author/hotel-desk")
    assert client.post("/author/hotel-desk/publish").status_code == 302
    assert get_course(db.session, "hotel-desk").current_number == 1


def _zip_of(files: dict, slug: str = SLUG) -> bytes:
    from course.authoring.packagezip import write_zip

    return write_zip([(area, path, data) for (area, path), data in files.items()], slug)


def test_a_zip_uploaded_into_the_draft_replaces_its_files_without_publishing(
    client, login, course, instructor, db_session
):
    _start(client, login, instructor)
    files = service.version_files(db_session, course, 1)
    old = files[("content", LESSON)]
    files[("content", LESSON)] = _edited(old.decode()).encode()
    del files[("content", "assets/diagram.svg")]
    files[("content", "assets/logo.png")] = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    response = client.post(
        f"/author/{SLUG}/draft/upload",
        data={"package": (io.BytesIO(_zip_of(files)), "draft.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "1 added, 1 changed, 1 removed" in response.get_data(as_text=True)
    draft = service.get_draft(db_session, course)
    assert service.draft_files_data(db_session, draft) == files
    assert service.get_file(db_session, draft, "content", LESSON).revision == 2
    assert get_course(db_session, SLUG).current_number == 1
    # An editor still open on the old lesson text is warned, not allowed to overwrite.
    stale = client.post(EDIT, data={"text": "mine", "revision": 1, "action": "save"})
    assert stale.status_code == 200 and "built daily" in stale.get_data(as_text=True)


def test_a_zip_of_another_course_or_with_an_unsafe_image_leaves_the_draft_alone(
    client, login, course, instructor, db_session
):
    _start(client, login, instructor)
    draft = service.get_draft(db_session, course)
    before = service.draft_files_data(db_session, draft)
    files = dict(before)
    other = _zip_of(files, "another-course")
    files[("content", "assets/evil.svg")] = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
    )
    for data, reason in ((other, "another course"), (_zip_of(files), "may not contain")):
        response = client.post(
            f"/author/{SLUG}/draft/upload",
            data={"package": (io.BytesIO(data), "draft.zip")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert reason in response.get_data(as_text=True)
    db_session.expire_all()
    assert service.draft_files_data(db_session, draft) == before


def test_quality_warnings_show_beside_the_problems_and_do_not_stop_publishing(
    client, login, course, instructor
):
    _start(client, login, instructor)
    english = client.get(f"/author/{SLUG}/check?lang=en").get_data(as_text=True)
    assert "assessment-quality warnings" in english and "objective-coverage" in english
    assert f"content/{SLUG}/01-basics/module.yaml:4" in english
    assert "objective b-o1 is assessed by 1 question(s)" in english
    chinese = client.get(f"/author/{SLUG}/check?lang=zh-CN").get_data(as_text=True)
    assert "目标 b-o1 只有 1 道题考查" in chinese
    module = client.get(f"/author/{SLUG}/edit/content/01-basics/module.yaml?lang=en")
    assert 'data-line="4"' in module.get_data(as_text=True)
    assert "objective-coverage" in module.get_data(as_text=True)
    response = client.post(f"/author/{SLUG}/publish?lang=en", follow_redirects=True)
    assert response.status_code == 200
    assert "Published with 4 unwaived assessment-quality warnings." in response.get_data(True)
