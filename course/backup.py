"""``course backup DEST`` and ``course restore SRC``: a consistent snapshot of one installation.

A backup is a folder:

- ``database.sqlite3`` (SQLite's online backup API: consistent while the platform runs) or
  ``database.pgdump`` (``pg_dump --format=custom``, one snapshot transaction);
- ``files/``: every object in the file store (certificates, uploads, exports, outbox);
- ``secret_key``: the generated key from the instance folder, when the key comes from there;
- ``manifest.json``: versions, the database's migration revision, and the size and SHA-256 of
  every file above.

It is written into a hidden folder beside ``DEST`` and renamed into place at the end, so a
failure (a wrong path, a full disk, a database that does not answer) leaves nothing behind.
``restore`` checks every checksum before it touches anything and refuses a non-empty instance
unless ``--force`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from course.storage import Store


FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; nothing was changed."""


@dataclass
class Outcome:
    folder: Path
    files: int
    warnings: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _entry(folder: Path, name: str) -> dict:
    path = folder / name
    return {"path": name, "size": path.stat().st_size, "sha256": _sha256(path)}


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` as the plain URL pg_dump and pg_restore understand."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _dump_database(engine: Engine, url: str, target: Path) -> str:
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        destination = sqlite3.connect(target / "database.sqlite3")
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return "database.sqlite3"
    if engine.dialect.name == "postgresql":
        command = [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target / "database.pgdump"),
            _libpq_url(url),
        ]
        _run(command, "pg_dump")
        return "database.pgdump"
    raise BackupError(f"no backup method for the {engine.dialect.name} database")


def _run(command: list[str], name: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()[:500]}")


def _copy_store(store: Store, target: Path) -> list[dict]:
    entries = []
    for key in store.keys():  # noqa: SIM118 - a store, not a dict
        destination = target / "files" / Path(*PurePosixPath(key).parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with store.open(key) as source, destination.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        entries.append(
            {"key": key, "size": destination.stat().st_size, "sha256": digest.hexdigest()}
        )
    return entries


def backup(
    destination: Path,
    *,
    engine: Engine,
    url: str,
    store: Store,
    instance: Path,
    secret_from_env: bool,
) -> Outcome:
    """Write a backup folder at ``destination`` (which must not exist yet)."""
    destination = Path(destination).absolute()
    if destination.exists():
        raise BackupError(f"{destination} already exists; name a new folder")
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} is not a folder")
    partial = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    warnings: list[str] = []
    try:
        database_file = _dump_database(engine, url, partial)
        files = _copy_store(store, partial)
        secret_file = Path(instance) / "secret_key"
        if not secret_from_env and secret_file.is_file():
            shutil.copyfile(secret_file, partial / "secret_key")
            os.chmod(partial / "secret_key", 0o600)
        else:
            warnings.append(
                "COURSE_SECRET_KEY comes from the environment and is not in this backup: keep "
                "it with the backup elsewhere; without it the organisations' signing keys and "
                "every signed link cannot be opened."
            )
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "course_version": metadata.version("course"),
            "python": platform.python_version(),
            "database": {
                "dialect": engine.dialect.name,
                "revision": _revision(engine),
                **_entry(partial, database_file),
            },
            "files": files,
            "secret_key": _entry(partial, "secret_key")
            if (partial / "secret_key").exists()
            else None,
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        os.chmod(partial, 0o700)
        partial.rename(destination)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Outcome(destination, len(files), warnings)


def read_manifest(source: Path) -> dict:
    """The manifest, after checking every file it lists against its size and checksum."""
    source = Path(source)
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a backup folder (manifest.json: {exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    listed = [manifest["database"]] + ([manifest["secret_key"]] if manifest["secret_key"] else [])
    listed += [{**entry, "path": f"files/{entry['key']}"} for entry in manifest["files"]]
    for entry in listed:
        path = source / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["size"]:
            raise BackupError(f"{entry['path']} is missing or has the wrong size")
        if _sha256(path) != entry["sha256"]:
            raise BackupError(f"{entry['path']} does not match its checksum")
    return manifest


def _database_is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names()) - {"alembic_version"}
        if not names:
            return True
        if "users" in names:
            return not connection.execute(text("SELECT count(*) FROM users")).scalar()
        return False


def restore(
    source: Path, *, engine: Engine, url: str, store: Store, instance: Path, force: bool = False
) -> Outcome:
    """Restore a backup folder into this installation's database, store and instance."""
    source = Path(source)
    manifest = read_manifest(source)
    dialect = manifest["database"]["dialect"]
    if dialect != engine.dialect.name:
        raise BackupError(
            f"the backup holds a {dialect} database; this installation uses {engine.dialect.name}"
        )
    has_files = next(iter(store.keys()), None) is not None
    if not force and (not _database_is_empty(engine) or has_files):
        raise BackupError(
            "this installation already holds data (database or file store); restore into an "
            "empty one, or pass --force to replace what is there"
        )
    warnings: list[str] = []
    database_file = source / manifest["database"]["path"]
    engine.dispose()
    if dialect == "sqlite":
        target = sqlite3.connect(_sqlite_file(url))
        backup_copy = sqlite3.connect(database_file)
        try:
            backup_copy.backup(target)
        finally:
            backup_copy.close()
            target.close()
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--dbname",
                _libpq_url(url),
                str(database_file),
            ],
            "pg_restore",
        )
    if force:
        for key in list(store.keys()):
            store.delete(key)
    for entry in manifest["files"]:
        path = source / "files" / Path(*PurePosixPath(entry["key"]).parts)
        with path.open("rb") as handle, store.writer(entry["key"]) as out:
            shutil.copyfileobj(handle, out, CHUNK)
    if manifest["secret_key"]:
        target_key = Path(instance) / "secret_key"
        target_key.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / "secret_key", target_key)
        os.chmod(target_key, 0o600)
        if os.environ.get("COURSE_SECRET_KEY"):
            warnings.append(
                "COURSE_SECRET_KEY is set in the environment and overrides the restored "
                "instance/secret_key; unset it, or set it to the key the backup was made with."
            )
    else:
        warnings.append(
            "the backup holds no secret key: set COURSE_SECRET_KEY to the key the backed-up "
            "installation used."
        )
    return Outcome(source, len(manifest["files"]), warnings)
