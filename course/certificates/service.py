"""Certificate use cases: keys, settings, eligibility, issuing, re-issuing, revoking.

Services take ``(session, actor, ..., now)`` plus an ``IssuingConfig`` (in ``signing.py``: the
secret key, the public base URL, the template folder); they flush and never commit. Verification
and publication (status lists, issuer profiles) live in ``verification.py``; PDF rendering in
``pdfs.py``; bulk issuing in ``bulk.py``.

Issuing never renders. It checks, before anything is recorded, that the template's fonts can draw
the name and the course titles (one rule for every path: manual, automatic, bulk), records and
signs the certificate, and notes its id in ``session.info[PENDING_PDFS]``; once the transaction
commits, ``listeners`` queues one render job per certificate noted.
"""

from __future__ import annotations

import calendar
import re
import secrets
import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, joinedload

from course.accounts.models import User
from course.catalog.models import Course, CourseVersion, is_current_version
from course.certificates.models import (
    REVOCATION_REASONS,
    Certificate,
    CertificateAudit,
    CertificateSettings,
    SigningKey,
)
from course.certificates.render import (
    MissingGlyphsError,
    TemplateError,
    check_glyphs,
    template_fonts,
)
from course.certificates.signing import (  # noqa: F401  (config and keys are used via service)
    IssuingConfig,
    config_from,
    published_keys,
    sign_certificate,
    signing_key,
)
from course.orgs.models import Assignment, Cohort, CohortMember, Membership, Organisation
from course.progress.models import CourseCompletion

#: ``session.info`` key: ids of certificates issued in the transaction, whose PDFs are queued
#: once it commits (see ``listeners``).
PENDING_PDFS = "certificates_to_render"


class CertificateRefused(Exception):
    """A certificate cannot be issued or changed; the message says why."""

    def __str__(self) -> str:  # the message may be a lazy translation
        return str(self.args[0]) if self.args else ""


# --- keys -------------------------------------------------------------------------------------


def rotate_key(session: Session, actor, org: Organisation, config: IssuingConfig, now: datetime):
    """Retire the active key and make a new one. Old certificates keep verifying."""
    for key in session.scalars(
        select(SigningKey).where(
            SigningKey.organisation_id == org.id, SigningKey.retired_at.is_(None)
        )
    ):
        key.retired_at = now
    session.flush()
    session.add(_audit(org.id, None, actor, "rotate-key", "", now))
    return signing_key(session, org, config, now)


# --- settings and eligibility -----------------------------------------------------------------


def settings_for(session: Session, org: Organisation) -> CertificateSettings:
    """The organisation's certificate settings, created with defaults on first use."""
    found = session.scalars(
        select(CertificateSettings).where(CertificateSettings.organisation_id == org.id)
    ).first()
    if found is None:
        found = CertificateSettings(organisation_id=org.id, template=None, auto_issue=True)
        session.add(found)
        session.flush()
    return found


def update_settings(
    session: Session, actor, org: Organisation, template: str | None, auto_issue: bool, config
) -> CertificateSettings:
    """Choose the organisation's template (None = each course's own) and auto-issuing."""
    if template and template not in available_templates(config):
        raise CertificateRefused(
            _l("There is no certificate template named %(name)s.", name=template)
        )
    settings = settings_for(session, org)
    settings.template = template or None
    settings.auto_issue = auto_issue
    session.flush()
    return settings


def available_templates(config: IssuingConfig) -> list[str]:
    """Names of the template folders installed under ``certificates/``."""
    return sorted(p.name for p in config.templates.iterdir() if (p / "metadata.yaml").is_file())


def course_certificate(session: Session, course: Course) -> dict:
    """The course's ``certificate`` settings from its current version's manifest."""
    version = session.scalars(select(CourseVersion).where(is_current_version(course))).first()
    manifest = version.manifest if version is not None else {}
    return dict(manifest.get("certificate") or {}), (manifest.get("locales") or ["zh-CN"])[0]


def latest_completion(session: Session, user_id: int, course_id: int):
    """The trainee's most recent ``CourseCompletion`` of the course, or None."""
    return session.scalars(
        select(CourseCompletion)
        .where(CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id)
        .order_by(CourseCompletion.completed_at.desc())
    ).first()


