"""A course package as a zip file, the same layout as on disk and in an export:

    content/<slug>/course.yaml, content/<slug>/01-module/...
    quizzes/<slug>/<quiz>.yaml

Reading a zip someone uploaded is defensive: absolute paths, ``..``, links and hidden files are
refused or skipped, and the number of files and the unpacked size are capped before anything is
decompressed, so a small zip cannot unpack into gigabytes. The sizes in the zip's directory are
only claims: every file is read in chunks and counted as it unpacks, and a file that unpacks to
more (or less) than its entry says, a damaged stream, an unsupported method or an encrypted entry
is refused with a message, never left to fail later.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from pathlib import PurePosixPath

from course.catalog.package import CONTENT, QUIZZES, PackageSource

MAX_FILES = 2000
MAX_UNPACKED = 200 * 1024 * 1024
CHUNK = 64 * 1024
#: A fixed timestamp inside exported zips, so the same version always zips to the same bytes.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class PackageZipError(ValueError):
    """The upload is not a usable package zip; the message says why."""


def write_zip(files: list[tuple[str, str, bytes]], slug: str) -> bytes:
    """Zip ``(area, path, data)`` files as ``content/<slug>/...`` and ``quizzes/<slug>/...``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for area, path, data in sorted(files):
            info = zipfile.ZipInfo(f"{area}/{slug}/{path}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def read_zip(
    data: bytes, max_files: int = MAX_FILES, max_unpacked: int = MAX_UNPACKED
) -> PackageSource:
    """The package inside an uploaded zip. Raises :class:`PackageZipError` when it is not one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise PackageZipError("the file is not a zip archive") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > max_files:
            raise PackageZipError(f"the zip holds more than {max_files} files")
        if sum(info.file_size for info in entries) > max_unpacked:
            raise PackageZipError("the zip unpacks to more than the size allowed")
        names = [_checked_name(info) for info in entries]
        budget = [max_unpacked]
        prefix = _wrapper_folder(names)
        slugs: dict[str, set[str]] = {CONTENT: set(), QUIZZES: set()}
        files: dict[str, dict[str, bytes]] = {CONTENT: {}, QUIZZES: {}}
        for info, name in zip(entries, names, strict=True):
            parts = name.parts[prefix:]
            if any(part.startswith(".") or part == "__MACOSX" for part in parts):
                continue
            if len(parts) < 3 or parts[0] not in files:
                raise PackageZipError(
                    f"{name}: files belong under content/<course>/ or quizzes/<course>/"
                )
            slugs[parts[0]].add(parts[1])
            files[parts[0]]["/".join(parts[2:])] = _read_entry(archive, info, budget)
    if len(slugs[CONTENT]) != 1 or len(slugs[QUIZZES]) > 1 or slugs[QUIZZES] - slugs[CONTENT]:
        raise PackageZipError(
            "the zip must hold exactly one course: content/<slug>/ and quizzes/<slug>/"
        )
    slug = next(iter(slugs[CONTENT]))
    return PackageSource(
        content=files[CONTENT],
        quizzes=files[QUIZZES],
        content_label=f"{CONTENT}/{slug}",
        quizzes_label=f"{QUIZZES}/{slug}",
    )


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """The bytes of one entry, counted as they unpack against its declared size and what is
    left of the whole zip's ``budget``."""
    chunks, size = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                budget[0] -= len(chunk)
                if size > info.file_size or budget[0] < 0:
                    raise PackageZipError(f"{info.filename}: unpacks to more than its entry says")
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise PackageZipError(f"{info.filename}: the zip is damaged ({error})") from None
    except NotImplementedError:
        raise PackageZipError(
            f"{info.filename}: compressed in a way this platform cannot read"
        ) from None
    except RuntimeError:  # zipfile raises it for an encrypted entry without a password
        raise PackageZipError(f"{info.filename}: encrypted files are not allowed") from None
    if size != info.file_size:
        raise PackageZipError(f"{info.filename}: unpacks to less than its entry says")
    return b"".join(chunks)


def _checked_name(info: zipfile.ZipInfo) -> PurePosixPath:
    name = PurePosixPath(info.filename.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or info.filename.startswith("/"):
        raise PackageZipError(f"{info.filename}: paths must stay inside the package")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise PackageZipError(f"{info.filename}: links are not allowed")
    return name


def _wrapper_folder(names: list[PurePosixPath]) -> int:
    """1 when every entry sits in one folder that is not ``content`` or ``quizzes``, else 0."""
    tops = {name.parts[0] for name in names if name.parts}
    if len(tops) == 1 and not tops & {CONTENT, QUIZZES}:
        return 1
    return 0
