"""``course quiz ...``: convert GIFT files to quiz YAML and back, close overdue attempts."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from course.i18n import LOCALES


@click.group("quiz")
def quiz() -> None:
    """Quiz files: GIFT import and export, overdue attempts."""


@quiz.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_slug", help="Write to quizzes/<SLUG>/<file name>.yaml.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this path.")
@click.option("--title", help="The quiz title (default: the file name).")
@click.option("--json", "as_json", is_flag=True, help="Print the parsed questions; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--partial",
    is_flag=True,
    help="When some questions cannot be converted, write those that could (default: nothing).",
)
def import_gift(
    file: Path,
    course_slug: str | None,
    out: Path | None,
    title: str | None,
    as_json: bool,
    force: bool,
    partial: bool,
) -> None:
    """Convert a Moodle GIFT FILE into quiz YAML, reading it as Moodle does.

    Each question that cannot be converted is reported with its line; then nothing is written
    unless --partial asks for the questions that did convert.
    """
    from course.quizzes.gift import parse_gift
    from course.quizzes.gift_convert import convert_gift

    text = _read(file)
    if as_json:
        questions, problems = parse_gift(text, str(file))
        _report(problems)
        click.echo(json.dumps([q.as_json() for q in questions], ensure_ascii=False, indent=2))
        return
    result = convert_gift(text, str(file), title or file.stem, list(LOCALES))
    _report(result.problems)
    if result.problems:
        click.echo(
            f"{result.converted} of {result.total} questions converted; "
            f"{len(result.problems)} problem(s).",
            err=True,
        )
    if result.text is None or (result.problems and not partial):
        hint = " (use --partial to write those that converted)" if result.text else ""
        raise click.ClickException(f"nothing was written{hint}")
    target = out or (
        Path("quizzes") / course_slug / f"{file.stem}.yaml"
        if course_slug
        else file.with_suffix(".yaml")
    )
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(result.text, encoding="utf-8")
    click.echo(f"Wrote {target} ({result.converted} questions)")


@quiz.command("export-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here, not to standard output.",
)
@click.option("--locale", type=click.Choice(LOCALES), default=LOCALES[0], show_default=True)
def export_gift(file: Path, out: Path | None, locale: str) -> None:
    """Write the questions of a quiz YAML FILE as GIFT, and list what GIFT cannot carry.

    A quiz that draws from the bank exports the bank.yaml beside it, with the draw as comments.
    The summary of what was left out goes to standard error.
    """
    from course.quizzes.formats import BANK_ID, parse_quiz
    from course.quizzes.gift_write import export_quiz

    parsed, problems = parse_quiz(_read(file), str(file), list(LOCALES))
    _fail_on(problems)
    bank = None
    if parsed.get("draw"):
        bank_file = file.with_name(f"{BANK_ID}.yaml")
        if not bank_file.exists():
            raise click.ClickException(f"{file} draws from {bank_file}, which does not exist")
        bank, problems = parse_quiz(_read(bank_file), str(bank_file), list(LOCALES))
        _fail_on(problems)
    result = export_quiz(parsed, bank, locale, list(LOCALES))
    if not result.exported:
        raise click.ClickException(f"{file}: no question can be written as GIFT")
    if out:
        out.write_text(result.text, encoding="utf-8")
        click.echo(f"Wrote {out} ({len(result.exported)} questions)", err=True)
    else:
        click.echo(result.text, nl=False)
    if result.losses:
        click.echo(f"{file}: what GIFT cannot carry:", err=True)
        for loss in result.losses:
            click.echo(f"  - {loss}", err=True)


@quiz.command("close-expired")
@with_appcontext
def close_expired() -> None:
    """Close and grade every attempt left open past its deadline."""
    from course.db import utcnow
    from course.extensions import db
    from course.quizzes.service import close_expired_attempts

    closed = close_expired_attempts(db.session, utcnow())
    db.session.commit()
    click.echo(f"Closed {closed} attempts.")


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file} is not UTF-8 text") from error


def _report(problems: list) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _fail_on(problems: list) -> None:
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s); nothing was written")
