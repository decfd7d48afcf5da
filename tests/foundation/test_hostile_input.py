"""Hostile input gets a 4xx with a clear message and writes nothing, never a 500: deep JSON,
NUL bytes, CR/LF in ``next=``, zips whose directory lies; and a property-based sweep of every
form and JSON endpoint as every role (``test_fuzz.py``)."""

from __future__ import annotations

import io
import struct
import zipfile

from sqlalchemy import func, select

from course import safejson
from course.extensions import db
from course.web import safe_next_url
from tests.conftest import PASSWORD


def row_counts() -> dict[str, int]:
    """Rows per table: what "writes nothing" is checked against."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_json_nested_100000_deep_to_the_public_verifier(client):
    before = row_counts()
    deep = b"[" * 100_000 + b"]" * 100_000
    for body in (deep, b'{"jwt": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"):
        reply = client.post("/api/verify", data=body, content_type="application/json")
        assert reply.status_code == 400
        assert "nested more than" in reply.get_json()["error"]
    upload = client.post(
        "/api/verify",
        data={"file": (io.BytesIO(deep), "credential.json")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 400
    form = client.post(
        "/verify",
        data={"file": (io.BytesIO(deep), "credential.json")},
        content_type="multipart/form-data",
    )
    assert form.status_code == 400 and "nested more than" in form.get_data(as_text=True)
    assert row_counts() == before


def test_deep_json_inside_a_jwt_is_malformed_not_a_crash(client):
    import base64

    segment = base64.urlsafe_b64encode(b"[" * 50_000 + b"]" * 50_000).rstrip(b"=")
    header = base64.urlsafe_b64encode(b'{"alg":"EdDSA","kid":"x"}').rstrip(b"=")
    reply = client.post("/api/verify", data=header + b"." + segment + b".c2ln")
    assert reply.status_code == 422 and reply.get_json()["state"] == "invalid"


def test_the_json_reader_limits_depth_and_size():
    assert safejson.loads('{"a": "[[[[", "b": [[1]]}') == {"a": "[[[[", "b": [[1]]}
    for data, reason in (
        ("[" * 65 + "]" * 65, "depth"),
        (b"\xff[]", "encoding"),
        ("[" * 10, "syntax"),
        ("1" * 11, "size"),
    ):
        try:
            safejson.loads(data, max_bytes=10 if reason == "size" else safejson.MAX_BYTES)
        except safejson.JSONInputError as error:
            assert error.reason == reason
        else:
            raise AssertionError(reason)


def test_a_nul_byte_in_the_search_query(client):
    reply = client.get("/search?q=team%00work")
    assert reply.status_code == 400
    assert "control characters" in reply.get_data(as_text=True)
    assert client.get("/search?q=teamwork").status_code == 200


def test_cr_lf_in_next_is_refused_and_signs_nobody_in(client, create_user):
    user = create_user()
    before = row_counts()
    hostile = "/dashboard%0D%0ASet-Cookie:%20x=1"
    assert client.get(f"/login?next={hostile}").status_code == 400
    reply = client.post(f"/login?next={hostile}", data={"email": user.email, "password": PASSWORD})
    assert reply.status_code == 400 and "x=1" not in str(reply.headers)
    assert client.get("/account").status_code == 302
    assert row_counts() == before
    for target in ("/\\evil.example", "/\\/evil.example", "//evil.example", "/a\r\nb", "/a\tb"):
        assert safe_next_url(target) is None
    assert safe_next_url("/courses?page=2") == "/courses?page=2"


def test_nul_in_a_form_field_writes_nothing(client, login, create_user):
    user = create_user()
    login(user)
    before = row_counts()
    reply = client.post("/account", data={"display_name": "Wang\x00", "locale": "en"})
    assert reply.status_code == 400 and "control characters" in reply.get_data(as_text=True)
    assert row_counts() == before
    assert client.post("/account", data={"display_name": "Wang\r\nLi", "locale": "en"}).status_code
    assert (
        client.post("/account", data={"display_name": "Wang\x1b[31m", "locale": "en"}).status_code
        == 400
    )


def _lying_zip() -> bytes:
    """A valid package zip whose directory says course.yaml is 10 bytes long."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("content/lying/course.yaml", "slug: lying\n" + "x: 1\n" * 2000)
    data = bytearray(out.getvalue())
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 10)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    return bytes(data)


def test_a_zip_whose_directory_understates_a_size(client, login, create_user):
    from course.authoring.packagezip import PackageZipError, read_zip

    login(create_user(is_platform_admin=True))
    before = row_counts()
    for data in (_lying_zip(), b"PK\x03\x04" + b"\x00" * 40, b"not a zip"):
        reply = client.post(
            "/author/upload",
            data={"package": (io.BytesIO(data), "package.zip")},
            content_type="multipart/form-data",
        )
        assert reply.status_code == 400
        assert "The package was not imported" in reply.get_data(as_text=True)
    assert row_counts() == before
    try:
        read_zip(_lying_zip())
    except PackageZipError as error:
        assert "course.yaml" in str(error)
    else:
        raise AssertionError("a lying zip was read")
