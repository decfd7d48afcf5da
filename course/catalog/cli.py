"""``course content check|import|export``: course packages from and to the file system."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from course.catalog import service
from course.catalog.formats import parse_package
from course.catalog.package import read_folder
from course.catalog.quality import check_quality, unwaived
from course.db import utcnow
from course.extensions import db

if TYPE_CHECKING:
    from collections.abc import Callable


_FOLDER = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group("content")
def content() -> None:
    """Course packages: check, import and export."""


def _quizzes_option(function: Callable):
    return click.option(
        "--quizzes",
        type=_FOLDER,
        default=None,
        help="The package's quiz folder (default: quizzes/<name> beside content/).",
    )(function)


@content.command("check")
@click.argument("path", type=_FOLDER)
@_quizzes_option
@click.option(
    "--quality",
    is_flag=True,
    help="Also check assessment quality (file:line: rule: message); waived findings are notes.",
)
def check(path: Path, quizzes: Path | None, quality: bool) -> None:
    """Check the package at PATH and report every problem as file:line: message."""
    package, problems = parse_package(read_folder(path, quizzes))
    if problems:
        for problem in problems:
            click.echo(str(problem))
        raise click.exceptions.Exit(1)
    lessons = len(package.lessons)
    click.echo(
        f"{package.slug}: OK: {len(package.modules)} modules, {lessons} lessons, "
        f"{len(package.quizzes)} quiz files, {len(package.cases)} cases, "
        f"{len(package.assets)} assets in {', '.join(package.locales)}"
    )
    if quality:
        findings = check_quality(package)
        for finding in findings:
            click.echo(f"note: {finding}" if finding.waived else str(finding))
        open_findings = unwaived(findings)
        if open_findings:
            click.echo(f"{len(open_findings)} unwaived quality finding(s).", err=True)
            raise click.exceptions.Exit(1)
        click.echo(f"{package.slug}: quality OK ({len(findings)} waived finding(s))")


@content.command("import")
@click.argument("path", type=_FOLDER)
@_quizzes_option
@with_appcontext
def import_(path: Path, quizzes: Path | None) -> None:
    """Check the package at PATH and store it as the course's new version (a no-op if unchanged)."""

    try:
        result = service.import_source(db.session, None, read_folder(path, quizzes), utcnow())
        if not result.ok:
            db.session.rollback()
            for problem in result.problems:
                click.echo(str(problem))
            click.echo(f"Not imported: {len(result.problems)} problem(s).", err=True)
            raise click.exceptions.Exit(1)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    slug, number = result.course.slug, result.version.number
    if result.created:
        click.echo(f"{slug}: imported as version {number}.")
    else:
        click.echo(f"{slug}: unchanged (version {number}).")


@content.command("export")
@click.argument("slug")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export(slug: str, out: Path) -> None:
    """Write course SLUG's current version to OUT/content/SLUG and OUT/quizzes/SLUG."""
    try:
        folder = service.export_course(db.session, slug, out)
    except LookupError:
        raise click.ClickException(f"no course '{slug}'") from None
    click.echo(f"{slug}: exported to {folder}")
