"""The file store's one contract, on both backends: a folder and an S3-compatible server (moto)."""

from __future__ import annotations

import hashlib
import urllib.request

import boto3
import pytest

from course import storage
from course.storage import FileStore, StorageKeyError, StoreConfigError, store_from_url
from course.storage_s3 import PART_SIZE, S3Store


@pytest.fixture(params=["file", "s3"])
def store(request, tmp_path):
    if request.param == "file":
        return FileStore(tmp_path / "files")
    bucket = request.getfixturevalue("s3_env")
    return store_from_url(f"s3://{bucket}/course/files", tmp_path)


def test_round_trip_and_missing_keys(store):
    assert not store.exists("certificates/a.pdf")
    store.save("certificates/a.pdf", b"%PDF-1.7 one")
    assert store.exists("certificates/a.pdf")
    assert store.read("certificates/a.pdf") == b"%PDF-1.7 one"
    assert store.size("certificates/a.pdf") == 12
    with store.open("certificates/a.pdf") as handle:
        assert handle.read() == b"%PDF-1.7 one"
    store.save("certificates/a.pdf", b"replaced")
    assert store.read("certificates/a.pdf") == b"replaced"
    store.delete("certificates/a.pdf")
    assert not store.exists("certificates/a.pdf")
    for verb in (store.read, store.open, store.size):
        with pytest.raises(FileNotFoundError):
            verb("certificates/a.pdf")
    store.delete("certificates/a.pdf")  # deleting twice is harmless


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../secret", "a/../../b", "a\\b", "a\x00b"])
def test_keys_that_leave_the_store_are_refused(store, key):
    with pytest.raises(StorageKeyError):
        store.save(key, b"x")


def test_keys_lists_a_folder(store):
    for key in ("outbox/2.eml", "outbox/1.eml", "outbox/sub/3.eml", "logos/x.png"):
        store.save(key, b"x")
    expected = ["outbox/1.eml", "outbox/2.eml", "outbox/sub/3.eml"]
    assert list(store.keys("outbox/")) == expected
    assert list(store.keys("nothing/")) == []
    assert list(store.keys()) == ["logos/x.png", *expected]


def test_writer_publishes_only_a_finished_file(store):
    with store.writer("zips/a.zip") as out:
        out.write(b"part one, ")
        assert not store.exists("zips/a.zip")
        out.write(b"part two")
    assert store.read("zips/a.zip") == b"part one, part two"
    with pytest.raises(RuntimeError), store.writer("zips/b.zip") as out:
        out.write(b"half")
        raise RuntimeError("the job failed")
    assert not store.exists("zips/b.zip")


def test_s3_keys_live_under_the_prefix(s3_env, tmp_path):
    store = store_from_url(f"s3://{s3_env}/province/files", tmp_path)
    store.save("logos/org.png", b"png")
    client = boto3.session.Session().client("s3")
    listed = client.list_objects_v2(Bucket=s3_env)["Contents"]
    assert [item["Key"] for item in listed] == ["province/files/logos/org.png"]
    bare = store_from_url(f"s3://{s3_env}", tmp_path)
    assert bare.read("province/files/logos/org.png") == b"png"
    assert store.describe().startswith(f"s3://{s3_env}/province/files")


def test_s3_writer_streams_a_multipart_upload(s3_env, tmp_path):
    store = store_from_url(f"s3://{s3_env}/p", tmp_path)
    chunk = bytes(range(256)) * 4096  # 1 MiB
    total = 2 * PART_SIZE + 3 * len(chunk)
    digest = hashlib.sha256()
    with store.writer("bulk/cohort.zip") as out:
        for _ in range(total // len(chunk)):
            out.write(chunk)
            digest.update(chunk)
            assert len(out.buffer) < PART_SIZE  # full parts leave memory as they fill
        assert len(out.parts) == 2
    client = boto3.session.Session().client("s3")
    head = client.head_object(Bucket=s3_env, Key="p/bulk/cohort.zip")
    assert head["ETag"].strip('"').endswith("-3")  # three parts
    assert store.size("bulk/cohort.zip") == total
    assert hashlib.sha256(store.read("bulk/cohort.zip")).digest() == digest.digest()


def test_s3_writer_aborts_the_upload_on_error(s3_env, tmp_path):
    store = store_from_url(f"s3://{s3_env}/p", tmp_path)
    with pytest.raises(ValueError), store.writer("bulk/broken.zip") as out:
        out.write(b"\0" * (PART_SIZE + 1))
        raise ValueError("render failed")
    client = boto3.session.Session().client("s3")
    assert not store.exists("bulk/broken.zip")
    assert client.list_multipart_uploads(Bucket=s3_env).get("Uploads", []) == []


def test_store_urls():
    with pytest.raises(StoreConfigError):
        store_from_url("s3:///prefix-without-bucket", "/tmp")
    with pytest.raises(StoreConfigError):
        store_from_url("ftp://host/files", "/tmp")
    assert isinstance(store_from_url("file:///srv/course%20files", "/tmp"), FileStore)
    assert store_from_url("file:///srv/course%20files", "/tmp").root.as_posix() == (
        "/srv/course files"
    )


def test_downloads_redirect_to_a_short_lived_signed_url(make_app, s3_env):
    app = make_app(FILES_URL=f"s3://{s3_env}/files", FILES_PRESIGN_SECONDS=120)
    with app.test_request_context():
        assert isinstance(storage.current(), S3Store)
        storage.save("certificates/证书.pdf", b"%PDF-1.7 bytes")
        response = storage.send(
            "certificates/证书.pdf", download_name="证书.pdf", as_attachment=True,
            mimetype="application/pdf",
        )  # fmt: skip
        assert response.status_code == 302
        url = response.headers["Location"]
        assert "X-Amz-Expires=120" in url
        with urllib.request.urlopen(url) as fetched:
            assert fetched.read() == b"%PDF-1.7 bytes"
            assert "attachment" in fetched.headers["Content-Disposition"]
            assert fetched.headers["Content-Type"] == "application/pdf"
        inline = storage.send("certificates/证书.pdf", mimetype="application/pdf")
        inline.direct_passthrough = False
        assert inline.status_code == 200
        assert inline.get_data() == b"%PDF-1.7 bytes"


def test_downloads_stream_through_the_app_when_presigning_is_off(make_app, s3_env):
    app = make_app(FILES_URL=f"s3://{s3_env}/files", FILES_PRESIGN_SECONDS=0)
    with app.test_request_context():
        storage.save("exports/a.csv", b"a,b\n")
        response = storage.send("exports/a.csv", as_attachment=True, mimetype="text/csv")
        response.direct_passthrough = False
        assert response.status_code == 200
        assert response.get_data() == b"a,b\n"
