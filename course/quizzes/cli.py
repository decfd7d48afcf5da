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
def import_gift(
    file: Path,
    course_slug: str | None,
    out: Path | None,
    title: str | None,
    as_json: bool,
    force: bool,
) -> None:
    """Convert a Moodle GIFT FILE into quiz YAML; a file with any error converts nothing."""
    from course.quizzes.gift import parse_gift
    from course.quizzes.gift_convert import gift_to_quiz

    text = _read(file)
    if as_json:
        questions, problems = parse_gift(text, str(file))
        _fail_on(problems)
        click.echo(json.dumps([q.as_json() for q in questions], ensure_ascii=False, indent=2))
        return
    converted, problems = gift_to_quiz(text, str(file), title or file.stem, list(LOCALES))
    _fail_on(problems)
    target = out or (
        Path("quizzes") / course_slug / f"{file.stem}.yaml"
        if course_slug
        else file.with_suffix(".yaml")
    )
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(converted, encoding="utf-8")
    click.echo(f"Wrote {target}")


@quiz.command("export-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here, not to standard output.",
)
@click.option("--locale", type=click.Choice(LOCALES), default=LOCALES[0], show_default=True)
def export_gift(file: Path, out: Path | None, locale: str) -> None:
    """Write the questions of a quiz YAML FILE as GIFT (ordering questions have no GIFT form)."""
    from course.quizzes.formats import parse_quiz
    from course.quizzes.gift_write import write_gift

    parsed, problems = parse_quiz(_read(file), str(file), list(LOCALES))
    _fail_on(problems)
    text, skipped = write_gift(parsed["questions"], locale)
    for question_id in skipped:
        click.echo(f"{file}: skipped {question_id}: GIFT has no ordering questions", err=True)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}")
    else:
        click.echo(text, nl=False)


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


def _fail_on(problems: list) -> None:
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s); nothing was written")
