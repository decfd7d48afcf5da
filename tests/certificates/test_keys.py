"""Signing keys: sealed under the secret, published as JWKs, identified by thumbprint."""

import pytest
from joserfc.jwk import OKPKey

from course.certificates import keys


def test_generated_key_opens_with_the_same_secret_and_signs():
    pair = keys.generate("secret-one")
    private_key = keys.unseal(pair.sealed_private_key, "secret-one")
    public_key = keys.public_key_from_jwk(pair.public_jwk)
    public_key.verify(private_key.sign(b"hello"), b"hello")  # raises if the keys do not match


def test_sealed_key_does_not_open_with_another_secret():
    pair = keys.generate("secret-one")
    with pytest.raises(keys.SealedKeyError):
        keys.unseal(pair.sealed_private_key, "secret-two")


def test_altered_sealed_key_is_refused():
    sealed = keys.generate("s").sealed_private_key
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(keys.SealedKeyError):
        keys.unseal(flipped, "s")


def test_sealed_text_holds_no_raw_key_material():
    pair = keys.generate("s")
    assert pair.public_jwk["x"] not in pair.sealed_private_key
    assert pair.sealed_private_key.startswith("v1.")


def test_kid_is_the_rfc7638_thumbprint_an_independent_library_computes():
    pair = keys.generate("s")
    independent = OKPKey.import_key({k: pair.public_jwk[k] for k in ("kty", "crv", "x")})
    assert pair.kid == independent.thumbprint()
    assert pair.public_jwk["kid"] == pair.kid


def test_non_ed25519_jwk_is_refused():
    with pytest.raises(ValueError):
        keys.public_key_from_jwk({"kty": "EC", "crv": "P-256", "x": "AA"})
