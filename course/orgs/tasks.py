"""Background work for organisations: previewing and importing staff lists, welcome links.

Each job commits its progress on the :class:`StaffImport` row as it goes, so the import page
(on any node) shows how far it got, and a reload loses nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from course.accounts.models import User
from course.accounts.service import WELCOME_SALT, make_reset_token
from course.audit.service import acting_as
from course.db import utcnow
from course.extensions import db
from course.i18n import localized, to_babel
from course.jobs import app_context, huey
from course.links import external_url
from course.mail import send_mail
from course.orgs import imports
from course.orgs.models import Invitation, Organisation, StaffImport
from course.orgs.service import new_token

log = logging.getLogger(__name__)

#: Welcome links per mail job.
MAIL_BATCH = 200


def _progress(job: StaffImport):
    def report(done: int) -> None:
        job.done = min(done, job.total)
        db.session.commit()

    return report


@huey.task()
def preview_staff_import_task(import_id: int) -> str:
    """Check and plan an uploaded staff list; returns the import's state."""
    with app_context():
        session = db.session
        job = session.get(StaffImport, import_id)
        if job is None or job.state != "previewing":
            return "gone"
        try:
            imports.preview(session, job, _progress(job))
            session.commit()
        except Exception:
            log.exception("staff import %s: the preview failed", import_id)
            session.rollback()
            job = session.get(StaffImport, import_id)
            imports.fail(session, job, imports.ImportFailed(0, "the preview failed"), utcnow())
            session.commit()
            raise
        return job.state


@huey.task()
def apply_staff_import_task(import_id: int) -> int:
    """Import a confirmed staff list in one transaction; returns the accounts created."""
    with app_context():
        session = db.session
        job = session.get(StaffImport, import_id)
        if job is None or job.state != "importing":
            return 0
        now = utcnow()
        try:
            with acting_as(job.created_by_id, "job"):
                created, invited = imports.apply(session, job, now, _progress(job))
            job.finished_at = utcnow()  # when it was written, not when it started
            imports.discard_parsed_rows(job)
            session.commit()
        except (imports.ImportFailed, IntegrityError) as exc:
            session.rollback()
            job = session.get(StaffImport, import_id)
            error = exc if isinstance(exc, imports.ImportFailed) else _culprit(job)
            imports.fail(session, job, error, now)
            session.commit()
            return 0
        except Exception:
            log.exception("staff import %s failed", import_id)
            session.rollback()
            job = session.get(StaffImport, import_id)
            imports.fail(session, job, imports.ImportFailed(0, "the import failed"), now)
            session.commit()
            raise
        for start in range(0, len(created), MAIL_BATCH):
            send_welcome_links_task(import_id, created[start : start + MAIL_BATCH])
        for start in range(0, len(invited), MAIL_BATCH):
            send_invitations_task(import_id, invited[start : start + MAIL_BATCH])
        return len(created)


def _culprit(job: StaffImport) -> imports.ImportFailed:
    """The row that broke a write (someone registered between the check and the write)."""
    org = db.session.get(Organisation, job.organisation_id)
    try:
        rows = imports.planned_rows(db.session, job, ("create", "invite", "update"))
        imports.check_unchanged(db.session, org, rows, lambda done: None)
    except imports.ImportFailed as exc:
        return exc
    return imports.ImportFailed(0, "the database refused a row; preview the file again")


@huey.task(retries=3, retry_delay=30)
def send_welcome_links_task(import_id: int, user_ids: list[int]) -> int:
    """Send the welcome link (choose your first password) to new accounts of an import.

    The mail names the organisation that created the account and says until when the link
    works: it is signed now and accepted for ``COURSE_WELCOME_LINK_DAYS`` days.
    """
    with app_context():
        session = db.session
        job = session.get(StaffImport, import_id)
        org = session.get(Organisation, job.organisation_id) if job else None
        users = session.scalars(
            select(User).where(User.id.in_(user_ids), User.password_hash.is_(None))
        ).all()
        config = current_app.config
        days = config["WELCOME_LINK_DAYS"]
        for user in users:
            token = make_reset_token(user, config["SECRET_KEY"], WELCOME_SALT)
            expires = utcnow() + timedelta(days=days)
            link = external_url("accounts.welcome", token=token)
            with force_locale(to_babel(user.locale)):
                send_mail(user.email, *_welcome_mail(org, user.locale, link, expires, days))
        session.execute(
            update(StaffImport)
            .where(StaffImport.id == import_id)
            .values(mailed=StaffImport.mailed + len(user_ids))
        )
        session.commit()
        return len(users)


def invitation_mail(invitation: Invitation, token: str) -> tuple[str, str]:
    """Subject and body of an invitation to join an organisation (link on the base URL)."""
    org = invitation.organisation
    return (
        _("You are invited to %(org)s", org=org.name.get("en", org.slug)),
        _(
            "Open this link to join, signed in with this e-mail address (%(email)s):\n\n%(link)s",
            email=invitation.email,
            link=external_url("orgs.accept_invitation", token=token),
        ),
    )


@huey.task(retries=3, retry_delay=30)
def send_invitations_task(import_id: int, invitation_ids: list[int]) -> int:
    """E-mail the invitations an import made for existing accounts. Each gets its link token
    here (a fresh one on a retry, which voids a link already sent), so none waits in the queue."""
    with app_context():
        session = db.session
        invitations = session.scalars(
            select(Invitation).where(
                Invitation.id.in_(invitation_ids), Invitation.accepted_at.is_(None)
            )
        ).all()
        for invitation in invitations:
            token, invitation.token_hash = new_token()
            session.commit()
            send_mail(invitation.email, *invitation_mail(invitation, token))
        session.execute(
            update(StaffImport)
            .where(StaffImport.id == import_id)
            .values(mailed=StaffImport.mailed + len(invitation_ids))
        )
        session.commit()
        return len(invitations)


def _welcome_mail(
    org: Organisation | None, locale: str, link: str, expires: datetime, days: int
) -> tuple[str, str]:
    """Subject and text of a welcome mail, in the current (forced) locale."""
    name = localized(org.name, locale) if org else ""
    until = format_datetime(expires, "long")
    subject = _("Your training account at %(org)s", org=name)
    body = _(
        "%(org)s has created a training account for you. Choose your password with this "
        "link:\n\n%(link)s\n\nThe link can be used once and expires on %(until)s (in "
        "%(days)d days). If it has expired, ask %(org)s to send you a new one.",
        org=name,
        link=link,
        until=until,
        days=days,
    )
    return subject, body
