"""Rules about the files of a draft: what kind each is, starter files for a new course, new lesson
files, and which images may be uploaded into a course's assets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from course import media
from course.catalog.formats import CASE_FILE, MODULE_FOLDER
from course.catalog.lessons import LESSON_FILE
from course.catalog.package import CONTENT, QUIZZES

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_IMAGE_BYTES = 2 * 1024 * 1024
_ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class AssetError(ValueError):
    """An upload refused: wrong type, too big, or an unsafe name or content."""


@dataclass(frozen=True)
class FileKind:
    """What a draft file is, for the editor: ``kind`` is ``course``, ``module``, ``lesson``,
    ``case``, ``quiz``, ``asset`` or ``other``; ``slug`` names the lesson, case or quiz."""

    kind: str
    slug: str = ""
    locale: str = ""


def file_kind(area: str, path: str) -> FileKind:
    """Classify a draft file by its area and path."""
    pure = PurePosixPath(path)
    if area == QUIZZES:
        return FileKind("quiz", pure.stem) if pure.suffix == ".yaml" else FileKind("other")
    if path == "course.yaml":
        return FileKind("course")
    if path.startswith("assets/"):
        return FileKind("asset")
    case = CASE_FILE.match(path)
    if case:
        return FileKind("case", case.group(1), case.group(2))
    if len(pure.parts) == 2 and MODULE_FOLDER.match(pure.parts[0]):
        if pure.name == "module.yaml":
            return FileKind("module", MODULE_FOLDER.match(pure.parts[0]).group(2))
        lesson = LESSON_FILE.match(pure.name)
        if lesson:
            return FileKind("lesson", lesson.group(2), lesson.group(3))
    return FileKind("other")


def is_text(path: str) -> bool:
    """Whether the editor shows this file as text."""
    return PurePosixPath(path).suffix in (".md", ".yaml", ".yml", ".txt", ".svg")


def _localised(values: dict[str, str]) -> str:
    inner = ", ".join(f"{locale}: {_quote(text)}" for locale, text in values.items())
    return "{" + inner + "}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_files(slug: str, titles: dict[str, str]) -> dict[tuple[str, str], bytes]:
    """The files of a new course that already passes the checker: course.yaml, one module and
    one lesson in each locale. ``titles`` maps each locale (default first) to the course title."""
    locales = list(titles)
    course = (
        f"slug: {slug}\n"
        'version: "0.1"\n'
        f"locales: [{', '.join(locales)}]\n"
        f"title: {_localised(titles)}\n"
        "hours: 1\n"
        "enrolment: open\n"
        "modules:\n"
        "  - introduction\n"
        "completion:\n"
        "  lessons: all\n"
    )
    module_title = {"zh-CN": "导言", "en": "Introduction"}
    objective = {"zh-CN": "说明本课程的目标", "en": "State what this course is for"}
    module = (
        f"title: {_localised({loc: module_title.get(loc, 'Introduction') for loc in locales})}\n"
        "objectives:\n"
        "  - id: intro-o1\n"
        f"    text: {_localised({loc: objective.get(loc, objective['en']) for loc in locales})}\n"
        "items:\n"
        "  - lesson: welcome\n"
    )
    welcome = {
        "zh-CN": ("欢迎", "在这里写第一节课。"),
        "en": ("Welcome", "Write the first lesson here."),
    }
    files = {
        (CONTENT, "course.yaml"): course.encode(),
        (CONTENT, "01-introduction/module.yaml"): module.encode(),
    }
    for locale in locales:
        title, body = welcome.get(locale, welcome["en"])
        files[(CONTENT, f"01-introduction/01-welcome.{locale}.md")] = lesson_text(title, body)
    return files


def lesson_text(title: str, body: str, objectives: tuple[str, ...] = ("intro-o1",)) -> bytes:
    """A lesson file with its front matter."""
    return (
        f"---\ntitle: {_quote(title)}\nminutes: 5\nobjectives: [{', '.join(objectives)}]\n---\n\n"
        f"{body}\n"
    ).encode()


def check_image(filename: str, data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[str, bytes]:
    """``(asset name, bytes to store)`` for an uploaded image, or :class:`AssetError`.

    Allowed: PNG, JPEG, GIF, WebP and SVG, judged by content (:mod:`course.media`); an SVG is
    stored as sanitised (no scripts, event handlers, foreign objects or outside references).
    """
    name = _asset_name(filename)
    if len(data) > max_bytes:
        raise AssetError(f"the image is larger than {max_bytes // 1024} KB")
    return name, _accept(name, data, media.IMAGE_TYPES)


def check_asset(path: str, data: bytes) -> bytes:
    """The bytes to keep for a file of a package's ``assets/`` (any type a package may carry;
    SVG sanitised), or :class:`AssetError`."""
    return _accept(path, data, media.PACKAGE_TYPES)


def _asset_name(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name.strip()
    if not _ASSET_NAME.match(name):
        raise AssetError("use a file name of letters, digits, dots, hyphens and underscores")
    return name


def _accept(name: str, data: bytes, allowed: frozenset[str]) -> bytes:
    if not data:
        raise AssetError("the file is empty")
    try:
        return media.accept(name, data, allowed)[1]
    except media.MediaError as error:
        raise AssetError(str(error)) from None
