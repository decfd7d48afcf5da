"""``course records export``: learning records as xAPI statements."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

from course import links
from course.extensions import db
from course.progress import records as learning_records

if TYPE_CHECKING:
    from typing import Any

    from course.orgs.models import Organisation


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
def export(since: datetime | None, output: Any) -> None:
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


@records.command("push")
@click.option("--batch", type=click.IntRange(1, 1000), default=None, help="Statements per POST.")
@click.option("--max-batches", type=click.IntRange(1), default=50, show_default=True)
@with_appcontext
def push(batch: int | None, max_batches: int) -> None:
    """Send new statements to the configured LRSs now (the worker does it every minute)."""
    from course.db import utcnow
    from course.progress.push import push_all

    config = dict(current_app.config)
    if batch:
        config["LRS_BATCH"] = batch
    totals = push_all(db.session, config, utcnow, db.session.commit, max_batches=max_batches)
    if not totals:
        click.echo("No LRS is configured (COURSE_LRS_ENDPOINT or an organisation's endpoint).")
    for key, sent in totals.items():
        click.echo(f"{key}: {sent} statements sent")


@records.command("status")
@with_appcontext
def status() -> None:
    """Where each LRS's position stands, and the statements it refused."""
    from sqlalchemy import func, select

    from course.progress.models import LrsPosition, LrsRefusal

    for position in db.session.scalars(select(LrsPosition).order_by(LrsPosition.endpoint)):
        refused = db.session.scalar(
            select(func.count())
            .select_from(LrsRefusal)
            .where(LrsRefusal.endpoint == position.endpoint)
        )
        line = f"{position.endpoint}: {position.sent} sent, {refused} refused"
        if position.last_timestamp:
            line += f", up to {position.last_timestamp.isoformat()}"
        if position.retry_at:
            line += f"; failing ({position.failures}), next try {position.retry_at.isoformat()}"
            line += f": {position.last_error}"
        click.echo(line)
    for refusal in db.session.scalars(select(LrsRefusal).order_by(LrsRefusal.id)):
        click.echo(
            f"refused by {refusal.endpoint}: {refusal.statement_id} ({refusal.status}) "
            f"{refusal.reason[:200]}"
        )


@records.command("lrs-endpoint")
@click.argument("organisation")
@click.argument("url", required=False)
@click.option("--auth", type=click.Choice(["basic", "oauth"]), default="basic", show_default=True)
@click.option("--username", default="", help="Basic user name, or the OAuth client id.")
@click.option("--password", default="", help="Basic password, or the OAuth client secret.")
@click.option("--token-url", default=None, help="OAuth token endpoint (client credentials).")
@click.option("--remove", is_flag=True, help="Stop sending to this organisation's LRS.")
@with_appcontext
def lrs_endpoint(
    organisation: Organisation,
    url: str | None,
    auth: str | None,
    username: str | None,
    password: str | None,
    token_url: str | None,
    remove: bool,
) -> None:
    """Give ORGANISATION (its slug) its own LRS at URL: its members' statements go there too.
    The secret is stored encrypted under the application's secret key."""
    from sqlalchemy import select

    from course.orgs.models import Organisation
    from course.progress.lrs import seal_secret
    from course.progress.models import LrsEndpoint

    org = db.session.scalar(select(Organisation).where(Organisation.slug == organisation))
    if org is None:
        raise click.ClickException(f"no organisation {organisation!r}")
    row = db.session.scalar(select(LrsEndpoint).where(LrsEndpoint.organisation_id == org.id))
    if remove:
        if row is not None:
            db.session.delete(row)
        db.session.commit()
        click.echo(f"{organisation}: no own LRS.")
        return
    if not url or not url.startswith(("https://", "http://")):
        raise click.ClickException("give the LRS's xAPI endpoint URL (https://...)")
    if auth == "oauth" and not token_url:
        raise click.ClickException("--auth oauth needs --token-url")
    if row is None:
        row = LrsEndpoint(organisation_id=org.id)
        db.session.add(row)
    row.url, row.auth, row.username, row.token_url = url.rstrip("/"), auth, username, token_url
    row.sealed_secret = seal_secret(password, current_app.config["SECRET_KEY"])
    db.session.commit()
    click.echo(f"{organisation}: statements of its members go to {row.url}.")


@records.command("iri-base")
@click.argument("iri_base", required=False)
@click.option("--actor-name/--no-actor-name", default=None, help="Include the actor's name.")
@with_appcontext
def iri_base(iri_base: str | None, actor_name: bool | None) -> None:
    """Show, or change for statements recorded from now on, the IRI base and whether the actor's
    name is included (recorded statements never change)."""
    from course.progress.service import record_settings, store_record_settings

    current = record_settings(db.session)
    if iri_base or actor_name is not None:
        base = iri_base or (current.iri_base if current else links.base_url())
        keep = current.actor_name if current else True
        current = store_record_settings(
            db.session, base, keep if actor_name is None else actor_name, replace=True
        )
        db.session.commit()
    if current is None:
        click.echo("No IRI base is stored yet (run `flask --app course db upgrade`).")
        return
    click.echo(f"IRI base: {current.iri_base}; actor name: {'yes' if current.actor_name else 'no'}")
