"""The web editor: create a course, edit its draft's files with a live preview, check, publish,
compare versions, export and upload package zips."""

from __future__ import annotations

from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from course import policy
from course.accounts.tasks import send_mail_task
from course.authoring import editor, invitations, service
from course.authoring.blueprint import bp, course_or_404, draft_or_redirect
from course.authoring.files import MAX_IMAGE_BYTES, AssetError, file_kind, lesson_text
from course.catalog.models import Course
from course.db import utcnow
from course.extensions import db
from course.i18n import LOCALES, localized
from course.links import external_url
from course.web import send_untrusted

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from course.catalog.models import Course


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The courses the signed-in instructor authors, and forms to create or upload one."""
    policy.require(current_user, "course.create")
    courses = service.authored_courses(db.session, current_user)
    return render_template("authoring/index.html", courses=courses, locales=LOCALES)


@bp.post("/new")
@login_required
def create() -> ResponseReturnValue:
    """Create a course with starter files and open its draft."""
    policy.require(current_user, "course.create")
    slug = request.form.get("slug", "").strip()
    titles = {locale: request.form.get(f"title-{locale}", "").strip() for locale in LOCALES}
    try:
        service.create_course(db.session, current_user, slug, titles, utcnow())
    except service.AuthoringError as error:
        db.session.rollback()
        flash(_("The course was not created: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("authoring.index"))
    db.session.commit()
    flash(_("Course created. Edit its draft, then publish it."), "success")
    return redirect(url_for("authoring.course", slug=slug))


@bp.get("/<slug>")
@login_required
def course(slug: str) -> ResponseReturnValue:
    """A course's authoring home: its draft's files, versions, instructors and actions."""
    course = course_or_404(slug)
    draft = service.get_draft(db.session, course)
    files = service.draft_files(db.session, draft) if draft else []
    return render_template(
        "authoring/course.html",
        course=course,
        draft=draft,
        groups=editor.group_files(files),
        versions=service.versions_of(db.session, course),
        instructors=service.instructors_of(db.session, course),
        file_kind=file_kind,
    )


@bp.post("/<slug>/draft")
@login_required
def start_draft(slug: str) -> ResponseReturnValue:
    """Open a draft copied from the current version."""
    course = course_or_404(slug)
    service.start_draft(db.session, current_user, course, utcnow())
    db.session.commit()
    return redirect(url_for("authoring.course", slug=slug))


@bp.post("/<slug>/draft/discard")
@login_required
def discard(slug: str) -> ResponseReturnValue:
    """Throw the draft away."""
    course = course_or_404(slug)
    service.discard_draft(db.session, current_user, draft_or_redirect(course))
    db.session.commit()
    flash(_("The draft was discarded."), "info")
    return redirect(url_for("authoring.course", slug=slug))


@bp.route("/<slug>/edit/<area>/<path:path>", methods=["GET", "POST"])
@login_required
def edit(slug: str, area: str, path: str) -> ResponseReturnValue:
    """Edit one text file of the draft; POST saves it (or only previews it, without JS)."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    current = service.get_file(db.session, draft, area, path)
    if current is None or not editor.editable(path):
        abort(404)
    text = current.data.decode("utf-8", "replace")
    revision, conflict, preview = current.revision, None, None
    if request.method == "POST":
        text = request.form.get("text", "")
        if request.form.get("action") == "preview":
            preview = _preview(course, path, text)
            revision = request.form.get("revision", type=int) or 0
        else:
            try:
                current = service.save_file(
                    db.session, current_user, draft, area, path, text,
                    request.form.get("revision", type=int) or 0, utcnow(),
                )  # fmt: skip
            except service.EditConflict as clash:
                conflict = clash
                revision = clash.file.revision
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("authoring.edit", slug=slug, area=area, path=path))
    problems = editor.split_problems(service.check_draft(db.session, draft, slug), slug)
    findings = editor.split_problems(service.draft_quality(db.session, draft, slug), slug)
    file_findings = findings.get((area, path), [])
    return render_template(
        "authoring/edit.html",
        warnings=editor.warnings(file_findings, _, {f.file: text for f in file_findings}),
        course=course,
        file=current,
        area=area,
        path=path,
        text=text,
        revision=revision,
        conflict=conflict,
        preview=preview,
        kind=file_kind(area, path),
        problems=editor.file_problems(problems.get((area, path), []), text),
        other_problems=sum(len(v) for k, v in problems.items() if k != (area, path)),
        case_map=editor.map_for(area, path, text),
    )


