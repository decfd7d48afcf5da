"""Bulk issuing: confirmation, per-trainee outcomes, no silent re-issue, fan-out, the ZIP."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from course import storage
from course.certificates import pdfs, service
from course.certificates.models import BulkIssue, BulkIssueItem, Certificate
from course.extensions import db
from course.orgs.models import Cohort, CohortMember

from .conftest import NOW, complete


@pytest.fixture
def cohort(world, create_user, add_member):
    """Five members: two completed, one holds a valid certificate, one has a name no font
    draws (completed), one has not completed."""
    cohort = Cohort(organisation_id=world.org.id, name="Front desk")
    db.session.add(cohort)
    db.session.flush()
    holder = create_user(display_name="张三")
    odd = create_user(display_name="王\U00020000明")
    third = create_user(display_name="赵六")
    people = [world.trainee, world.other_trainee, holder, odd, third]
    for user in people:
        if user not in (world.trainee, world.other_trainee):
            add_member(user, world.org, "trainee")
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    db.session.commit()
    for user in (world.trainee, holder, odd, third):
        complete(user, world.course)
    held = service.issue_certificate(
        db.session, world.admin, holder, world.course, world.org, NOW, world.config
    )
    db.session.commit()
    return cohort, {"holder": holder, "odd": odd, "held": held, "third": third}


def start(client, world, cohort, **extra):
    data = {"bulk-cohort_id": cohort.id, "bulk-course_slug": world.course.slug, **extra}
    return client.post("/orgs/city-centre/certificates/bulk", data=data)


def outcomes(run_id):
    items = db.session.scalars(select(BulkIssueItem).where(BulkIssueItem.bulk_id == run_id))
    return {item.name: item.outcome for item in items}


def test_bulk_asks_first_then_reports_each_trainee(world, client, login, cohort):
    cohort, people = cohort
    login(world.admin)
    confirm = start(client, world, cohort)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Issue 3 certificates" in page
    assert db.session.scalars(select(BulkIssue)).all() == []  # nothing yet

    response = start(client, world, cohort, **{"bulk-confirmed": "yes"})
    assert response.status_code == 302
    run = db.session.scalars(select(BulkIssue)).one()
    db.session.refresh(run)
    assert run.state == "done" and run.total == 5
    assert outcomes(run.id) == {
        "王小明": "issued", "Li Hua": "ineligible", "张三": "already",
        "王\U00020000明": "failed", "赵六": "issued",
    }  # fmt: skip
    db.session.refresh(people["held"])
    assert people["held"].status == "valid"  # never re-issued unless asked

    report = client.get(f"/orgs/city-centre/certificates/bulk/{run.id}").get_data(as_text=True)
    for words in ("Already held a valid certificate", "Not eligible", "U+20000", "Failed: 1"):
        assert words in report
    progress = client.get(f"/orgs/city-centre/certificates/bulk/{run.id}.json").get_json()
    assert progress["counts"]["issued"] == 2 and progress["verdict"] == "failed"

    with zipfile.ZipFile(io.BytesIO(storage.read(run.zip_key))) as bundle:
        pdf_names = [n for n in bundle.namelist() if n.endswith(".pdf")]
        rows = list(csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode("utf-8-sig"))))
        issued = db.session.scalars(
            select(Certificate).where(Certificate.serial.in_([n[:-4] for n in pdf_names]))
        ).all()
        assert len(issued) == 2
        for certificate in issued:  # the ZIP holds the stored bytes, not other renders
            assert bundle.read(f"{certificate.serial}.pdf") == storage.read(certificate.pdf_key)
    assert {r["name"]: r["result"] for r in rows}["Li Hua"].startswith("not eligible")


def test_reissue_only_when_asked(world, client, login, cohort):
    cohort, people = cohort
    login(world.admin)
    start(client, world, cohort, **{"bulk-confirmed": "yes", "bulk-reissue": "y"})
    run = db.session.scalars(select(BulkIssue)).one()
    assert outcomes(run.id)["张三"] == "issued"
    db.session.refresh(people["held"])
    assert people["held"].status == "superseded"


def test_nobody_eligible_is_not_a_green_success(world, client, login):
    cohort = Cohort(organisation_id=world.org.id, name="Newcomers")
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=world.other_trainee.id))
    db.session.commit()
    login(world.admin)
    confirm = start(client, world, cohort).get_data(as_text=True)
    assert "nothing to issue" in confirm and "bulk-confirmed" not in confirm
    start(client, world, cohort, **{"bulk-confirmed": "yes"})
    run = db.session.scalars(select(BulkIssue)).one()
    page = client.get(f"/orgs/city-centre/certificates/bulk/{run.id}").get_data(as_text=True)
    assert "No certificate was issued" in page and "bulk-verdict nothing" in page
    progress = client.get(f"/orgs/city-centre/certificates/bulk/{run.id}.json").get_json()
    assert progress["verdict"] == "nothing" and progress["counts"]["issued"] == 0


def test_a_failed_render_is_retried_then_reported(world, client, login, cohort, monkeypatch):
    cohort, _people = cohort
    real = pdfs.render_pdf
    attempts: dict[str, int] = {}

    def flaky(job):
        name = job.content.recipient_name
        attempts[name] = attempts.get(name, 0) + 1
        if name == "赵六" or attempts[name] == 1:  # 赵六 always fails; 王小明 once
            raise pdfs.CertificateRenderError("the renderer crashed")
        return real(job)

    monkeypatch.setattr(pdfs, "render_pdf", flaky)
    login(world.admin)
    start(client, world, cohort, **{"bulk-confirmed": "yes"})
    run = db.session.scalars(select(BulkIssue)).one()
    found = outcomes(run.id)
    assert found["王小明"] == "issued" and attempts["王小明"] == 2
    assert found["赵六"] == "failed" and attempts["赵六"] == 3  # tried, retried twice, reported
    item = db.session.scalars(select(BulkIssueItem).where(BulkIssueItem.name == "赵六")).one()
    assert "renderer crashed" in item.error
    db.session.refresh(run)
    assert run.state == "done"


def test_issuing_commits_in_small_batches(world, cohort, monkeypatch):
    from course.certificates import bulk
    from course.certificates.tasks import bulk_issue_task

    cohort, _people = cohort
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)
    commits = []
    original = bulk.issue_batch

    def counting(session, run, config, now, size=bulk.BATCH_SIZE):
        commits.append(size)
        return original(session, run, config, now, size=2)

    monkeypatch.setattr(bulk, "issue_batch", counting)
    run_id = bulk.start_bulk(
        db.session, world.admin, world.org, world.course, cohort, False, NOW
    ).id
    db.session.commit()
    bulk_issue_task(run_id)
    assert len(commits) == 4  # 5 trainees, 2 per transaction, then an empty look


def test_key_rotation_asks_first(world, client, login):
    login(world.admin)
    first = client.post("/orgs/city-centre/certificates/rotate-key")
    assert first.status_code == 200 and "keep verifying" in first.get_data(as_text=True)
    assert service.published_keys(db.session, world.org) == []
    client.post("/orgs/city-centre/certificates/rotate-key", data={"confirmed": "yes"})
    assert len(service.published_keys(db.session, world.org)) == 1
