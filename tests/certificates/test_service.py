"""Issuing, re-issuing, revoking, keys and verification, against a real database."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from course import storage
from course.certificates import credential, keys, service, status, verification
from course.certificates.models import Certificate, CertificateAudit
from course.extensions import db

from .conftest import NOW, complete, english


def issue(world, user=None, **kwargs):
    certificate = service.issue_certificate(
        db.session, world.admin, user or world.trainee, world.course, world.org, NOW, world.config,
        **kwargs,
    )  # fmt: skip
    db.session.commit()
    return certificate


def test_issuing_needs_a_completion_or_a_written_reason(world):
    with pytest.raises(service.CertificateRefused):
        issue(world)
    db.session.rollback()
    with pytest.raises(service.CertificateRefused):
        issue(world, override_reason="   ")
    db.session.rollback()
    certificate = issue(world, override_reason="Completed the classroom version on 1 May")
    audit = db.session.scalars(select(CertificateAudit)).one()
    assert (audit.action, audit.actor_id, audit.certificate_id) == (
        "override", world.admin.id, certificate.id,
    )  # fmt: skip
    assert certificate.override_reason.startswith("Completed the classroom")


def test_issued_certificate_states_the_completion(world):
    complete(world.trainee, world.course, score=0.875)
    certificate = issue(world)
    assert certificate.serial == "STC-2026-000001"
    assert len(certificate.code) >= 22
    assert certificate.valid_until == NOW.replace(year=2028)
    assert certificate.final_score == 0.875
    doc = credential.peek(certificate.token)[1]
    assert doc["credentialSubject"]["identifier"][0]["identityHash"] == "王小明"
    assert doc["issuer"]["id"] == "http://localhost/issuers/city-centre.json"
    assert doc["credentialSubject"]["result"][0]["value"] == "88"


def test_reissue_keeps_the_serial_history(world):
    complete(world.trainee, world.course)
    first = issue(world)
    second = issue(world)
    assert first.status == "superseded" and second.replaces_id == first.id
    assert second.serial == "STC-2026-000002"
    assert verification.by_code(db.session, first.code).state(NOW) == "superseded"


def test_revocation_needs_a_reason_and_reaches_the_status_list(world):
    complete(world.trainee, world.course)
    certificate = issue(world)
    for free_text in ("", "Issued in error"):  # only a listed reason is published
        with pytest.raises(service.CertificateRefused):
            service.revoke_certificate(db.session, world.admin, certificate, free_text, NOW)
    service.revoke_certificate(
        db.session, world.admin, certificate, "issued_in_error", NOW, note="Wrong trainee"
    )
    assert certificate.revocation_note == "Wrong trainee"
    db.session.commit()
    assert certificate.state(NOW) == "revoked"
    token = verification.status_list_token(db.session, world.org, world.config, NOW)
    key = service.signing_key(db.session, world.org, world.config, NOW)
    doc = credential.verify(token, keys.public_key_from_jwk(key.public_jwk))
    assert status.is_set(doc["credentialSubject"]["encodedList"], certificate.status_index)


def test_expired_certificate_reads_as_expired(world):
    complete(world.trainee, world.course)
    certificate = issue(world)
    assert certificate.state(NOW + timedelta(days=365)) == "valid"
    assert certificate.state(NOW.replace(year=2029)) == "expired"


def test_rotated_key_signs_new_certificates_and_old_ones_still_verify(world):
    complete(world.trainee, world.course)
    old = issue(world)
    service.rotate_key(db.session, world.admin, world.org, world.config, NOW)
    db.session.commit()
    new = issue(world, user=world.other_trainee, override_reason="Attended in person")
    assert old.kid != new.kid
    assert len(verification.jwks(db.session, world.org, world.config)["keys"]) == 2
    for certificate in (old, new):
        data = credential.envelope_bytes(certificate.token)
        assert verification.verify_upload(db.session, data, NOW).checks[0].ok


def test_uploaded_json_is_verified_and_tampering_is_named(world):
    complete(world.trainee, world.course)
    certificate = issue(world)
    good = verification.verify_upload(db.session, credential.envelope_bytes(certificate.token), NOW)
    assert good.state == "valid" and good.certificate.id == certificate.id

    header, payload, signature = certificate.token.split(".")
    claims = json.loads(keys.b64url_decode(payload))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "张伪造"
    forged = ".".join([header, keys.b64url(json.dumps(claims).encode()), signature])
    bad = verification.verify_upload(db.session, credential.envelope_bytes(forged), NOW)
    assert bad.state == "invalid"
    messages = " ".join(english(c.message) for c in bad.checks if not c.ok)
    assert "changed after it was signed" in messages
    assert "credentialSubject.identifier" in messages


def test_credential_signed_by_a_stranger_is_rejected(world):
    complete(world.trainee, world.course)
    certificate = issue(world)
    doc = credential.peek(certificate.token)[1]
    stranger = keys.generate("another secret")
    token = credential.sign(doc, keys.unseal(stranger.sealed_private_key, "another secret"),
                            stranger.kid)  # fmt: skip
    result = verification.verify_upload(db.session, token.encode(), NOW)
    assert result.state == "invalid" and "never published" in english(result.checks[0].message)


def test_pdf_is_rendered_once_stored_and_carries_the_credential(world):
    complete(world.trainee, world.course)
    certificate = issue(world)  # the PDF is rendered once the issuing transaction commits
    assert certificate.pdf_key and storage.exists(certificate.pdf_key)
    data = storage.read(certificate.pdf_key)
    attached = PdfReader(io.BytesIO(data)).attachments["credential.json"][0]
    assert attached == credential.envelope_bytes(certificate.token)
    result = verification.verify_upload(db.session, data, NOW)
    assert result.state == "valid"

    # A forger copies the pages and attaches a credential with another name in it.
    header, payload, signature = certificate.token.split(".")
    claims = json.loads(keys.b64url_decode(payload))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "张伪造"
    forged = ".".join([header, keys.b64url(json.dumps(claims).encode()), signature])
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(data)).pages:
        writer.add_page(page)
    writer.add_attachment("credential.json", credential.envelope_bytes(forged))
    out = io.BytesIO()
    writer.write(out)
    rejected = verification.verify_upload(db.session, out.getvalue(), NOW)
    assert rejected.state == "invalid"
    assert any("identifier" in english(c.message) for c in rejected.checks if not c.ok)


def test_a_pdf_without_credential_says_so(world):
    from course.certificates.pdfs import preview_pdf

    result = verification.verify_upload(db.session, preview_pdf(world.org, "default", world.config),
                                        NOW)  # fmt: skip
    assert result.state == "invalid"
    assert "no embedded credential" in english(result.checks[0].message)


def test_holder_alone_controls_public_listing(world):
    complete(world.trainee, world.course)
    certificate = issue(world)
    with pytest.raises(service.CertificateRefused):
        service.set_public(db.session, world.admin, certificate, False)
    service.set_public(db.session, world.trainee, certificate, False)
    assert service.public_certificates(db.session, world.trainee.id) == []


def test_completion_signal_issues_when_allowed(world):
    from course.progress.signals import course_completed

    completion = complete(world.trainee, world.course)
    course_completed.send(world.course, completion=completion, session=db.session, now=NOW)
    db.session.commit()
    issued = db.session.scalars(select(Certificate)).one()
    assert issued.completion_id == completion.id and issued.pdf_key

    settings = service.settings_for(db.session, world.org)
    settings.auto_issue = False
    other = complete(world.other_trainee, world.course)
    course_completed.send(world.course, completion=other, session=db.session, now=NOW)
    assert db.session.scalars(select(Certificate)).all() == [issued]


def test_serial_prefix_and_months():
    assert service.serial_prefix("service-team-collaboration") == "STC"
    assert service.add_months(NOW.replace(month=1, day=31), 1).day == 28
    assert service.add_months(NOW, 24).year == 2028
