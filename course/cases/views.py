"""Case study pages: playing a case scene by scene (plain forms, no JavaScript needed), the
debrief with reflections, and the instructor's choice distributions and review queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from course.cases import review, service
from course.cases.models import CasePlay, Reflection
from course.cases.scenario import ScenarioError
from course.catalog.models import Course
from course.dashboard import sections
from course.db import utcnow
from course.extensions import db
from course.orgs.models import Cohort
from course.policy import (
    can,
    instructs,
    require,
    taught_organisation_ids,
    taught_user_ids,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from flask.typing import ResponseReturnValue

    from course.accounts.models import User


bp = Blueprint("cases", __name__)

COMPETENCY_NAMES = {
    "communication": _l("Communication"),
    "roles": _l("Roles and responsibilities"),
    "tools": _l("Collaboration tools"),
    "trust": _l("Trust"),
    "citizen-focus": _l("Citizen and guest focus"),
}


@sections.register("reviews", "cases/_dashboard.html", order=30)
def _dashboard_section(user: User, now: datetime):
    """For instructors: the courses with reflections waiting for review."""
    if not can(user, "cases.report", None):
        return None
    waiting = review.waiting_by_course(db.session, taught_user_ids(user))
    return {"waiting": waiting} if waiting else None


@bp.context_processor
def _names():
    return {"COMPETENCY_NAMES": COMPETENCY_NAMES}


def _course_or_404(course_slug: str) -> Course:
    return db.first_or_404(select(Course).where(Course.slug == course_slug))


def _case_or_404(course: Course, case_slug: str) -> dict:
    try:
        return service.case_definition(db.session, course, case_slug)[1]
    except service.CaseNotFound:
        abort(404)


def _own_play(course_slug: str, case_slug: str, play_id: int) -> CasePlay:
    play = db.first_or_404(
        select(CasePlay)
        .join(Course, Course.id == CasePlay.course_id)
        .where(CasePlay.id == play_id, CasePlay.case_slug == case_slug, Course.slug == course_slug)
    )
    require(current_user, "cases.play", play)
    return play


@bp.get("/courses/<course_slug>/cases/<case_slug>")
@login_required
def case(course_slug: str, case_slug: str) -> ResponseReturnValue:
    """The case's introduction, the trainee's earlier plays, and a button to start."""
    course = _course_or_404(course_slug)
    definition = _case_or_404(course, case_slug)
    require(current_user, "cases.start", course)
    plays = service.plays_of(db.session, current_user.id, course.id, case_slug)
    return render_template(
        "cases/case.html",
        course=course,
        case=definition,
        plays=plays,
        scene_count=len(definition["scenes"]),
    )


@bp.post("/courses/<course_slug>/cases/<case_slug>/plays")
@login_required
def start(course_slug: str, case_slug: str) -> ResponseReturnValue:
    """Start a new play (every play is kept) and show its first scene."""
    course = _course_or_404(course_slug)
    _case_or_404(course, case_slug)
    require(current_user, "cases.start", course)
    play = service.start_play(db.session, current_user, course, case_slug, utcnow())
    db.session.commit()
    return redirect(
        url_for("cases.play", course_slug=course_slug, case_slug=case_slug, play_id=play.id)
    )


@bp.get("/courses/<course_slug>/cases/<case_slug>/plays/<int:play_id>")
@login_required
def play(course_slug: str, case_slug: str, play_id: int) -> ResponseReturnValue:
    """The current scene with its choices; an ended play goes to its debrief."""
    current = _own_play(course_slug, case_slug, play_id)
    if current.ended:
        return redirect(
            url_for("cases.debrief", course_slug=course_slug, case_slug=case_slug, play_id=play_id)
        )
    state = service.play_state(db.session, current)
    return render_template(
        "cases/play.html", course_slug=course_slug, state=state, case=state.definition
    )


@bp.post("/courses/<course_slug>/cases/<case_slug>/plays/<int:play_id>/choose")
@login_required
def choose(course_slug: str, case_slug: str, play_id: int) -> ResponseReturnValue:
    """Take one choice of the scene named in the form."""
    current = _own_play(course_slug, case_slug, play_id)
    try:
        index = int(request.form.get("choice", ""))
        service.choose(
            db.session, current_user, current, request.form.get("scene", ""), index, utcnow()
        )
    except (ValueError, ScenarioError):
        abort(400)
    db.session.commit()
    return redirect(
        url_for("cases.play", course_slug=course_slug, case_slug=case_slug, play_id=play_id)
    )


@bp.post("/courses/<course_slug>/cases/<case_slug>/plays/<int:play_id>/back")
@login_required
def back(course_slug: str, case_slug: str, play_id: int) -> ResponseReturnValue:
    """Undo the last choice, where the case allows it."""
    current = _own_play(course_slug, case_slug, play_id)
    try:
        service.go_back(db.session, current_user, current, request.form.get("scene", ""), utcnow())
    except ScenarioError:
        flash(_("You cannot step back from this scene."), "error")
    db.session.commit()
    return redirect(
        url_for("cases.play", course_slug=course_slug, case_slug=case_slug, play_id=play_id)
    )


@bp.get("/courses/<course_slug>/cases/<case_slug>/plays/<int:play_id>/debrief")
@login_required
def debrief(course_slug: str, case_slug: str, play_id: int) -> ResponseReturnValue:
    """The ending, its debrief, the path, score and competencies, and the reflections."""
    current = _own_play(course_slug, case_slug, play_id)
    if not current.ended:
        return redirect(
            url_for("cases.play", course_slug=course_slug, case_slug=case_slug, play_id=play_id)
        )
    return _render_debrief(course_slug, current)


def _render_debrief(
    course_slug: str,
    current: CasePlay,
    answers: dict | None = None,
    missing: Sequence[str] = (),
    status: int = 200,
):
    state = service.play_state(db.session, current)
    answered = {r.prompt_id: r for r in current.reflections}
    return (
        render_template(
            "cases/debrief.html",
            course_slug=course_slug,
            state=state,
            case=state.definition,
            answered=answered,
            answers=answers or {},
            missing=set(missing),
        ),
        status,
    )


@bp.post("/courses/<course_slug>/cases/<case_slug>/plays/<int:play_id>/reflections")
@login_required
def reflect(course_slug: str, case_slug: str, play_id: int) -> ResponseReturnValue:
    """Submit the answers to the reflection prompts (once per play)."""
    current = _own_play(course_slug, case_slug, play_id)
    answers = {
        key.removeprefix("answer-"): value
        for key, value in request.form.items()
        if key.startswith("answer-")
    }
    try:
        service.submit_reflections(db.session, current_user, current, answers, utcnow())
    except service.ReflectionError as error:
        db.session.rollback()
        if not current.ended:
            abort(400)
        flash(_("Please answer every question before submitting."), "error")
        return _render_debrief(course_slug, current, answers, error.missing, status=422)
    db.session.commit()
    flash(_("Your reflections have been submitted for review."), "success")
    return redirect(
        url_for("cases.debrief", course_slug=course_slug, case_slug=case_slug, play_id=play_id)
    )


@bp.get("/courses/<course_slug>/cases/<case_slug>/choices")
@login_required
def distribution(course_slug: str, case_slug: str) -> ResponseReturnValue:
    """How trainees chose at each scene, for the instructor's trainees or one cohort."""
    course = _course_or_404(course_slug)
    definition = _case_or_404(course, case_slug)
    cohort = None
    if request.args.get("cohort", "").isdigit():
        cohort = db.get_or_404(Cohort, int(request.args["cohort"]))
    require(current_user, "cases.report", cohort or course)
    if cohort is not None:
        trainees = {member.user_id for member in cohort.members}
    elif instructs(current_user, course):
        trainees = None  # the course's own instructors see its aggregate over everyone
    else:
        trainees = taught_user_ids(current_user)
    scenes = review.choice_distribution(db.session, course, definition, trainees)
    return render_template(
        "cases/distribution.html",
        course=course,
        case=definition,
        scenes=scenes,
        cohort=cohort,
        everyone=trainees is None,
        cohorts=review.cohorts_for(db.session, taught_organisation_ids(current_user)),
    )