def issuing_organisation(session: Session, user_id: int, course: Course) -> Organisation | None:
    """The organisation that issues a trainee's certificate for a course.

    The organisation that assigned the course to one of the trainee's cohorts, else the first
    organisation the trainee belongs to; None when they belong to none.
    """
    assigned = session.scalars(
        select(Organisation)
        .where(Organisation.id.in_(_assigning_orgs(user_id, course.slug)))
        .order_by(Organisation.id)
    ).first()
    if assigned is not None:
        return assigned
    return session.scalars(
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.id)
    ).first()


def _assigning_orgs(user_id: int, course_slug: str):
    return (
        select(Cohort.organisation_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(Assignment, Assignment.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, Assignment.course_slug == course_slug)
    )


# --- issuing ----------------------------------------------------------------------------------


def current_certificate(session: Session, user_id: int, course_id: int, org_id: int):
    """The holder's live (valid, possibly expired) certificate for the course, if any."""
    return session.scalars(
        select(Certificate).where(
            Certificate.user_id == user_id,
            Certificate.course_id == course_id,
            Certificate.organisation_id == org_id,
            Certificate.status == "valid",
        )
    ).first()


def issue_certificate(
    session: Session,
    actor,
    user,
    course: Course,
    org: Organisation,
    now: datetime,
    config: IssuingConfig,
    *,
    completion=None,
    override_reason: str | None = None,
) -> Certificate:
    """Issue (or re-issue, or renew) a signed certificate for ``user`` and ``course``.

    Eligibility is the trainee's recorded course completion; without one, an org admin must
    give a written ``override_reason``, which is audited. A name or course title the
    template's fonts cannot draw is refused here, before anything is recorded. A live
    certificate for the same course and organisation is marked ``superseded`` and linked from
    the new one, so the history of serials is kept. Validity follows the course's
    ``validity_months``. The PDF is queued once the transaction commits.
    """
    completion = completion or latest_completion(session, user.id, course.id)
    reason = (override_reason or "").strip()
    if completion is None and not reason:
        raise CertificateRefused(
            _l(
                "%(name)s has not completed this course; an override needs a reason.",
                name=user.display_name,
            )
        )
    cert_settings, language = course_certificate(session, course)
    template = settings_for(session, org).template or cert_settings.get("template") or "default"
    check_printable(config, template, user.display_name, dict(course.title or {}))
    previous = current_certificate(session, user.id, course.id, org.id)
    if previous is not None:
        previous.status = "superseded"
    months = int(cert_settings.get("validity_months") or 0)
    key = signing_key(session, org, config, now)
    certificate = Certificate(
        serial=_next_serial(session, course.slug, now),
        code=secrets.token_urlsafe(16),
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        user_id=user.id,
        organisation_id=org.id,
        course_id=course.id,
        completion_id=getattr(completion, "id", None),
        template=template,
        recipient_name=user.display_name,
        course_title=dict(course.title or {}),
        hours=float(course.hours or 0),
        completed_at=completion.completed_at if completion is not None else now,
        final_score=getattr(completion, "final_score", None),
        issued_at=now,
        valid_until=add_months(now, months) if months else None,
        status="valid",
        status_index=_next_status_index(session, org.id),
        public=previous.public if previous is not None else False,
        kid=key.kid,
        token="",
        replaces_id=previous.id if previous is not None else None,
        issued_by_id=getattr(actor, "id", None),
        override_reason=reason or None,
    )
    certificate.token = sign_certificate(certificate, course, org, key, config, language)
    session.add(certificate)
    session.flush()
    if reason:
        session.add(_audit(org.id, certificate.id, actor, "override", reason, now))
    elif previous is not None and actor is not None:
        session.add(_audit(org.id, certificate.id, actor, "reissue", "", now))
    session.flush()
    session.info.setdefault(PENDING_PDFS, []).append(certificate.id)
    return certificate


def check_printable(config: IssuingConfig, template: str, name: str, course_title: dict) -> None:
    """Refuse a certificate whose name or course title the template's fonts cannot draw."""
    try:
        check_glyphs(template_fonts(config.templates / template), name, course_title)
    except MissingGlyphsError as exc:
        raise CertificateRefused(
            _l(
                "The certificate cannot be printed: no installed font can draw these "
                "characters of the %(field)s: %(chars)s",
                field=exc.field_name,
                chars=", ".join(str(m) for m in exc.missing),
            )
        ) from exc
    except TemplateError as exc:
        raise CertificateRefused(str(exc)) from exc


def issue_on_completion(
    session: Session, course: Course, completion, now: datetime, config: IssuingConfig
) -> Certificate | None:
    """Issue (or renew) a certificate for a completion, when the course and the organisation
    both allow automatic issuing (the course's ``certificate.auto_issue``, default true, and
    the organisation's setting). Returns None when nothing is issued; raises
    :class:`CertificateRefused` when the certificate cannot be issued (a name the fonts cannot
    draw), for the caller to report without undoing the completion."""
    course_settings, _language = course_certificate(session, course)
    if course_settings.get("auto_issue") is False:
        return None
    org = issuing_organisation(session, completion.user_id, course)
    if org is None or not settings_for(session, org).auto_issue:
        return None
    user = session.get(User, completion.user_id)
    return issue_certificate(session, None, user, course, org, now, config, completion=completion)


def successor(session: Session, certificate: Certificate) -> Certificate | None:
    """The certificate that replaced ``certificate`` (re-issued or renewed), if any."""
    if certificate.status != "superseded":
        return None
    return session.scalars(
        select(Certificate).where(Certificate.replaces_id == certificate.id)
    ).first()


def revoke_certificate(
    session: Session, actor, certificate: Certificate, reason: str, now: datetime, note: str = ""
) -> Certificate:
    """Revoke a certificate with a public reason from ``REVOCATION_REASONS`` (shown on its
    verification page) and an internal note for staff (kept in the audit trail)."""
    if reason not in REVOCATION_REASONS:
        raise CertificateRefused(_l("A revocation needs one of the listed reasons."))
    if certificate.status == "revoked":
        raise CertificateRefused(_l("This certificate is already revoked."))
    certificate.status = "revoked"
    certificate.revoked_at = now
    certificate.revocation_reason = reason
    certificate.revocation_note = (note or "").strip() or None
    audit = f"{reason}: {certificate.revocation_note}" if certificate.revocation_note else reason
    session.add(_audit(certificate.organisation_id, certificate.id, actor, "revoke", audit, now))
    session.flush()
    return certificate


def set_public(session: Session, actor, certificate: Certificate, public: bool) -> Certificate:
    """The holder shows or hides the certificate in public listings (its code always works)."""
    if actor is None or actor.id != certificate.user_id:
        raise CertificateRefused(_l("Only the holder decides whether a certificate is listed."))
    certificate.public = public
    session.flush()
    return certificate


def certificates_of(session: Session, user_id: int) -> list[Certificate]:
    """A trainee's certificates, newest first, with their organisations loaded."""
    return list(
        session.scalars(
            select(Certificate)
            .options(joinedload(Certificate.organisation))
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def public_certificates(session: Session, user_id: int) -> list[Certificate]:
    """The holder's live certificates they chose to list publicly."""
    return [c for c in certificates_of(session, user_id) if c.public and c.status == "valid"]


# --- helpers ----------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def serial_prefix(course_slug: str) -> str:
    """Initials of the course slug: ``service-team-collaboration`` -> ``STC``."""
    initials = "".join(part[0] for part in course_slug.split("-") if part).upper()
    return re.sub(r"[^A-Z0-9]", "", initials)[:6] or "CRT"


def _lock_sequence(session: Session, name: str) -> None:
    """Serialise "max + 1" number allocation until the transaction ends. PostgreSQL needs an
    advisory lock for it; SQLite's write transactions (BEGIN IMMEDIATE) are already serial."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def _next_serial(session: Session, course_slug: str, now: datetime) -> str:
    stem = f"{serial_prefix(course_slug)}-{now.year}-"
    _lock_sequence(session, "certificate-serial:" + stem)
    last = session.scalar(
        select(func.max(Certificate.serial)).where(Certificate.serial.like(stem + "%"))
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:06d}"


def _next_status_index(session: Session, org_id: int) -> int:
    _lock_sequence(session, f"certificate-status:{org_id}")
    last = session.scalar(
        select(func.max(Certificate.status_index)).where(Certificate.organisation_id == org_id)
    )
    return 0 if last is None else last + 1


def _audit(org_id, certificate_id, actor, action, reason, now) -> CertificateAudit:
    return CertificateAudit(
        organisation_id=org_id,
        certificate_id=certificate_id,
        actor_id=getattr(actor, "id", None),
        action=action,
        reason=reason,
        created_at=now,
    )
