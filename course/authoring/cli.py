"""``course authoring ...``: authoring chores done from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("authoring")
def authoring() -> None:
    """Course authoring: who may edit a course."""


@authoring.command("add-instructor")
@click.argument("slug")
@click.argument("email")
@with_appcontext
def add_instructor(slug: str, email: str) -> None:
    """Make the account with EMAIL an instructor of course SLUG (e.g. one imported with
    ``course content import``). Running it again changes nothing."""
    from sqlalchemy import func, select

    from course.accounts.models import User
    from course.authoring import service
    from course.catalog.service import get_course
    from course.db import utcnow
    from course.extensions import db

    course = get_course(db.session, slug)
    if course is None:
        raise click.ClickException(f"no course has the slug {slug!r}")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account uses the email address {email!r}")
    already = service.is_instructor(db.session, user.id, course.id)
    service.add_instructor(db.session, None, course, user, utcnow())
    db.session.commit()
    state = "was already" if already else "is now"
    click.echo(f"{user.email} {state} an instructor of {slug}.")
