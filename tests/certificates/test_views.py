"""The certificate pages over HTTP: access rules, downloads, public verification, JSON."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from course.certificates import credential, service
from course.certificates.models import Certificate
from course.extensions import db
from course.orgs.models import Cohort, CohortMember

from .conftest import NOW, complete


def issued(world, user=None, render_pdf=False):
    user = user or world.trainee
    complete(user, world.course)
    certificate = service.issue_certificate(
        db.session, None, user, world.course, world.org, NOW, world.config, render_pdf=render_pdf
    )
    db.session.commit()
    return certificate


def test_trainee_cannot_fetch_another_trainees_certificate(world, client, login):
    certificate = issued(world, world.other_trainee)
    login(world.trainee)
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    assert client.get(f"/certificates/{certificate.id}.json").status_code == 403
    visibility = client.post(f"/certificates/{certificate.id}/visibility", data={"public": "0"})
    assert visibility.status_code == 403


def test_holder_downloads_pdf_and_json_and_hides_it(world, client, login):
    certificate = issued(world)
    login(world.trainee)
    page = client.get("/certificates").get_data(as_text=True)
    assert certificate.serial in page and "linkedin.com/profile/add" in page
    pdf = client.get(f"/certificates/{certificate.id}.pdf")  # rendered on first download
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    envelope = json.loads(client.get(f"/certificates/{certificate.id}.json").data)
    assert credential.extract_token(json.dumps(envelope)) == certificate.token
    client.post(f"/certificates/{certificate.id}/visibility", data={"public": "0"})
    listing = client.get("/issuers/city-centre").get_data(as_text=True)
    assert certificate.serial not in listing
    assert client.get(f"/verify/{certificate.code}").status_code == 200  # still by code


def test_admin_of_another_organisation_cannot_issue_or_revoke(world, client, login):
    certificate = issued(world)
    login(world.other_admin)
    assert client.get("/orgs/city-centre/certificates").status_code == 403
    response = client.post(
        "/orgs/city-centre/certificates/issue",
        data={"issue-user_id": world.trainee.id, "issue-course_slug": world.course.slug,
              "issue-override_reason": "x"},
    )  # fmt: skip
    assert response.status_code == 403
    response = client.post(
        f"/orgs/city-centre/certificates/{certificate.id}/revoke", data={"reason": "no"}
    )
    assert response.status_code == 403
    # nor through their own organisation's address
    response = client.post(
        f"/orgs/harbour-hotel/certificates/{certificate.id}/revoke", data={"reason": "no"}
    )
    assert response.status_code == 404
    db.session.refresh(certificate)
    assert certificate.status == "valid"


def test_admin_issues_with_override_and_revokes(world, client, login):
    login(world.admin)
    assert client.get("/orgs/city-centre/certificates").status_code == 200
    # The trainee is found by a search, not picked from a list of every member.
    page = client.get("/orgs/city-centre/certificates").get_data(as_text=True)
    assert f'name="issue-user_id" value="{world.trainee.id}"' not in page
    page = client.get("/orgs/city-centre/certificates?trainee_q=王小").get_data(as_text=True)
    assert f'name="issue-user_id" value="{world.trainee.id}"' in page
    found = client.get("/orgs/city-centre/certificates/trainees.json?q=王小").get_json()
    assert [person["id"] for person in found["results"]] == [world.trainee.id]
    assert client.get("/orgs/city-centre/certificates/trainees.json?q=zzz").get_json() == {
        "results": []
    }
    refused = client.post(
        "/orgs/city-centre/certificates/issue",
        data={"issue-user_id": world.trainee.id, "issue-course_slug": world.course.slug},
        follow_redirects=True,
    )
    assert "override needs a reason" in refused.get_data(as_text=True)
    client.post(
        "/orgs/city-centre/certificates/issue",
        data={"issue-user_id": world.trainee.id, "issue-course_slug": world.course.slug,
              "issue-override_reason": "Classroom session, 3 May"},
    )  # fmt: skip
    certificate = db.session.scalars(select(Certificate)).one()
    assert certificate.pdf_key
    client.post(
        f"/orgs/city-centre/certificates/{certificate.id}/revoke", data={"reason": "Wrong person"}
    )
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Wrong person" in page and "Revoked" in page


def test_public_verification_pages_and_json(world, client):
    certificate = issued(world)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "王小明" in page and certificate.serial in page and "Valid" in page
    assert "@" not in page.split("<main", 1)[1]  # no e-mail address leaks
    assert client.get("/verify/not-a-real-code").status_code == 404
    assert client.get(f"/verify?code={certificate.code}").status_code == 302

    facts = client.get(f"/api/verify/{certificate.code}").get_json()
    assert facts["state"] == "valid" and facts["name"] == "王小明"

    upload = credential.envelope_bytes(certificate.token)
    answer = client.post("/api/verify", data=upload, content_type="application/json")
    assert answer.status_code == 200 and answer.get_json()["state"] == "valid"
    forged = upload.replace(b"ey", b"eX", 1)
    answer = client.post("/api/verify", data={"file": (io.BytesIO(forged), "c.json")})
    assert answer.status_code == 422 and answer.get_json()["state"] == "invalid"
    html = client.post("/verify", data={"file": (io.BytesIO(upload), "c.json")})
    assert html.status_code == 200 and "The signature is valid" in html.get_data(as_text=True)


def test_published_issuer_keys_and_status_list(world, client):
    certificate = issued(world)
    profile = client.get("/issuers/city-centre.json").get_json()
    assert profile["type"] == ["Profile"] and profile["id"].endswith("/issuers/city-centre.json")
    jwks = client.get("/issuers/city-centre/keys").get_json()
    assert [k["kid"] for k in jwks["keys"]] == [certificate.kid]
    response = client.get("/status/city-centre/1")
    assert response.mimetype == "application/vc+jwt" and response.data.count(b".") == 2


def test_verification_is_rate_limited(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [client.get("/verify/x").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429


def test_bulk_issue_reports_failures_and_packages_a_zip(world, client, login, app):
    import zipfile

    from course import storage
    from course.certificates.models import BulkIssue

    cohort = Cohort(organisation_id=world.org.id, name="Front desk")
    db.session.add(cohort)
    db.session.flush()
    for user in (world.trainee, world.other_trainee):
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    db.session.commit()
    complete(world.trainee, world.course)  # the other trainee has not completed
    app.config["CERTIFICATE_WORKERS"] = 1
    login(world.admin)
    response = client.post(
        "/orgs/city-centre/certificates/bulk",
        data={"bulk-cohort_id": cohort.id, "bulk-course_slug": world.course.slug},
    )
    assert response.status_code == 302
    job = db.session.scalars(select(BulkIssue)).one()
    db.session.refresh(job)
    assert (job.state, job.total, job.done) == ("done", 2, 2)
    assert [f["name"] for f in job.failures] == ["Li Hua"]
    progress = client.get(f"/orgs/city-centre/certificates/bulk/{job.id}.json").get_json()
    assert progress["percent"] == 100
    with zipfile.ZipFile(io.BytesIO(storage.read(job.zip_key))) as bundle:
        names = bundle.namelist()
        manifest = bundle.read("manifest.csv").decode("utf-8-sig")
    assert "manifest.csv" in names and len([n for n in names if n.endswith(".pdf")]) == 1
    assert "王小明" in manifest and "Li Hua" in manifest and "not issued" in manifest


def test_json_verification_needs_no_csrf_token_but_the_form_does(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    answer = client.post("/api/verify", data=b"not a credential", content_type="text/plain")
    assert answer.status_code == 422 and answer.get_json()["checks"][0]["ok"] is False
    form = client.post("/verify", data={"file": (io.BytesIO(b"x"), "c.json")})
    assert form.status_code == 400  # the browser form still needs its CSRF token


def test_preview_renders_the_template_with_the_organisations_logo(world, client, login, tmp_path):
    import subprocess

    from PIL import Image

    from course import storage

    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (200, 30, 30)).save(buffer, "PNG")
    storage.save("orgs/logo.png", buffer.getvalue())
    world.org.logo_key = "orgs/logo.png"
    db.session.commit()

    login(world.other_admin)
    assert client.get("/orgs/city-centre/certificates/preview.pdf").status_code == 403
    client.post("/logout")
    login(world.admin)
    response = client.get("/orgs/city-centre/certificates/preview.pdf?template=default")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "preview.pdf"
    pdf.write_bytes(response.data)
    images = subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True).stdout
    assert any(line.split()[3:5] == ["120", "60"] for line in images.splitlines()[2:])
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    assert "City Centre" in text and "王小明" in text  # the org's name, the sample trainee
    assert client.get("/orgs/city-centre/certificates/preview.pdf?template=../x").status_code == 404


def test_the_trainee_picker_only_finds_and_issues_to_members(world, client, login, create_user):
    outsider = create_user(display_name="王小外")
    login(world.admin)
    found = client.get("/orgs/city-centre/certificates/trainees.json?q=王小").get_json()
    assert outsider.id not in [person["id"] for person in found["results"]]
    client.post(
        "/orgs/city-centre/certificates/issue",
        data={"issue-user_id": outsider.id, "issue-course_slug": world.course.slug,
              "issue-override_reason": "no"},
    )  # fmt: skip
    assert db.session.scalars(select(Certificate)).all() == []
    client.post("/logout")
    login(world.other_admin)
    assert client.get("/orgs/city-centre/certificates/trainees.json?q=王").status_code == 403


def test_the_certificate_list_pages_and_filters(world, client, login):
    issued(world)
    issued(world, world.other_trainee)
    login(world.admin)
    page = client.get("/orgs/city-centre/certificates").get_data(as_text=True)
    assert "(2)" in page
    only = client.get("/orgs/city-centre/certificates?q=Li%20Hua").get_data(as_text=True)
    assert "(1)" in only and "王小明" not in only.split("issued-heading", 1)[1]
