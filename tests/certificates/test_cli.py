"""``course certificates``: rotate a key, verify a file."""

from __future__ import annotations

from course.certificates import credential, service
from course.extensions import db

from .conftest import NOW, complete


def test_rotate_key_then_verify_an_old_credential(world, runner, tmp_path):
    complete(world.trainee, world.course)
    certificate = service.issue_certificate(
        db.session, None, world.trainee, world.course, world.org, NOW, world.config
    )
    db.session.commit()
    rotated = runner.invoke(args=["certificates", "rotate-key", "city-centre"])
    assert rotated.exit_code == 0 and "now signing with key" in rotated.output
    assert certificate.kid not in rotated.output

    good = tmp_path / "good.json"
    good.write_bytes(credential.envelope_bytes(certificate.token))
    result = runner.invoke(args=["certificates", "verify", str(good)])
    assert result.exit_code == 0 and "state: valid" in result.output

    bad = tmp_path / "bad.json"
    bad.write_text('{"type": ["VerifiableCredential", "OpenBadgeCredential"]}')
    result = runner.invoke(args=["certificates", "verify", str(bad)])
    assert result.exit_code == 1 and "unsigned credential" in result.output


def test_unknown_organisation_is_a_clear_error(world, runner):
    result = runner.invoke(args=["certificates", "rotate-key", "nowhere"])
    assert result.exit_code != 0 and "no organisation 'nowhere'" in result.output
