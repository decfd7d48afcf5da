"""Open Badges 3.0 credentials: shape, schema, signature checked by an independent library."""

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from joserfc import jws
from joserfc.jwk import OKPKey

from course.certificates import credential, keys

SCHEMA = json.loads(
    (
        Path(__file__).parents[1] / "fixtures" / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)


def make_facts(**overrides):
    values = dict(
        credential_id="urn:uuid:5f0c3f4e-1b7a-4d7e-9a53-8e4f2f3b9c10",
        serial="STC-2026-000001",
        issuer=credential.IssuerFacts(
            id="https://x.test/issuers/city.json", name="示例市政务服务中心"
        ),
        recipient_name="王小明",
        achievement_id="https://x.test/courses/service-team-collaboration",
        course_title="服务团队协作",
        course_summary="面向窗口工作人员的协作课程",
        criteria="完成全部课程、测验与案例。",
        hours=6,
        language="zh-CN",
        completed_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
        valid_from=datetime(2026, 11, 23, 9, 5, tzinfo=UTC),
        valid_until=datetime(2028, 11, 23, 9, 5, tzinfo=UTC),
        final_score=0.92,
        status_list_url="https://x.test/status/city/1",
        status_index=42,
    )
    values.update(overrides)
    return credential.CredentialFacts(**values)


@pytest.fixture(scope="module")
def pair():
    generated = keys.generate("secret")
    return generated, keys.unseal(generated.sealed_private_key, "secret")


def test_credential_validates_against_the_open_badges_schema():
    doc = credential.build_credential(make_facts())
    jsonschema.validate(doc, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert doc["validUntil"] == "2028-11-23T09:05:00Z"
    assert doc["credentialSubject"]["identifier"][0]["identityHash"] == "王小明"
    assert doc["credentialStatus"]["statusListIndex"] == "42"


def test_schema_rejects_a_credential_without_achievement():
    doc = credential.build_credential(make_facts())
    del doc["credentialSubject"]["achievement"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


def test_no_expiry_and_no_score_are_left_out():
    doc = credential.build_credential(make_facts(valid_until=None, final_score=None))
    assert "validUntil" not in doc
    assert "result" not in doc["credentialSubject"]
    jsonschema.validate(doc, SCHEMA)


# RFC 9864 deprecates the polymorphic "EdDSA" name in favour of "Ed25519"; PyJWT and most VC
# verifiers still only know "EdDSA", so that is what we sign with (see docs/certificates.md).
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_signature_verifies_with_joserfc(pair):
    generated, private_key = pair
    doc = credential.build_credential(make_facts())
    token = credential.sign(doc, private_key, generated.kid)
    key = OKPKey.import_key(generated.public_jwk)
    result = jws.deserialize_compact(token, key, algorithms=["EdDSA"])
    assert credential.without_claims(json.loads(result.payload)) == doc
    assert result.protected["kid"] == generated.kid
    assert result.protected["typ"] == "vc+jwt"


def test_verify_returns_the_credential_and_rejects_tampering(pair):
    generated, private_key = pair
    doc = credential.build_credential(make_facts())
    token = credential.sign(doc, private_key, generated.kid)
    public_key = keys.public_key_from_jwk(generated.public_jwk)
    assert credential.without_claims(credential.verify(token, public_key)) == doc

    header, payload, signature = token.split(".")
    forged = dict(doc, name="伪造课程")
    forged_payload = keys.b64url(json.dumps(forged).encode())
    with pytest.raises(credential.CredentialError) as caught:
        credential.verify(f"{header}.{forged_payload}.{signature}", public_key)
    assert caught.value.reason == "bad-signature"
    assert credential.differences(
        credential.peek(f"{header}.{forged_payload}.{signature}")[1], doc
    ) == ["name"]


def test_the_jwt_carries_open_badges_claims(pair):
    generated, private_key = pair
    doc = credential.build_credential(make_facts())
    doc["credentialSubject"]["id"] = "did:example:holder"
    token = credential.sign(doc, private_key, "https://x.test/issuers/city/keys/abc")
    payload = credential.peek(token)[1]
    assert payload["iss"] == "https://x.test/issuers/city.json"
    assert payload["jti"] == doc["id"]
    assert payload["nbf"] == int(datetime(2026, 11, 23, 9, 5, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2028, 11, 23, 9, 5, tzinfo=UTC).timestamp())
    assert payload["sub"] == "did:example:holder"
    no_expiry = credential.build_credential(make_facts(valid_until=None))
    assert not {"exp", "sub"} & set(
        credential.peek(credential.sign(no_expiry, private_key, "k"))[1]
    )


def test_claims_that_disagree_with_the_credential_are_refused(pair):
    generated, private_key = pair
    doc = credential.build_credential(make_facts())
    lying = {**doc, **credential.jwt_claims(doc), "iss": "https://evil.test/issuer.json"}
    import jwt

    token = jwt.encode(lying, private_key, algorithm="EdDSA", headers={"kid": generated.kid})
    with pytest.raises(credential.CredentialError) as caught:
        credential.verify(token, keys.public_key_from_jwk(generated.public_jwk))
    assert caught.value.reason == "claims"


def test_key_thumbprint_from_url_or_bare_kid():
    assert credential.key_thumbprint("https://x.test/issuers/city/keys/AbC_1") == "AbC_1"
    assert credential.key_thumbprint("AbC_1") == "AbC_1"  # tokens signed before kid URLs
    assert credential.key_thumbprint("https://x.test/other/AbC_1") is None
    assert credential.key_thumbprint(None) is None


def test_another_key_does_not_verify(pair):
    generated, private_key = pair
    token = credential.sign(credential.build_credential(make_facts()), private_key, generated.kid)
    other = keys.public_key_from_jwk(keys.generate("x").public_jwk)
    with pytest.raises(credential.CredentialError):
        credential.verify(token, other)


def test_envelope_round_trip_and_unreadable_files(pair):
    generated, private_key = pair
    token = credential.sign(credential.build_credential(make_facts()), private_key, generated.kid)
    data = credential.envelope_bytes(token)
    assert json.loads(data)["type"] == "EnvelopedVerifiableCredential"
    assert credential.extract_token(data) == token
    assert credential.extract_token(token + "\n") == token
    unsigned = json.dumps(credential.build_credential(make_facts()))
    with pytest.raises(credential.CredentialError) as caught:
        credential.extract_token(unsigned)
    assert caught.value.reason == "unsigned"
    with pytest.raises(credential.CredentialError):
        credential.extract_token(b"%PDF-1.7 not json")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        credential.iso(datetime(2026, 1, 1))
