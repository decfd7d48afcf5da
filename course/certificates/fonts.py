"""Does an installed font draw every character of a text?

WeasyPrint never fails on a missing glyph: it draws an empty box (while the PDF's text layer still
holds the character, so text extraction looks fine). Before rendering we therefore check coverage
ourselves: first against the fonts the template names (resolved through fontconfig, their
character maps read with fontTools and cached per font file), then, for anything left, against any
installed font fontconfig knows, since Pango falls back to those.
"""

from __future__ import annotations

import functools
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class MissingGlyph:
    """A character no installed font can draw."""

    char: str

    def __str__(self) -> str:
        name = unicodedata.name(self.char, "unnamed character")
        return f"{self.char} (U+{ord(self.char):04X} {name})"


@functools.cache
def resolve(family: str) -> tuple[str, int] | None:
    """The font file and collection index fontconfig picks for ``family``, if it has one."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}|%{file}|%{index}", family],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, rest = out.partition("|")
    file, _, index = rest.partition("|")
    if family.split(":")[0].strip().lower() not in [f.strip().lower() for f in families.split(",")]:
        return None  # fontconfig substituted another family: the named font is not installed
    return file, int(index or 0)


@functools.cache
def charset(file: str, index: int = 0) -> frozenset[int]:
    """Code points a font file (one face of a collection) maps to glyphs. Cached per face."""
    font = TTFont(file, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or ())
    finally:
        font.close()


@functools.cache
def installed_font_has(code_point: int) -> bool:
    """Whether any font fontconfig knows covers ``code_point`` (Pango's fallback)."""
    try:
        out = subprocess.run(
            ["fc-list", f":charset={code_point:x}", "file"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


def _needs_glyph(char: str) -> bool:
    # Spaces and invisible formatting characters (ZWJ, variation selectors) draw nothing.
    return not char.isspace() and unicodedata.category(char) not in {"Cf", "Mn", "Cc"}


def missing_glyphs(text: str, families: Iterable[str]) -> list[MissingGlyph]:
    """Characters of ``text`` that neither the named families nor any installed font cover."""
    wanted = {ord(c) for c in text if _needs_glyph(c)}
    for family in families:
        face = resolve(family)
        if face is not None:
            wanted -= charset(*face)
        if not wanted:
            return []
    return [MissingGlyph(chr(cp)) for cp in sorted(wanted) if not installed_font_has(cp)]
