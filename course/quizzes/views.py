"""Quiz pages: start, answer (saved as you go), results; the essay queue; GIFT conversion."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course import policy
from course.catalog.models import Course
from course.catalog.service import get_course
from course.dashboard import sections
from course.db import utcnow
from course.extensions import db
from course.i18n import LOCALES, current_locale
from course.quizzes import essays, pages, service
from course.quizzes.gift_convert import gift_to_quiz
from course.quizzes.models import EssayGrading, QuizAttempt

bp = Blueprint("quizzes", __name__)
bp.record_once(lambda _state: service.clear_caches())

MAX_GIFT_BYTES = 1_000_000


@sections.register("essays", "quizzes/_dashboard.html", order=35)
def _dashboard_section(user, now):
    """For instructors: essays waiting for a grade, and the GIFT converter."""
    if not policy.can(user, "quizzes.queue"):
        return None
    return {"waiting": essays.count_waiting(db.session, policy.taught_user_ids(user))}


def _course_or_404(slug: str) -> Course:
    course = get_course(db.session, slug)
    if course is None or not policy.can_view_course(current_user, course):
        abort(404)
    return course


def _own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = db.get_or_404(QuizAttempt, attempt_id)
    policy.require(current_user, "quizzes.attempt", attempt)
    return attempt


@bp.get("/courses/<slug>/quizzes/<quiz_id>")
@login_required
def quiz(slug: str, quiz_id: str):
    """A quiz's start page: its rules, the trainee's attempts, start or resume."""
    course = _course_or_404(slug)
    if not policy.can(current_user, "quizzes.take", course):
        flash(_("Enrol in the course to take its quizzes."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    page = pages.quiz_page(db.session, current_user, course, quiz_id, utcnow())
    if page is None:
        abort(404)
    return render_template("quizzes/quiz.html", page=page, locale=current_locale())


@bp.post("/courses/<slug>/quizzes/<quiz_id>/start")
@login_required
def start(slug: str, quiz_id: str):
    """Start a new attempt, or resume the open one."""
    course = _course_or_404(slug)
    policy.require(current_user, "quizzes.take", course)
    try:
        attempt = service.start_attempt(db.session, current_user, course, quiz_id, utcnow())
    except service.QuizRefused as refused:
        db.session.commit()  # an overdue attempt may have been closed on the way
        flash(_refusal_message(refused), "error")
        return redirect(url_for("quizzes.quiz", slug=slug, quiz_id=quiz_id))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.get("/quiz-attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """Answer an open attempt: all questions or one per page, with navigator and timer."""
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    if attempt.is_open and service.expired(attempt, now):
        service.close_if_expired(db.session, attempt, now)
        db.session.commit()
    if not attempt.is_open:
        return redirect(url_for("quizzes.results", attempt_id=attempt.id))
    course = db.session.get(Course, attempt.course_id)
    page = pages.attempt_page(
        db.session, attempt, course, current_locale(), request.args.get("page", 1, type=int), now
    )
    return render_template("quizzes/attempt.html", page=page, token=secrets.token_urlsafe(16))


@bp.post("/quiz-attempts/<int:attempt_id>/answers")
@login_required
def answers(attempt_id: int):
    """Save the page's answers (a JSON reply for the page's script); submit on request."""
    attempt = _own_attempt(attempt_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    entries = pages.entries_from_form(db.session, attempt, request.form)
    now = utcnow()
    if request.form.get("action") == "submit":
        service.submit_attempt(db.session, attempt, request.form.get("token", ""), now, entries)
        db.session.commit()
        return redirect(url_for("quizzes.results", attempt_id=attempt.id))
    try:
        saved = service.save_answers(db.session, attempt, entries, now)
    except service.AttemptClosed:
        db.session.commit()
        if wants_json:
            return jsonify(
                closed=True, results=url_for("quizzes.results", attempt_id=attempt.id)
            ), 409
        flash(_("Time is up: your answers were submitted as they stood at the deadline."), "info")
        return redirect(url_for("quizzes.results", attempt_id=attempt.id))
    db.session.commit()
    if wants_json:
        remaining = None
        if attempt.deadline_at is not None:
            remaining = max(0, int((attempt.deadline_at - now).total_seconds()))
        return jsonify(saved=saved, remaining_seconds=remaining)
    target = request.form.get("goto", type=int) or request.form.get("page", 1, type=int)
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=target))


@bp.get("/quiz-attempts/<int:attempt_id>/results")
@login_required
def results(attempt_id: int):
    """A submitted attempt's result, per question as the review policy allows."""
    attempt = _own_attempt(attempt_id)
    if attempt.is_open:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    course = db.session.get(Course, attempt.course_id)
    quiz = service.definition(db.session, attempt.version_id, attempt.quiz_id)
    items = pages.results_page(db.session, attempt, current_locale())
    return render_template(
        "quizzes/results.html",
        attempt=attempt,
        course=course,
        quiz=quiz,
        items=items,
        locale=current_locale(),
    )


