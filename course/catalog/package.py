"""A course package as files: read from and written back to disk, hashed, and its parsed shape.

The package is two folders: ``content/<slug>/`` (course.yaml, modules, lessons, cases, assets) and
``quizzes/<slug>/`` (quiz YAML). :class:`PackageSource` holds their bytes exactly as read, so the
platform can store them with a course version and export them byte for byte.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from course.catalog.markdown import TocEntry

CONTENT = "content"
QUIZZES = "quizzes"


@dataclass
class PackageSource:
    """The raw files of one package: ``{area: {relative posix path: bytes}}``.

    ``content_label`` and ``quizzes_label`` prefix file names in problem reports, so a message
    reads ``content/service-team-collaboration/01-background/module.yaml:4: ...``.
    """

    content: dict[str, bytes] = field(default_factory=dict)
    quizzes: dict[str, bytes] = field(default_factory=dict)
    content_label: str = "content/course"
    quizzes_label: str = "quizzes/course"

    def content_name(self, path: str) -> str:
        """The name a problem report uses for a content file."""
        return f"{self.content_label}/{path}"

    def quiz_name(self, path: str) -> str:
        """The name a problem report uses for a quiz file."""
        return f"{self.quizzes_label}/{path}"

    def files(self) -> list[tuple[str, str, bytes]]:
        """Every file as ``(area, path, data)``, in a stable order."""
        return sorted(
            [(CONTENT, path, data) for path, data in self.content.items()]
            + [(QUIZZES, path, data) for path, data in self.quizzes.items()]
        )

    def content_hash(self) -> str:
        """A SHA-256 over every file's area, path and bytes: equal hashes mean equal packages."""
        digest = hashlib.sha256()
        for area, path, data in self.files():
            digest.update(f"{area}\0{path}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        return digest.hexdigest()


def _is_hidden(relative: PurePosixPath) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


def _read_tree(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if path.is_file() and not path.is_symlink() and not _is_hidden(relative):
            files[str(relative)] = path.read_bytes()
    return files


def default_quizzes_dir(content_dir: Path) -> Path:
    """``quizzes/<name>`` beside the ``content/`` folder that holds ``content/<name>``."""
    return content_dir.parent.parent / QUIZZES / content_dir.name


def read_folder(content_dir: Path, quizzes_dir: Path | None = None) -> PackageSource:
    """Read a package from disk (hidden files and symbolic links are left out)."""
    content_dir = Path(content_dir).resolve()
    quizzes_dir = Path(quizzes_dir).resolve() if quizzes_dir else default_quizzes_dir(content_dir)
    return PackageSource(
        content=_read_tree(content_dir),
        quizzes=_read_tree(quizzes_dir),
        content_label=f"{content_dir.parent.name}/{content_dir.name}",
        quizzes_label=f"{quizzes_dir.parent.name}/{quizzes_dir.name}",
    )


def write_folder(files: list[tuple[str, str, bytes]], out: Path, slug: str) -> Path:
    """Write ``(area, path, data)`` files as ``out/content/<slug>/`` and ``out/quizzes/<slug>/``.

    Returns the content folder, the path to give ``course content import``.
    """
    roots = {CONTENT: Path(out) / CONTENT / slug, QUIZZES: Path(out) / QUIZZES / slug}
    for area, path, data in files:
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"refusing to write outside the package: {path}")
        target = roots[area].joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    roots[CONTENT].mkdir(parents=True, exist_ok=True)
    return roots[CONTENT]


@dataclass
class LessonText:
    """One locale of a lesson, rendered."""

    title: str
    minutes: int
    html: str
    toc: list[TocEntry]
    text: str


@dataclass
class Lesson:
    """A lesson: its stable slug, module, objectives and one rendered text per locale."""

    slug: str
    module: str
    objectives: list[str]
    texts: dict[str, LessonText]


@dataclass
class ModuleItem:
    """One entry of a module's ``items``: kind ``lesson`` | ``case`` | ``quiz`` and its slug."""

    kind: str
    slug: str


@dataclass
class Module:
    """A module as written in module.yaml (localised values kept as written)."""

    slug: str
    folder: str
    title: str | dict
    summary: str | dict | None
    objectives: list[dict]
    items: list[ModuleItem]


@dataclass
class CoursePackage:
    """A whole checked package: the course settings, modules, rendered lessons, parsed quizzes
    and cases, and the source it came from."""

    slug: str
    settings: dict
    modules: list[Module]
    lessons: dict[str, Lesson]
    quizzes: dict[str, dict]
    cases: dict[str, dict]
    assets: list[str]
    source: PackageSource

    @property
    def locales(self) -> list[str]:
        """The declared locales, default first."""
        return list(self.settings["locales"])

    def manifest(self) -> dict:
        """The JSON-serialisable outline stored with a version: settings and modules in order,
        with each item's localised title, so a page can show the outline from one row."""
        modules = []
        for module in self.modules:
            items = []
            for item in module.items:
                items.append({"kind": item.kind, "slug": item.slug, "title": self._title(item)})
            modules.append(
                {
                    "slug": module.slug,
                    "title": module.title,
                    "summary": module.summary,
                    "objectives": module.objectives,
                    "items": items,
                }
            )
        return {**self.settings, "modules": modules, "assets": self.assets}

    def _title(self, item: ModuleItem) -> str | dict | None:
        if item.kind == "lesson":
            lesson = self.lessons[item.slug]
            return {locale: text.title for locale, text in lesson.texts.items()}
        parsed = (self.cases if item.kind == "case" else self.quizzes).get(item.slug) or {}
        return parsed.get("title")
