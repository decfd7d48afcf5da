"""Files the platform produces or receives (PDFs, uploads, exports), addressed by key.

Keys are relative POSIX paths such as ``certificates/2026/abc.pdf``. Every file goes through
this module; no caller opens a local path. The store behind it is chosen by
``COURSE_FILES_URL``: ``file:///path`` (default the instance's ``files/`` folder) or
``s3://bucket/prefix`` on any S3-compatible service (:mod:`course.storage_s3`).

The interface every caller uses:

- ``save(key, data)``, ``read(key)``, ``exists(key)``, ``delete(key)``, ``size(key)``;
- ``keys(prefix)``: the keys under a folder-like prefix, sorted;
- ``open(key)``: a binary file object to stream from;
- ``writer(key)``: a context manager giving a binary file object to stream into; the object
  appears under ``key`` only when the block ends without an error;
- ``send(key, download_name=..., mimetype=..., as_attachment=...)``: a Flask response that
  streams the file (or redirects to a short-lived URL where the store offers one).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Protocol
from urllib.parse import unquote, urlparse

from flask import Response, current_app, redirect, send_file


class StorageKeyError(ValueError):
    """A key that is absolute, empty or climbs out of the store."""


class StoreConfigError(ValueError):
    """A ``COURSE_FILES_URL`` this platform cannot use."""


def check_key(key: str) -> PurePosixPath:
    """The key as a path; refuses keys that would leave the store."""
    pure = PurePosixPath(key)
    if not key or pure.is_absolute() or ".." in pure.parts or "\\" in key or "\x00" in key:
        raise StorageKeyError(key)
    return pure


class Store(Protocol):
    """What a backend provides. Missing keys raise ``FileNotFoundError``."""

    def save(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def size(self, key: str) -> int: ...

    def open(self, key: str) -> IO[bytes]: ...

    def writer(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...

    def presigned_url(self, key: str, download_name: str, mimetype: str | None) -> str | None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def describe(self) -> str: ...


class FileStore:
    """Files under one folder, written atomically (a temporary file renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).parts)

    def save(self, key: str, data: bytes) -> None:
        with self.writer(key) as out:
            out.write(data)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def open(self, key: str) -> IO[bytes]:
        return self._path(key).open("rb")

    @contextlib.contextmanager
    def writer(self, key: str) -> Iterator[IO[bytes]]:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                yield out
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def presigned_url(self, key: str, download_name: str, mimetype: str | None) -> str | None:
        return None

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix`` (a folder-like prefix such as ``outbox/``), sorted."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def describe(self) -> str:
        return f"file://{self.root}"

    def remove_all(self) -> None:
        """Empty the store (tests and restore only)."""
        shutil.rmtree(self.root, ignore_errors=True)


def store_from_url(url: str, instance_path: Path, presign_seconds: int = 300) -> Store:
    """The store named by ``COURSE_FILES_URL``; empty means the instance's ``files/`` folder.
    ``presign_seconds`` is how long a download link signed by an object store lives (0: the
    application streams every download itself)."""
    if not url:
        return FileStore(Path(instance_path) / "files")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileStore(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise StoreConfigError("COURSE_FILES_URL=s3://BUCKET/PREFIX needs a bucket name")
        from course.storage_s3 import S3Store  # boto3 loads only when an object store is used

        return S3Store(parsed.netloc, unquote(parsed.path), presign_seconds=presign_seconds)
    raise StoreConfigError(f"unsupported COURSE_FILES_URL scheme: {parsed.scheme or url!r}")


def current() -> Store:
    """The application's store (built once per application)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("course.store")
    if store is None:
        store = store_from_url(
            app.config.get("FILES_URL", ""),
            Path(app.config["INSTANCE_PATH"]),
            int(app.config.get("FILES_PRESIGN_SECONDS", 300)),
        )
        app.extensions["course.store"] = store
    return store


def save(key: str, data: bytes) -> None:
    current().save(key, data)


def read(key: str) -> bytes:
    return current().read(key)


def exists(key: str) -> bool:
    return current().exists(key)


def delete(key: str) -> None:
    current().delete(key)


def size(key: str) -> int:
    return current().size(key)


def open(key: str) -> IO[bytes]:  # noqa: A001 - the store's verb
    return current().open(key)


def keys(prefix: str = "") -> Iterator[str]:
    return current().keys(prefix)


def writer(key: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    return current().writer(key)


def send(
    key: str,
    *,
    download_name: str | None = None,
    mimetype: str | None = None,
    as_attachment: bool = False,
) -> Response:
    """A response with the file's bytes, streamed from the store (or a redirect to a
    short-lived URL the store signs, when it offers one and a download is asked for)."""
    store = current()
    name = download_name or PurePosixPath(key).name
    if as_attachment:
        url = store.presigned_url(key, name, mimetype)
        if url:
            return redirect(url, code=302)
    return send_file(
        store.open(key),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=name,
        max_age=0,
    )
