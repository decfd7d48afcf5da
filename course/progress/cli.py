"""``course records export``: learning records as xAPI statements."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from course import links
from course.extensions import db
from course.progress import records as learning_records


@click.group("records")
def records() -> None:
    """Learning records (xAPI statements)."""


@records.command("export")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Only statements from this date (UTC) on: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.",
)
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
@with_appcontext
def export(since: datetime | None, output) -> None:
    """Write learning records as a JSON array of xAPI statements, oldest first."""
    since_utc = since.replace(tzinfo=UTC) if since is not None else None
    base_url = links.base_url()
    count = 0
    output.write("[")
    for statement in learning_records.statements(db.session, base_url, since=since_utc):
        output.write(",\n" if count else "\n")
        output.write(json.dumps(statement, ensure_ascii=False))
        count += 1
    output.write("\n]\n" if count else "]\n")
    if output.name != "<stdout>":
        click.echo(f"{count} statements written to {output.name}.", err=True)