@bp.get("/teach/essays")
@login_required
def essay_queue():
    """Essays waiting for a grade from the trainees this instructor teaches."""
    policy.require(current_user, "quizzes.queue")
    waiting = essays.waiting_essays(db.session, policy.taught_user_ids(current_user))
    rows = [(essay, *essays.essay_question(db.session, essay)) for essay in waiting]
    return render_template("quizzes/essays.html", rows=rows, locale=current_locale())


@bp.post("/teach/essays/<int:essay_id>")
@login_required
def grade_essay(essay_id: int):
    """Record rubric points for one essay."""
    essay = db.get_or_404(EssayGrading, essay_id)
    policy.require(current_user, "quizzes.grade", essay)
    question, _text = essays.essay_question(db.session, essay)
    keys = [c["id"] for c in question.get("rubric") or []] or ["overall"]
    try:
        points = {key: int(request.form.get(f"points-{key}", "")) for key in keys}
        essays.grade_essay(
            db.session, current_user, essay, points, request.form.get("comment", ""), utcnow()
        )
    except (ValueError, essays.GradingError) as error:
        db.session.rollback()
        flash(_("The grade was not saved: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("quizzes.essay_queue"))
    db.session.commit()
    flash(_("Grade saved."), "success")
    return redirect(url_for("quizzes.essay_queue"))


@bp.route("/teach/gift", methods=["GET", "POST"])
@login_required
def gift():
    """Convert a Moodle GIFT file into quiz YAML (downloaded; nothing is stored)."""
    policy.require(current_user, "quizzes.convert")
    problems = []
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(MAX_GIFT_BYTES + 1) if upload else b""
        if not data or len(data) > MAX_GIFT_BYTES:
            flash(_("Choose a GIFT file of at most 1 MB."), "error")
            return render_template("quizzes/gift.html", problems=[]), 400
        name = (upload.filename or "quiz.gift").rsplit("/", 1)[-1]
        stem = name.rsplit(".", 1)[0] or "quiz"
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            flash(_("The file is not UTF-8 text."), "error")
            return render_template("quizzes/gift.html", problems=[]), 400
        converted, problems = gift_to_quiz(text, name, stem, list(LOCALES))
        if converted is not None:
            return Response(
                converted,
                mimetype="application/yaml",
                headers={"Content-Disposition": f'attachment; filename="{_safe_stem(stem)}.yaml"'},
            )
    return render_template("quizzes/gift.html", problems=problems), (400 if problems else 200)


def _safe_stem(stem: str) -> str:
    return "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "-_")) or "quiz"


def _refusal_message(refused: service.QuizRefused) -> str:
    if refused.reason == "limit":
        return _("You have used all the attempts this quiz allows.")
    if refused.reason == "cooldown":
        return _(
            "You can start the next attempt at %(time)s.",
            time=format_datetime(refused.retry_at, "short"),
        )
    if refused.reason == "draw":
        return _("This quiz cannot be drawn from its question bank; please tell the course author.")
    return _("There is no such quiz in this course.")
