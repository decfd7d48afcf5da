"""Certificate jobs: one render per certificate, bulk issuing in batches, the bulk ZIP.

Every certificate's PDF is made by :func:`render_certificate_task`, whichever way it was issued
(by hand, on completion, in bulk): it is queued after the issuing transaction commits. A render
that fails is retried (``RENDER_RETRIES`` times, ``RENDER_RETRY_DELAY`` seconds apart), then the
failure is recorded for the trainee's bulk item, if any. Each job uses a session of its own: in
immediate mode it runs inside the issuer's ``after_commit`` hook, when the issuer's session can
no longer emit SQL.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import zipfile

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from course import metrics, storage
from course.accounts.models import User
from course.catalog.models import Course
from course.certificates import bulk, pdfs, service
from course.certificates.models import BulkIssue, BulkIssueItem, Certificate
from course.certificates.render import CertificateRenderError
from course.db import utcnow
from course.extensions import db
from course.jobs import app_context, huey
from course.orgs.models import Organisation

log = logging.getLogger(__name__)

RENDER_RETRIES = 2
RENDER_RETRY_DELAY = 10
#: Bytes copied at a time from a stored PDF into the ZIP.
COPY_CHUNK = 256 * 1024

MANIFEST_FIELDS = ["serial", "name", "email", "course", "issued_at", "valid_until", "code",
                   "verify_url", "result", "error"]  # fmt: skip


def queue_render(certificate_id: int) -> None:
    """Queue the PDF of one certificate (in immediate mode, retries run at once)."""
    task = render_certificate_task.s(certificate_id)
    if huey.immediate:
        task.retry_delay = 0
    huey.enqueue(task)


def queue_zip(bulk_id: int) -> None:
    bulk_zip_task(bulk_id)


@huey.task(retries=RENDER_RETRIES, retry_delay=RENDER_RETRY_DELAY, context=True)
def render_certificate_task(certificate_id: int, task=None) -> bool:
    """Render and store one certificate's PDF, unless it is stored already."""
    with app_context(), Session(db.engine) as session:
        config = service.config_from(current_app.config)
        try:
            made = _render(session, certificate_id, config)
        except CertificateRenderError as exc:
            session.rollback()
            if task is not None and task.retries > 0:
                log.warning("certificate %s: render failed, will retry: %s", certificate_id, exc)
                raise
            log.error("certificate %s: render failed for good: %s", certificate_id, exc)
            metrics.CERTIFICATES_RENDERED.labels("failed").inc()
            finished = bulk.rendered(session, certificate_id, str(exc), utcnow())
            session.commit()
            for bulk_id in finished:
                queue_zip(bulk_id)
            return False
        finished = bulk.rendered(session, certificate_id, None, utcnow())
        session.commit()
        for bulk_id in finished:
            queue_zip(bulk_id)
        return made


def _render(session: Session, certificate_id: int, config) -> bool:
    """Render into the store if the PDF is not there; no transaction is open while rendering."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        return False
    if pdfs.is_stored(certificate):
        return False
    org = session.get(Organisation, certificate.organisation_id)
    job = pdfs.render_job_for(certificate, org, config)
    key = pdfs.pdf_key(certificate, org)
    session.commit()  # end the reading transaction: the render takes about a second
    data = pdfs.render_pdf(job)
    pdfs.record_pdf(session, certificate_id, key, data)
    return True


@huey.task()
def bulk_issue_task(bulk_id: int) -> int:
    """Issue a run's certificates in small batches, committing after each; the PDFs are
    queued one job per certificate as each batch commits. Returns the trainees looked at."""
    with app_context():
        # The context's own session: in immediate mode (tests) that is the request's, so the
        # audit trail's look at the signed-in admin happens in the same transaction.
        session = db.session
        config = service.config_from(current_app.config)
        run = session.get(BulkIssue, bulk_id)
        if run is None or run.state not in ("queued", "issuing"):
            return 0
        run.state = "issuing"
        session.commit()
        seen = 0
        while True:
            run = session.get(BulkIssue, bulk_id)
            looked_at = bulk.issue_batch(session, run, config, utcnow())
            session.commit()  # queues the batch's PDFs (listeners._render_after_commit)
            if not looked_at:
                break
            seen += looked_at
        run = session.get(BulkIssue, bulk_id)
        run.state = "rendering"
        session.flush()
        finished = bulk.finish_if_complete(session, bulk_id)
        session.commit()
        if finished:
            queue_zip(bulk_id)
        return seen


@huey.task(retries=2, retry_delay=10)
def bulk_zip_task(bulk_id: int) -> str | None:
    """Write the run's ZIP (every PDF and manifest.csv) to the store as a stream: the PDFs are
    read from the store one at a time, so memory does not grow with the cohort."""
    with app_context(), Session(db.engine) as session:
        config = service.config_from(current_app.config)
        run = session.get(BulkIssue, bulk_id)
        if run is None or run.state != "packaging":
            return None
        org = session.get(Organisation, run.organisation_id)
        course = session.get(Course, run.course_id)
        rows = session.execute(
            select(BulkIssueItem, Certificate, User.email)
            .outerjoin(Certificate, Certificate.id == BulkIssueItem.certificate_id)
            .join(User, User.id == BulkIssueItem.user_id)
            .where(BulkIssueItem.bulk_id == bulk_id)
            .order_by(BulkIssueItem.id)
            .execution_options(yield_per=200)
        )
        key = f"certificates/{org.slug}/bulk-{run.id}.zip"
        manifest = []
        with storage.writer(key) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            for item, certificate, email in rows:
                result, error = item.outcome, item.error
                if item.outcome == "issued" and certificate is not None:
                    try:
                        _add_pdf(bundle, certificate)
                    except FileNotFoundError:
                        result, error = "failed", "the stored PDF is missing"
                manifest.append(_row(item, email, course, certificate, config, result, error))
                session.expunge(item)
                if certificate is not None:
                    session.expunge(certificate)
            bundle.writestr("manifest.csv", _manifest(manifest))
        run = session.get(BulkIssue, bulk_id)
        run.zip_key, run.state, run.finished_at = key, "done", utcnow()
        run.done = run.total
        session.commit()
        return key


def _add_pdf(bundle: zipfile.ZipFile, certificate: Certificate) -> None:
    name = f"{certificate.serial}.pdf"
    with storage.open(certificate.pdf_key) as source, bundle.open(name, "w") as target:
        shutil.copyfileobj(source, target, COPY_CHUNK)


RESULT_WORDS = {
    "issued": "issued",
    "already": "already held a valid certificate",
    "ineligible": "not eligible (no recorded completion)",
    "failed": "failed",
}


def _row(item, email, course, certificate, config, result: str, error: str) -> dict:
    show = certificate is not None and result in ("issued", "already")
    return {
        "serial": certificate.serial if show else "",
        "name": item.name,
        "email": email,
        "course": course.slug,
        "issued_at": certificate.issued_at.isoformat() if show else "",
        "valid_until": certificate.valid_until.isoformat()
        if show and certificate.valid_until
        else "",
        "code": certificate.code if show else "",
        "verify_url": config.verify_url(certificate.code) if show else "",
        "result": RESULT_WORDS.get(result, result),
        "error": error,
    }


def _manifest(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_FIELDS)
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["serial"] == "", r["serial"], r["name"])))
    return "\ufeff" + out.getvalue()  # a BOM so Excel reads the Chinese names as UTF-8
