"""Issue a certificate when a trainee completes a course, if the course and organisation allow.

Connected to ``course.progress.signals.course_completed`` when this module is imported (the
certificates blueprint imports it). The receiver runs inside the completing transaction: it adds
and flushes, never commits. A PDF that cannot be rendered does not undo the completion: the
certificate is kept (its signed credential is valid) and the PDF is tried again on download.
"""

from __future__ import annotations

import logging

from flask import current_app

from course.accounts.models import User
from course.certificates import service
from course.certificates.pdfs import store_pdf
from course.certificates.render import CertificateRenderError
from course.progress.signals import course_completed

log = logging.getLogger(__name__)


def issue_on_completion(course, completion=None, session=None, now=None, **_extra):
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
    try:
        store_pdf(certificate, org, config)
    except CertificateRenderError as exc:
        log.warning("certificate %s issued without a PDF: %s", certificate.serial, exc)
    session.flush()
    return certificate


course_completed.connect(issue_on_completion)
