"""Certificate PDFs show in the metrics: each one counted once, when it is stored."""

from __future__ import annotations

from course.extensions import db
from tests.certificates.conftest import NOW, complete
from tests.conftest import PASSWORD
from tests.foundation.test_operations import _sample


def test_a_stored_certificate_pdf_is_counted_once(app, world):
    from course.certificates import service

    complete(world.trainee, world.course)
    certificate = service.issue_certificate(
        db.session, world.admin, world.trainee, world.course, world.org, NOW, world.config
    )
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": world.trainee.email, "password": PASSWORD})

    def rendered() -> float:
        text = client.get("/metrics").get_data(as_text=True)
        return _sample(text, "course_certificates_rendered_total", outcome="stored")

    before = rendered()
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 200
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 200
    assert rendered() - before <= 1  # rendered at issue or on the first download, never twice
    assert rendered() >= 1
