"""What certificates listen to: course completions, and commits that issued certificates.

``init_app`` (called by ``create_app``) connects both. The completion receiver runs inside the
completing transaction and calls ``service.issue_on_completion`` with the application's
configuration; a certificate that cannot be issued (a name the fonts cannot draw) is logged and
audited, never a reason to undo the completion. After any commit, the PDFs of the certificates
that transaction issued are queued, one render job each.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from course.certificates import service
from course.certificates.models import CertificateAudit
from course.certificates.tasks import queue_render
from course.progress.signals import course_completed

if TYPE_CHECKING:
    from datetime import datetime

    from course.catalog.models import Course
    from course.progress.models import CourseCompletion


PENDING = "certificates_to_render"

log = logging.getLogger(__name__)


def issue_on_completion(
    course: Course,
    completion: CourseCompletion | None = None,
    session: Session | None = None,
    now: datetime | None = None,
    **_extra: object,
) -> None:
    """Receiver of ``course_completed``: issue (or renew) the trainee's certificate."""
    config = service.config_from(current_app.config)
    try:
        with session.begin_nested():
            return service.issue_on_completion(session, course, completion, now, config)
    except service.CertificateRefused as exc:
        org = service.issuing_organisation(session, completion.user_id, course)
        log.warning("no certificate for completion %s: %s", completion.id, exc)
        if org is not None:
            session.add(
                CertificateAudit(
                    organisation_id=org.id,
                    certificate_id=None,
                    actor_id=None,
                    action="auto-refused",
                    reason=f"user {completion.user_id}, course {course.slug}: {exc}",
                    created_at=now,
                )
            )
            session.flush()
        return None


def _render_after_commit(session: Session) -> None:
    """Queue the PDFs of certificates issued in the transaction that just committed."""
    if session.in_nested_transaction():
        return  # a savepoint was released; the transaction itself is still open
    for certificate_id in session.info.pop(service.PENDING_PDFS, ()):
        try:
            queue_render(certificate_id)
        except Exception:  # noqa: BLE001 - a download renders it later
            log.exception("could not queue the PDF of certificate %s", certificate_id)


def _forget_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint was rolled back
    session.info.pop(service.PENDING_PDFS, None)


def init_app(app: Flask) -> None:
    """Connect the receivers (once per process; connecting again changes nothing)."""
    course_completed.connect(issue_on_completion)
    if not event.contains(Session, "after_commit", _render_after_commit):
        event.listen(Session, "after_commit", _render_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)
