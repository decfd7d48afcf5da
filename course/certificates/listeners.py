"""Issue a certificate when a trainee completes a course, if the course and organisation allow.

Connected to ``course.progress.signals.course_completed`` when this module is imported (the
certificates blueprint imports it). The receiver runs inside the completing transaction: it adds
and flushes, never commits, and never renders: the PDF is rendered by a background job queued once
that transaction has committed, so the trainee's request is not held up by WeasyPrint. A PDF that
cannot be rendered does not undo anything: the certificate is kept (its signed credential is
valid) and the PDF is tried again on download.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.certificates import service
from course.certificates.tasks import render_certificate_task
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
    course_settings, _ = service.course_certificate(session, course)
    if course_settings.get("auto_issue") is False:
        return None
    org = service.issuing_organisation(session, completion.user_id, course)
    if org is None or not service.settings_for(session, org).auto_issue:
        return None
    user = session.get(User, completion.user_id)
    config = service.config_from(current_app.config)
    certificate = service.issue_certificate(
        session, None, user, course, org, now, config, completion=completion, render_pdf=False
    )
    session.flush()
    session.info.setdefault(PENDING, []).append(certificate.id)
    return certificate


@event.listens_for(Session, "after_commit")
def _render_after_commit(session: Session) -> None:
    """Queue the PDFs of certificates issued in the transaction that just committed."""
    for certificate_id in session.info.pop(PENDING, ()):
        try:
            render_certificate_task(certificate_id)
        except Exception:  # noqa: BLE001 - the download renders it later
            log.exception("could not queue the PDF of certificate %s", certificate_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


course_completed.connect(issue_on_completion)
