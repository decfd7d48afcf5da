"""Nobody joins an organisation (or a course's instructors) without consent: existing accounts
get invitations, invitations are bound to the invited address, and no page tells whether an
address has an account."""

from __future__ import annotations

import io
import re

from course.extensions import db
from course.orgs.models import Invitation, Membership, StaffImport
from tests.conftest import outbox

CSV = "name,email,role\nOutsider,{email},org_admin\n"


def _mails(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(message["To"], message.get_content()) for message in outbox()]


def _preview(client, org, address):
    """The preview page of a one-row import naming ``address``, with what differs between two
    uploads (the import's number, the address) blanked, and the import."""
    response = client.post(
        f"/orgs/{org.slug}/import",
        data={"file": (io.BytesIO(CSV.format(email=address).encode()), "staff.csv")},
        content_type="multipart/form-data",
    )
    job = db.session.scalars(db.select(StaffImport).order_by(StaffImport.id.desc())).first()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    page = re.sub(r"/imports/\d+", "/imports/N", page).replace(address, "ADDRESS")
    return page, job


def test_an_import_naming_another_organisations_trainee_only_invites_them(
    app, client, create_user, create_org, add_member, login
):
    theirs, mine = create_org(), create_org()
    trainee = create_user(email="trainee@elsewhere.example")
    add_member(trainee, theirs, "trainee")
    admin = create_user()
    add_member(admin, mine, "org_admin")
    login(admin)

    existing_preview, job = _preview(client, mine, trainee.email)
    new_preview, _ = _preview(client, mine, "nobody@elsewhere.example")
    assert existing_preview == new_preview  # the preview does not tell who has an account
    assert "Existing account" not in existing_preview and "E-mailed to join" in new_preview

    assert client.post(f"/orgs/{mine.slug}/imports/{job.id}/confirm").status_code == 302
    assert db.session.scalar(
        db.select(Membership).filter_by(user_id=trainee.id, organisation_id=mine.id)
    ) is None  # fmt: skip
    invitation = db.session.scalar(db.select(Invitation).filter_by(email=trainee.email))
    assert invitation.role == "org_admin" and invitation.accepted_at is None
    to, body = _mails(app)[-1]
    assert to == trainee.email and "/invitations/" in body

    # The holder accepts while signed in with that address, and only then joins.
    link = re.search(r"http://localhost(/invitations/\S+)", body).group(1)
    client.post("/logout")
    login(trainee)
    assert client.post(link).status_code == 302
    member = db.session.scalar(
        db.select(Membership).filter_by(user_id=trainee.id, organisation_id=mine.id)
    )
    assert member.role == "org_admin"


def test_an_invitation_is_refused_to_another_signed_in_account(
    app, client, create_user, create_org, add_member, login
):
    org = create_org()
    admin = create_user()
    add_member(admin, org, "org_admin")
    login(admin)
    client.post(
        f"/orgs/{org.slug}/invite", data={"email": "invited@example.com", "role": "org_admin"}
    )
    link = re.search(r"http://localhost(/invitations/\S+)", _mails(app)[-1][1]).group(1)
    client.post("/logout")

    intruder = create_user(email="intruder@example.com")
    login(intruder)
    for method in ("GET", "POST"):
        response = client.open(link, method=method)
        assert response.status_code == 403
        assert "sent to a different e-mail address" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Membership).filter_by(user_id=intruder.id)) is None
    invitation = db.session.scalar(db.select(Invitation))
    assert invitation.accepted_at is None  # still open for the person it was sent to