def _preview(course: Course, path: str, text: str) -> str:
    return editor.preview_html(
        path, text, lambda name: url_for("authoring.draft_asset", slug=course.slug, name=name)
    )


@bp.post("/<slug>/preview")
@login_required
def preview(slug: str) -> ResponseReturnValue:
    """The live preview: sanitised HTML of the posted Markdown, as JSON."""
    course = course_or_404(slug)
    path = request.form.get("path", "")
    return {"html": _preview(course, path, request.form.get("text", ""))}


@bp.post("/<slug>/files")
@login_required
def add_file(slug: str) -> ResponseReturnValue:
    """Add a lesson, case or quiz file to the draft, with starter text."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    area = request.form.get("area", "content")
    path = request.form.get("path", "").strip().strip("/")
    kind = file_kind(area, path).kind
    starter = {
        "lesson": lesson_text(_("New lesson"), _("Write the lesson here."), ()).decode(),
        "quiz": "title: {zh-CN: 测验, en: Quiz}\npass_mark: 0.7\nquestions: []\n",
        "case": "---\ntitle: \n---\n\n## \n",
        "module": "title: \nobjectives: []\nitems: []\n",
    }.get(kind)
    if starter is None:
        flash(_("Use a path such as 01-module/02-lesson.zh-CN.md or cases/my-case.en.md."), "error")
        return redirect(url_for("authoring.course", slug=slug))
    try:
        service.save_file(db.session, current_user, draft, area, path, starter, 0, utcnow())
    except (service.EditConflict, service.AuthoringError):
        db.session.rollback()
        flash(_("That file already exists."), "error")
        return redirect(url_for("authoring.course", slug=slug))
    db.session.commit()
    return redirect(url_for("authoring.edit", slug=slug, area=area, path=path))


@bp.post("/<slug>/files/delete")
@login_required
def delete_file(slug: str) -> ResponseReturnValue:
    """Remove a file from the draft."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    area, path = request.form.get("area", ""), request.form.get("path", "")
    try:
        service.delete_file(
            db.session, current_user, draft, area, path,
            request.form.get("revision", type=int) or 0, utcnow(),
        )  # fmt: skip
    except service.EditConflict:
        db.session.rollback()
        flash(
            _("Someone changed that file since you opened this page; it was not removed."), "error"
        )
        return redirect(url_for("authoring.course", slug=slug))
    db.session.commit()
    flash(_("Removed %(path)s.", path=path), "info")
    return redirect(url_for("authoring.course", slug=slug))


@bp.post("/<slug>/assets")
@login_required
def upload_asset(slug: str) -> ResponseReturnValue:
    """Upload an image into the draft's assets/ folder."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    image = request.files.get("image")
    limit = current_app.config.get("AUTHORING_MAX_IMAGE_BYTES", MAX_IMAGE_BYTES)
    try:
        row = service.upload_asset(
            db.session, current_user, draft, image.filename if image else "",
            image.read() if image else b"", utcnow(), limit,
        )  # fmt: skip
    except AssetError as error:
        db.session.rollback()
        flash(_("The image was not uploaded: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("authoring.course", slug=slug))
    db.session.commit()
    flash(
        _("Uploaded. Use it in a lesson as ![description](../%(path)s)", path=row.path), "success"
    )
    return redirect(url_for("authoring.course", slug=slug))


@bp.get("/<slug>/draft/assets/<name>")
@login_required
def draft_asset(slug: str, name: str) -> ResponseReturnValue:
    """An image of the draft, for the preview."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    row = service.get_file(db.session, draft, "content", f"assets/{name}")
    if row is None:
        abort(404)
    return send_untrusted(row.data, name, cache_control="private, no-cache")


