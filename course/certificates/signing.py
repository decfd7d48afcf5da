"""Signing material for certificates: configuration, each organisation's active key, and the
credential a certificate states, signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.certificates import credential, keys, status
from course.certificates.models import SigningKey
from course.links import url_on
from course.orgs.models import Organisation

if TYPE_CHECKING:
    from typing import Any

    from course.catalog.models import Course
    from course.certificates.models import Certificate


@dataclass(frozen=True)
class IssuingConfig:
    """Configuration values certificates need, passed in rather than read from the app."""

    secret: str
    base_url: str
    templates: Path

    def verify_url(self, code: str) -> str:
        return url_on(self.base_url, "certificates.verify_code", code=code)

    def issuer_id(self, org: Organisation) -> str:
        return url_on(self.base_url, "certificates.issuer", slug=org.slug)

    def status_list_url(self, org: Organisation, number: int = 1) -> str:
        return url_on(self.base_url, "certificates.status_list", slug=org.slug, list_number=number)

    def key_url(self, org: Organisation, thumbprint: str) -> str:
        """The ``kid`` of a key: the URL where its public JWK is published."""
        return url_on(self.base_url, "certificates.issuer_key", slug=org.slug, kid=thumbprint)

    def course_url(self, slug: str) -> str:
        return url_on(self.base_url, "catalog.course", slug=slug)


def config_from(settings: Mapping) -> IssuingConfig:
    """Build the certificates' configuration from a Flask config mapping."""
    from course.config import PROJECT_ROOT

    return IssuingConfig(
        secret=settings["SECRET_KEY"],
        base_url=settings["BASE_URL"].rstrip("/"),
        templates=Path(settings.get("CERTIFICATE_TEMPLATES", PROJECT_ROOT / "certificates")),
    )


def signing_key(
    session: Session, org: Organisation, config: IssuingConfig, now: datetime
) -> SigningKey:
    """The organisation's active key, created on first use."""
    key = session.scalars(
        select(SigningKey)
        .where(SigningKey.organisation_id == org.id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
    ).first()
    if key is None:
        pair = keys.generate(config.secret)
        key = SigningKey(
            organisation_id=org.id,
            kid=pair.kid,
            public_jwk=pair.public_jwk,
            sealed_private_key=pair.sealed_private_key,
            created_at=now,
        )
        session.add(key)
        session.flush()
    return key


def published_keys(session: Session, org: Organisation) -> list[SigningKey]:
    """Every key the organisation ever signed with, newest first."""
    return list(
        session.scalars(
            select(SigningKey)
            .where(SigningKey.organisation_id == org.id)
            .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        )
    )


def sign_with(key: SigningKey, org: Organisation, config: IssuingConfig, document: dict) -> str:
    """Sign ``document`` as a VC-JWT with ``key``, naming the key by its published URL."""
    private_key = keys.unseal(key.sealed_private_key, config.secret)
    return credential.sign(document, private_key, config.key_url(org, key.kid))


def sign_certificate(
    certificate: Certificate,
    course: Course,
    org: Organisation,
    key: SigningKey,
    config: IssuingConfig,
    language: str,
) -> str:
    """The certificate's credential, signed by ``key``."""
    list_number, list_index = status.position(certificate.status_index)
    title = certificate.course_title
    summary = course.summary or {}
    facts = credential.CredentialFacts(
        credential_id=certificate.credential_id,
        serial=certificate.serial,
        issuer=credential.IssuerFacts(
            id=config.issuer_id(org), name=_pick(org.name, language), url=config.base_url
        ),
        recipient_name=certificate.recipient_name,
        achievement_id=config.course_url(course.slug),
        course_title=_pick(title, language),
        course_summary=_pick(summary, language),
        criteria=_criteria(language),
        hours=certificate.hours,
        language=language,
        completed_at=certificate.completed_at,
        valid_from=certificate.issued_at,
        valid_until=certificate.valid_until,
        final_score=certificate.final_score,
        status_list_url=config.status_list_url(org, list_number),
        status_index=list_index,
    )
    return sign_with(key, org, config, credential.build_credential(facts))


def _criteria(language: str) -> str:
    if language.startswith("zh"):
        return "按课程的结业规则完成全部要求的课时、测验和案例。"
    return "Completed the lessons, quizzes and case studies the course's completion rule requires."


def _pick(value: Any, language: str) -> str:
    if isinstance(value, dict):
        return value.get(language) or next(iter(value.values()), "")
    return value or ""
