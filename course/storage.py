"""Files the platform produces or receives (PDFs, uploads, exports), addressed by key.

Keys are relative POSIX paths such as ``certificates/2026/abc.pdf``. The default store is the
``files/`` folder of the instance; the same four functions can front object storage later.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from flask import current_app


class StorageKeyError(ValueError):
    """A key that is absolute or climbs out of the store."""


def _root() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "files"


def path(key: str) -> Path:
    """The file behind ``key``; refuses keys that would leave the store."""
    parts = PurePosixPath(key).parts
    if not parts or PurePosixPath(key).is_absolute() or ".." in parts:
        raise StorageKeyError(key)
    return _root().joinpath(*parts)


def save(key: str, data: bytes) -> Path:
    """Write ``data`` under ``key`` atomically (write then rename)."""
    target = path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(target)
    return target


def read(key: str) -> bytes:
    return path(key).read_bytes()


def exists(key: str) -> bool:
    return path(key).is_file()


def delete(key: str) -> None:
    path(key).unlink(missing_ok=True)
