"""Bulk issuing for a cohort, in the background: progress, parallel renders, a ZIP at the end."""

from __future__ import annotations

import csv
import io
import logging
import zipfile

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from course import storage
from course.accounts.models import User
from course.catalog.models import Course
from course.certificates import service
from course.certificates.models import BulkIssue, Certificate
from course.certificates.pdfs import job_for, save_pdf, store_pdf
from course.certificates.render import CertificateRenderError, render_many
from course.db import utcnow
from course.extensions import db
from course.jobs import app_context, huey
from course.orgs.models import CohortMember, Organisation

log = logging.getLogger(__name__)

MANIFEST_FIELDS = ["serial", "name", "email", "course", "issued_at", "valid_until", "code",
                   "verify_url", "result", "error"]  # fmt: skip


@huey.task(retries=2, retry_delay=5)
def render_certificate_task(certificate_id: int) -> bool:
    """Render and store one certificate's PDF (queued after automatic issuing commits).

    Uses a session of its own: in immediate mode it runs inside the issuer's ``after_commit``
    hook, when the issuer's session can no longer emit SQL.
    """
    with app_context(), Session(db.engine) as session:
        certificate = session.get(Certificate, certificate_id)
        if certificate is None or certificate.pdf_key:
            return False
        org = session.get(Organisation, certificate.organisation_id)
        try:
            store_pdf(certificate, org, service.config_from(current_app.config))
        except CertificateRenderError as exc:
            log.warning("certificate %s has no PDF yet: %s", certificate.serial, exc)
            return False
        session.commit()
        return True


@huey.task()
def bulk_issue_task(bulk_id: int) -> int:
    """Run a queued bulk issue; returns the number of certificates made."""
    with app_context():
        workers = int(current_app.config.get("CERTIFICATE_WORKERS", 2))
        return run_bulk_issue(bulk_id, workers)


def run_bulk_issue(bulk_id: int, workers: int) -> int:
    """Issue, render in parallel, and package a cohort's certificates. Commits as it goes,
    so the progress page sees each step; a trainee who fails is listed, the rest carry on."""
    session = db.session
    config = service.config_from(current_app.config)
    job = session.get(BulkIssue, bulk_id)
    org = session.get(Organisation, job.organisation_id)
    course = session.get(Course, job.course_id)
    users = session.scalars(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == job.cohort_id)
        .order_by(User.id)
    ).all()
    job.state, job.total, job.done, job.failures = "running", len(users), 0, []
    session.commit()

    rows, failures, issued = [], [], []
    for user in users:
        try:
            with session.begin_nested():
                certificate = service.issue_certificate(
                    session, None, user, course, org, utcnow(), config, render_pdf=False
                )
            issued.append((user, certificate))
        except service.CertificateRefused as exc:
            failures.append({"user_id": user.id, "name": user.display_name, "error": str(exc)})
            rows.append(_row(user, course, None, config, "not issued", str(exc)))
    job.failures = list(failures)
    job.done = len(failures)
    session.commit()

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        jobs = [job_for(certificate, org, config) for _, certificate in issued]
        for index, outcome in render_many(jobs, workers):
            user, certificate = issued[index]
            if isinstance(outcome, Exception):
                failures.append(
                    {"user_id": user.id, "name": user.display_name, "error": str(outcome)}
                )
                rows.append(_row(user, course, certificate, config, "render failed", str(outcome)))
            else:
                save_pdf(certificate, org, outcome)
                bundle.writestr(f"{certificate.serial}.pdf", outcome)
                rows.append(_row(user, course, certificate, config, "issued", ""))
            job.done += 1
            job.failures = list(failures)
            session.commit()
        bundle.writestr("manifest.csv", _manifest(rows))
    job.zip_key = f"certificates/{org.slug}/bulk-{job.id}.zip"
    storage.save(job.zip_key, archive.getvalue())
    job.state, job.finished_at = "done", utcnow()
    session.commit()
    return len(issued)


def _row(user, course, certificate, config, result: str, error: str) -> dict:
    return {
        "serial": certificate.serial if certificate else "",
        "name": user.display_name,
        "email": user.email,
        "course": course.slug,
        "issued_at": certificate.issued_at.isoformat() if certificate else "",
        "valid_until": certificate.valid_until.isoformat()
        if certificate and certificate.valid_until
        else "",
        "code": certificate.code if certificate else "",
        "verify_url": config.verify_url(certificate.code) if certificate else "",
        "result": result,
        "error": error,
    }


def _manifest(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_FIELDS)
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["serial"] == "", r["serial"], r["name"])))
    return "\ufeff" + out.getvalue()  # a BOM so Excel reads the Chinese names as UTF-8