@bp.get("/courses/<course_slug>/reviews")
@login_required
def reviews(course_slug: str) -> ResponseReturnValue:
    """The queue of reflections waiting for review (or, with ?show=reviewed, those done)."""
    course = _course_or_404(course_slug)
    require(current_user, "cases.report", None)
    done = request.args.get("show") == "reviewed"
    items = review.review_queue(db.session, course, taught_user_ids(current_user), reviewed=done)
    return render_template("cases/reviews.html", course=course, items=items, done=done)


@bp.route("/courses/<course_slug>/reviews/<int:reflection_id>", methods=["GET", "POST"])
@login_required
def review_one(course_slug: str, reflection_id: int) -> ResponseReturnValue:
    """Score one reflection on the case's rubric and leave feedback for the trainee."""
    course = _course_or_404(course_slug)
    reflection = db.first_or_404(
        select(Reflection)
        .join(Reflection.play)
        .where(Reflection.id == reflection_id, CasePlay.course_id == course.id)
    )
    require(current_user, "cases.review", reflection)
    item = review.review_item(db.session, reflection)
    error = None
    if request.method == "POST":
        scores = {}
        for criterion in item.rubric:
            value = request.form.get(f"score-{criterion['id']}", "")
            scores[criterion["id"]] = int(value) if value.lstrip("-").isdigit() else None
        try:
            review.review_reflection(
                db.session,
                current_user,
                reflection,
                scores,
                request.form.get("feedback", ""),
                utcnow(),
            )
        except review.ReviewError:
            db.session.rollback()
            error = _("Give every criterion a score within its range.")
        else:
            db.session.commit()
            flash(_("The review has been saved; the trainee can now read it."), "success")
            return redirect(url_for("cases.reviews", course_slug=course_slug))
    return render_template(
        "cases/review.html", course=course, item=item, error=error
    ), 422 if error else 200
