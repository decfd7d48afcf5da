"""``course certificates ...``: keys, previews and checks from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from course.certificates import service, verification
from course.certificates.pdfs import preview_pdf
from course.certificates.render import CertificateRenderError
from course.db import utcnow
from course.extensions import db
from course.orgs.models import Organisation
from course.orgs.service import get_organisation


@click.group("certificates")
def certificates() -> None:
    """Certificates: signing keys, template previews, verification."""


def _org(slug: str) -> Organisation:
    org = get_organisation(db.session, slug)
    if org is None:
        raise click.ClickException(f"no organisation {slug!r}")
    return org


@certificates.command("rotate-key")
@click.argument("org_slug")
@with_appcontext
def rotate_key(org_slug: str) -> None:
    """Give ORG_SLUG a new signing key; certificates signed before keep verifying."""
    org = _org(org_slug)
    config = service.config_from(current_app.config)
    key = service.rotate_key(db.session, None, org, config, utcnow())
    db.session.commit()
    click.echo(f"{org.slug}: now signing with key {key.kid}")


@certificates.command("preview")
@click.argument("org_slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--template", default="default", show_default=True)
@with_appcontext
def preview(org_slug: str, out: Path, template: str) -> None:
    """Render TEMPLATE with sample data and ORG_SLUG's branding to OUT (a PDF)."""
    config = service.config_from(current_app.config)
    if template not in service.available_templates(config):
        raise click.ClickException(f"no template {template!r} in {config.templates}")
    try:
        out.write_bytes(preview_pdf(_org(org_slug), template, config))
    except CertificateRenderError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {out}")


@certificates.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify(file: Path) -> None:
    """Check a certificate PDF or JSON credential; exit status 1 unless it is valid."""
    result = verification.verify_upload(db.session, file.read_bytes(), utcnow())
    for check in result.checks:
        click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.message}")
    click.echo(f"state: {result.state}")
    if result.state != "valid":
        raise SystemExit(1)
