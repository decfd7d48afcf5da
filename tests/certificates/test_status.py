"""Bitstring status lists: encoding, reading back, and the published credential."""

import base64
import gzip
from datetime import UTC, datetime

import pytest

from course.certificates import status


def test_revoked_indexes_read_back_and_others_do_not():
    encoded = status.encode({0, 7, 8, 131_071})
    for index in (0, 7, 8, 131_071):
        assert status.is_set(encoded, index)
    for index in (1, 6, 9, 1000, 131_070):
        assert not status.is_set(encoded, index)


def test_encoding_follows_the_spec_multibase_gzip_msb_first():
    encoded = status.encode({1})
    assert encoded.startswith("u")
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 == status.MIN_LENGTH
    assert raw[0] == 0b0100_0000


def test_index_outside_the_list_is_an_error():
    with pytest.raises(status.StatusListError):
        status.encode({status.MIN_LENGTH})
    with pytest.raises(status.StatusListError):
        status.decode("zNotMultibase")


def test_status_list_credential_shape():
    now = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    doc = status.status_list_credential("https://x.test/status/org/1", "https://x.test/i", {3}, now)
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["validFrom"] == "2026-11-23T08:30:00Z"
    subject = doc["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    assert status.is_set(subject["encodedList"], 3)
    assert not status.is_set(subject["encodedList"], 2)
