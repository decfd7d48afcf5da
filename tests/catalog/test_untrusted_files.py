"""No uploaded or packaged file can run script in the platform's origin: media types by content,
SVG sanitised or refused, and one serving point with nosniff and a sandboxing policy."""

from __future__ import annotations

import io

import pytest

from course import media
from course.catalog.models import CourseFile
from course.catalog.service import import_package
from course.db import utcnow
from course.extensions import db
from course.web import UNTRUSTED_FILE_POLICY
from tests.catalog.conftest import NOW
from tests.samples import GIF, PNG, SCRIPT, SVG_WITH_SCRIPT

ASSETS = "/courses/teamwork-basics/assets/"


@pytest.mark.parametrize(
    "data,expected",
    [
        (PNG, "image/png"),
        (GIF, "image/gif"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
        (SVG_WITH_SCRIPT, media.SVG),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', media.SVG),
        (SCRIPT, "text/plain"),
        (b"<html><script>alert(1)</script></html>", "text/html"),
    ],
)
def test_media_types_are_judged_by_content(data, expected):
    assert media.sniff(data) == expected


def test_a_name_cannot_claim_another_type():
    with pytest.raises(media.MediaError):
        media.check("logo.png", SCRIPT, media.IMAGE_TYPES)
    with pytest.raises(media.MediaError):
        media.check("logo.svg", PNG, media.IMAGE_TYPES)
    assert media.check("logo.png", PNG, media.IMAGE_TYPES) == "image/png"


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/a.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#a"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text>'
        b"</a></svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(//e.example/x.css)</style>'
        b"</svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://e.example/x)"/>'
        b"</svg>",
    ],
)
def test_unsafe_svg_is_flagged_and_sanitising_leaves_nothing_unsafe(svg):
    assert media.svg_problems(svg)
    try:
        cleaned = media.sanitise_svg(svg)
    except media.MediaError:
        return  # refused outright is fine too
    assert media.svg_problems(cleaned) == []
    assert b"script" not in cleaned and b"onclick" not in cleaned and b"evil" not in cleaned


def test_clean_svg_keeps_its_drawing_and_fragment_references():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><defs><rect id="r" width="5" height="5"/>'
        b'</defs><use href="#r"/><rect style="fill:url(#g)"/></svg>'
    )
    assert media.svg_problems(svg) == []
    cleaned = media.sanitise_svg(svg)
    assert b'href="#r"' in cleaned and b"<rect" in cleaned


def test_a_package_with_a_script_or_an_unsafe_svg_is_refused(db_session, fixture_course_dir):
    assets = fixture_course_dir / "assets"
    (assets / "x.js").write_bytes(SCRIPT)
    (assets / "logo.svg").write_bytes(SVG_WITH_SCRIPT)
    (assets / "photo.png").write_bytes(SCRIPT)
    result = import_package(db_session, None, fixture_course_dir, NOW)
    assert not result.ok
    found = {(p.file.rsplit("/", 1)[-1], p.message) for p in result.problems}
    assert ("x.js", "files of type text/plain are not accepted here") in found
    assert ("photo.png", "files of type text/plain are not accepted here") in found
    assert any(name == "logo.svg" and "<script>" in message for name, message in found)


def test_packaged_files_are_served_sandboxed(client, imported_course, db_session):
    version = imported_course.version
    # Files stored before these checks existed are served safely all the same.
    for path, data in (("assets/x.js", SCRIPT), ("assets/h.pdf", b"%PDF-1.4\n%%EOF\n")):
        db_session.add(
            CourseFile(
                version_id=version.id, area="content", path=path, data=data, sha256=path[-8:]
            )
        )
    db_session.commit()
    image = client.get(ASSETS + "diagram.svg")
    script = client.get(ASSETS + "x.js")
    handout = client.get(ASSETS + "h.pdf")
    for response in (image, script, handout):
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == UNTRUSTED_FILE_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert image.mimetype == "image/svg+xml" and "Content-Disposition" not in image.headers
    assert script.mimetype == "application/octet-stream"
    assert script.headers["Content-Disposition"].startswith("attachment")
    assert handout.mimetype == "application/pdf"
    assert handout.headers["Content-Disposition"] == "attachment; filename=h.pdf"


def test_branding_is_judged_by_content_sanitised_and_served_sandboxed(
    client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)

    def upload(data, name):
        return client.post(
            f"/orgs/{org.slug}/settings",
            data={"name_zh": "名", "name_en": "Name", "logo": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    refused = upload(SCRIPT, "logo.png")
    assert refused.status_code == 200 and "not accepted here" in refused.get_data(as_text=True)
    db.session.refresh(org)
    assert org.logo_key is None
    assert upload(SVG_WITH_SCRIPT, "logo.svg").status_code == 302
    db.session.refresh(org)
    assert org.logo_key.endswith(".svg")
    served = client.get(f"/orgs/{org.slug}/branding/logo")
    assert served.mimetype == "image/svg+xml"
    assert served.headers["Content-Security-Policy"] == UNTRUSTED_FILE_POLICY
    assert b"<rect" in served.data and b"script" not in served.data and b"onload" not in served.data


def test_draft_assets_are_served_sandboxed(make_app, create_user):
    from course.authoring import service

    app = make_app()
    with app.app_context():
        author = create_user()
        draft = service.create_course(
            db.session, author, "sandboxed", {"zh-CN": "课", "en": "Course"}, utcnow()
        )
        service.upload_asset(db.session, author, draft, "a.png", PNG, utcnow(), 10_000)
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": author.email, "password": "correct-horse-battery"})
        response = client.get("/author/sandboxed/draft/assets/a.png")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.headers["Content-Security-Policy"] == UNTRUSTED_FILE_POLICY