@bp.get("/<slug>/check")
@login_required
def check(slug: str) -> ResponseReturnValue:
    """Every problem the checker finds in the draft."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    problems = service.check_draft(db.session, draft, slug)
    warnings = editor.warnings(service.draft_quality(db.session, draft, slug), _)
    return render_template(
        "authoring/problems.html", problems=problems, warnings=warnings, course=course
    )


@bp.post("/<slug>/publish")
@login_required
def publish(slug: str) -> ResponseReturnValue:
    """Check the draft and publish it as the course's new version."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    warnings = editor.warnings(service.draft_quality(db.session, draft, slug), _)
    result = service.publish(db.session, current_user, course, draft, utcnow())
    if result.problems:
        db.session.rollback()
        return render_template(
            "authoring/problems.html", problems=result.problems, warnings=warnings, course=course
        )
    db.session.commit()
    open_warnings = sum(1 for warning in warnings if not warning.waived)
    if open_warnings:
        flash(
            ngettext(
                "Published with %(num)s unwaived assessment-quality warning.",
                "Published with %(num)s unwaived assessment-quality warnings.",
                open_warnings,
            ),
            "warning",
        )
    if result.created:
        flash(_("Version %(number)s published.", number=result.version.number), "success")
    else:
        flash(_("Nothing had changed; the current version stays."), "info")
    return redirect(url_for("authoring.course", slug=slug))


@bp.get("/<slug>/diff")
@login_required
def diff(slug: str) -> ResponseReturnValue:
    """What changed between two versions, or from a version to the draft."""
    course = course_or_404(slug)
    old = request.args.get("from", type=int) or max(course.current_number, 1)
    target = request.args.get("to", "draft")
    new = None if target == "draft" else int(target) if target.isdigit() else abort(404)
    try:
        diffs = service.compare(db.session, course, old, new)
    except LookupError:
        abort(404)
    return render_template("authoring/diff.html", course=course, diffs=diffs, old=old, new=new)


@bp.post("/<slug>/instructors")
@login_required
def add_instructor(slug: str) -> ResponseReturnValue:
    """Invite a co-instructor by e-mail address (the same answer whether or not the address has
    an account; the course gains the instructor when the invitation is accepted)."""
    course = course_or_404(slug)
    try:
        email = validate_email(request.form.get("email", ""), check_deliverability=False)
    except EmailNotValidError:
        flash(_("Enter a valid e-mail address."), "error")
        return redirect(url_for("authoring.course", slug=slug))
    address = email.normalized.lower()
    invitation, token = invitations.invite_instructor(
        db.session, current_user, course, address, utcnow()
    )
    db.session.commit()
    send_mail_task(
        address,
        _("You are invited to teach %(course)s", course=localized(course.title)),
        _(
            "Open this link to become an instructor of this course, signed in with this e-mail "
            "address (%(email)s):\n\n%(link)s",
            email=address,
            link=external_url("authoring.accept_invitation", token=token),
        ),
    )
    flash(_("An invitation has been sent to %(email)s.", email=address), "success")
    return redirect(url_for("authoring.course", slug=slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str) -> ResponseReturnValue:
    """Accept an invitation to co-instruct a course, signed in with the invited address."""
    invitation = invitations.find_invitation(db.session, token, utcnow())
    if invitation is None:
        return render_template("orgs/invitation_invalid.html"), 404
    course = db.session.get(Course, invitation.course_id)
    if not policy.can(current_user, "authoring.invitation.accept", invitation):
        return render_template("authoring/invitation_wrong_account.html", course=course), 403
    if request.method == "POST":
        invitations.accept_invitation(db.session, invitation, current_user, utcnow())
        db.session.commit()
        flash(_("You can now edit %(course)s.", course=localized(course.title)), "success")
        return redirect(url_for("authoring.course", slug=course.slug))
    return render_template("authoring/accept_invitation.html", course=course)
