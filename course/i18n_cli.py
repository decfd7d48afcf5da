"""``course translations``: keep the zh_CN and en catalogues in step with the source.

English is the source language, so the ``en`` catalogue's translations are the source strings
themselves; ``zh_CN`` is translated by people. ``update`` extracts the strings, merges them into
both catalogues and fills ``en``; ``missing`` lists what is untranslated (the test suite fails on
any).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from babel.messages.pofile import read_po, write_po

from course.config import PROJECT_ROOT

CATALOGUES = PROJECT_ROOT / "course" / "translations"
LOCALES = ("zh_CN", "en")


def po_path(locale: str) -> Path:
    return CATALOGUES / locale / "LC_MESSAGES" / "messages.po"


def extract(target: Path) -> None:
    """Write the template of every translatable string in the source to ``target``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(PROJECT_ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "-o",
            str(target),
            ".",
        ],
        check=True,
        cwd=PROJECT_ROOT,
    )


def untranslated(template: Path, locale: str) -> list[str]:
    """Source strings of ``template`` with no translation in ``locale``'s catalogue."""
    with template.open("rb") as handle:
        wanted = read_po(handle)
    path = po_path(locale)
    if not path.exists():
        return [
            message.id if isinstance(message.id, str) else message.id[0]
            for message in wanted
            if message.id
        ]
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    missing = []
    for message in wanted:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        strings = found.string if found else ""
        strings = strings if isinstance(strings, tuple | list) else (strings,)
        if not found or found.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


@click.group("translations")
def translations() -> None:
    """Maintain the interface's translation catalogues."""


@translations.command("update")
def update() -> None:
    """Extract strings, merge them into both catalogues, fill the English one."""
    template = CATALOGUES / "messages.pot"
    extract(template)
    for locale in LOCALES:
        path = po_path(locale)
        command = "update" if path.exists() else "init"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "-q",
                command,
                "-i",
                str(template),
                "-d",
                str(CATALOGUES),
                "-l",
                locale,
                "--no-wrap",
            ]
            + (["--ignore-obsolete"] if command == "update" else []),
            check=True,
        )
    with po_path("en").open("rb") as handle:
        english = read_po(handle)
    for message in english:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with po_path("en").open("wb") as handle:
        write_po(handle, english, width=0, omit_header=False)
    click.echo(f"zh_CN: {len(untranslated(template, 'zh_CN'))} strings to translate")


@translations.command("missing")
def missing() -> None:
    """List untranslated strings per catalogue; exit 1 if any."""
    template = CATALOGUES / "messages.pot"
    extract(template)
    count = 0
    for locale in LOCALES:
        for text in untranslated(template, locale):
            click.echo(f"{locale}: {text}")
            count += 1
    sys.exit(1 if count else 0)
