"""Certificates to the letter: whole-file PDF checks, OB 3.0 JWT claims and key URLs, growing
status lists, successors, one rendering path, missing branding, the verification form."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import jsonschema
import jwt
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from sqlalchemy import select, update

from course import storage
from course.certificates import credential, keys, service, status, verification
from course.certificates.models import Certificate, CertificateAudit
from course.extensions import db

from .conftest import NOW, complete, english

FIXTURES = Path(__file__).parents[1] / "fixtures"
PROFILE_SCHEMA = json.loads((FIXTURES / "ob_v3p0_profile_schema.json").read_text())
CREDENTIAL_SCHEMA = json.loads((FIXTURES / "ob_v3p0_achievementcredential_schema.json").read_text())


def issue(world, user=None, **kwargs):
    user = user or world.trainee
    if "override_reason" not in kwargs:
        complete(user, world.course)
    certificate = service.issue_certificate(
        db.session, world.admin, user, world.course, world.org, NOW, world.config, **kwargs
    )
    db.session.commit()  # the PDF is rendered after commit (immediate mode in tests)
    db.session.refresh(certificate)
    return certificate


def pdf_with_attachment(pdf: bytes, attachment: bytes) -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer.add_page(page)
    writer.add_attachment("credential.json", attachment)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the whole PDF --------------------------------------------------------------------------


def test_only_the_issued_pdf_verifies_byte_for_byte(world, client):
    mine = issue(world)
    theirs = issue(world, world.other_trainee)
    data = storage.read(mine.pdf_key)
    assert mine.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert verification.verify_upload(db.session, data, NOW).state == "valid"

    # an incremental update drawing over the printed page, attachment untouched
    writer = PdfWriter(io.BytesIO(data), incremental=True)
    writer.add_annotation(0, FreeText(text="王大明", rect=(50, 50, 200, 80)))
    out = io.BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert changed.startswith(data) and len(changed) > len(data)
    assert PdfReader(io.BytesIO(changed)).attachments["credential.json"]
    # one person's PDF carrying another person's genuine credential
    swapped = pdf_with_attachment(
        storage.read(theirs.pdf_key), credential.envelope_bytes(mine.token)
    )
    for upload in (changed, swapped):
        result = verification.verify_upload(db.session, upload, NOW)
        assert result.state == "invalid" and result.certificate is None
        assert result.claimed.id == mine.id
        failed = [english(c.message) for c in result.checks if not c.ok]
        assert "not the PDF that was issued" in failed[0] and mine.serial in failed[0]

    page = client.post("/verify", data={"file": (io.BytesIO(swapped), "c.pdf")})
    assert page.status_code == 422 and mine.serial in page.get_data(as_text=True)
    page = client.post("/verify", data={"file": (io.BytesIO(data), "c.pdf")}).get_data(True)
    for fact in ("王小明", mine.serial, "City Centre", "Service Team Collaboration", "2028-11-23"):
        assert fact in page


def test_verification_messages_are_translated(world, client):
    certificate = issue(world)
    forged = credential.envelope_bytes(certificate.token).replace(b"ey", b"eX", 1)
    page = client.post(
        "/verify?lang=zh-CN", data={"file": (io.BytesIO(forged), "c.json")}
    ).get_data(as_text=True)
    assert "The signature" not in page and "never published" not in page
    assert "签名" in page or "密钥" in page


def test_the_form_says_to_type_the_code_not_the_serial(world, client):
    certificate = issue(world)
    response = client.get(f"/verify?code={certificate.serial}")
    assert response.status_code == 422
    assert "serial number" in response.get_data(as_text=True)
    assert client.get(f"/verify?code={certificate.code}").status_code == 302


# --- OB 3.0 JWT claims and keys -------------------------------------------------------------


def test_credential_and_profile_validate_against_the_official_schemas(world, client):
    certificate = issue(world)
    payload = credential.peek(certificate.token)[1]
    jsonschema.validate(payload, CREDENTIAL_SCHEMA, format_checker=jsonschema.FormatChecker())
    profile = client.get("/issuers/city-centre.json").get_json()
    jsonschema.validate(profile, PROFILE_SCHEMA)
    header = credential.peek(certificate.token)[0]
    assert profile["assertionMethod"] == [header["kid"]]
    assert profile["verificationMethod"][0]["id"] == header["kid"]


def test_jwt_claims_and_kid_url_dereference_to_the_key(world, client):
    certificate = issue(world)
    header, payload = credential.peek(certificate.token)
    assert payload["iss"] == payload["issuer"]["id"]
    assert payload["jti"] == certificate.credential_id
    assert payload["nbf"] == int(NOW.timestamp())
    assert payload["exp"] == int(certificate.valid_until.timestamp())
    assert "sub" not in payload  # the subject has no id: it is identified by name
    assert header["kid"] == f"http://localhost/issuers/city-centre/keys/{certificate.kid}"

    jwk = client.get(header["kid"].removeprefix("http://localhost"))
    assert jwk.status_code == 200 and jwk.mimetype == "application/jwk+json"
    public_key = keys.public_key_from_jwk(jwk.get_json())
    assert credential.verify(certificate.token, public_key)["id"] == certificate.credential_id
    assert client.get("/issuers/city-centre/keys/nope").status_code == 404
    assert client.get(f"/issuers/harbour-hotel/keys/{certificate.kid}").status_code == 404
    jwks = client.get("/issuers/city-centre/keys").get_json()
    assert [k["kid"] for k in jwks["keys"]] == [header["kid"]]


def test_a_credential_signed_the_old_way_still_verifies(world):
    certificate = issue(world)
    key = service.signing_key(db.session, world.org, world.config, NOW)
    old_payload = credential.without_claims(credential.peek(certificate.token)[1])
    private_key = keys.unseal(key.sealed_private_key, world.config.secret)
    old_token = jwt.encode(old_payload, private_key, algorithm="EdDSA",
                           headers={"kid": key.kid, "typ": "vc+jwt", "cty": "vc"})  # fmt: skip
    assert jwt.get_unverified_header(old_token)["kid"] == key.kid  # a bare thumbprint
    result = verification.verify_upload(db.session, credential.envelope_bytes(old_token), NOW)
    assert result.state == "valid" and result.certificate.id == certificate.id


def test_status_list_credential_carries_the_claims(world, client):
    issue(world)
    token = client.get("/status/city-centre/1").get_data(as_text=True)
    header, payload = credential.peek(token)
    assert header["kid"].startswith("http://localhost/issuers/city-centre/keys/")
    assert payload["iss"] == payload["issuer"] == "http://localhost/issuers/city-centre.json"
    assert payload["jti"] == payload["id"] == "http://localhost/status/city-centre/1"
    assert payload["sub"] == payload["credentialSubject"]["id"]
    assert payload["nbf"] > 0


# --- status lists grow; successors ----------------------------------------------------------


def test_status_lists_grow_past_131072(world, client):
    first = issue(world)
    db.session.execute(
        update(Certificate).where(Certificate.id == first.id).values(status_index=131_071)
    )
    db.session.commit()
    second = issue(world, world.other_trainee)
    assert second.status_index == 131_072 and second.status_list_number == 2
    entry = credential.peek(second.token)[1]["credentialStatus"]
    assert entry["statusListCredential"] == "http://localhost/status/city-centre/2"
    assert entry["statusListIndex"] == "0"
    service.revoke_certificate(db.session, world.admin, second, "issued_in_error", NOW)
    db.session.commit()

    for number, revoked_bit in ((1, 131_071), (2, 0)):
        response = client.get(f"/status/city-centre/{number}")
        assert response.status_code == 200
        listed = credential.peek(response.get_data(as_text=True))[1]
        encoded = listed["credentialSubject"]["encodedList"]
        assert status.is_set(encoded, revoked_bit) is (number == 2)
    assert client.get("/status/city-centre/3").status_code == 404
    assert client.get("/status/city-centre/0").status_code == 404
    assert (
        verification.verify_upload(db.session, credential.envelope_bytes(second.token), NOW).state
        == "revoked"
    )


def test_a_replaced_certificate_links_to_its_successor(world, client):
    old = issue(world)
    new = issue(world, override_reason="Re-issued with a corrected name")
    page = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert f"/verify/{new.code}" in page and new.serial in page


# --- one rendering path, one glyph rule -----------------------------------------------------


def test_an_unprintable_name_is_refused_before_anything_is_recorded(world, client, login):
    world.trainee.display_name = "王\U00020000明"
    db.session.commit()
    complete(world.trainee, world.course)
    login(world.admin)
    page = client.post(
        "/orgs/city-centre/certificates/issue",
        data={"issue-user_id": world.trainee.id, "issue-course_slug": world.course.slug},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "U+20000" in page
    assert db.session.scalars(select(Certificate)).all() == []


def test_automatic_issuing_applies_the_same_rule_and_keeps_the_completion(world):
    from course.progress.signals import course_completed

    world.trainee.display_name = "王\U00020000明"
    db.session.commit()
    completion = complete(world.trainee, world.course)
    course_completed.send(world.course, completion=completion, session=db.session, now=NOW)
    db.session.commit()
    assert db.session.scalars(select(Certificate)).all() == []
    audit = db.session.scalars(select(CertificateAudit)).one()
    assert audit.action == "auto-refused" and "U+20000" in audit.reason


def test_the_service_never_renders(world, monkeypatch):
    from course.certificates import pdfs

    calls = []
    monkeypatch.setattr(pdfs, "render_pdf", lambda job: calls.append(job) or b"%PDF-1.7 x")
    complete(world.trainee, world.course)
    certificate = service.issue_certificate(
        db.session, world.admin, world.trainee, world.course, world.org, NOW, world.config
    )
    db.session.flush()
    assert calls == [] and certificate.pdf_key is None
    db.session.commit()
    assert len(calls) == 1  # queued once the transaction committed


def test_completion_receiver_is_connected_by_the_factory():
    from course.certificates import views
    from course.certificates.listeners import issue_on_completion
    from course.progress.signals import course_completed

    assert "listeners" not in vars(views)
    assert issue_on_completion in [r() for r in course_completed.receivers.values()]


# --- stored once, same bytes; missing branding -----------------------------------------------


def test_a_lost_pdf_is_rendered_again_to_the_same_bytes(world, client, login):
    certificate = issue(world)
    original = storage.read(certificate.pdf_key)
    login(world.trainee)
    assert client.get(f"/certificates/{certificate.id}.pdf").data == original
    storage.delete(certificate.pdf_key)
    again = client.get(f"/certificates/{certificate.id}.pdf")
    assert again.status_code == 200 and again.data == original
    assert storage.read(certificate.pdf_key) == original
    db.session.refresh(certificate)
    assert certificate.pdf_sha256 == hashlib.sha256(original).hexdigest()


def test_missing_branding_is_an_error_the_admin_sees_never_a_plainer_pdf(world, client, login):
    world.org.logo_key = "orgs/city-centre/logo.png"  # named, never uploaded (or lost)
    db.session.commit()
    certificate = issue(world)
    assert certificate.pdf_key is None and certificate.pdf_sha256 is None
    login(world.admin)
    manage = client.get("/orgs/city-centre/certificates").get_data(as_text=True)
    assert "missing from the file store" in manage and "logo" in manage
    assert client.get("/orgs/city-centre/certificates/preview.pdf").status_code == 422
    login(world.trainee)
    response = client.get(f"/certificates/{certificate.id}.pdf", follow_redirects=True)
    assert response.mimetype == "text/html" and "logo is missing" in response.get_data(True)
    assert not storage.exists(f"certificates/city-centre/{certificate.serial}.pdf")
