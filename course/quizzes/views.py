"""Quiz pages: start, answer (saved as you go), results; the essay queue; GIFT conversion."""

from __future__ import annotations

import json
import re
import secrets
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
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

from course import policy, storage
from course.catalog.models import Course
from course.catalog.service import get_course
from course.dashboard import sections
from course.db import utcnow
from course.extensions import db
from course.i18n import LOCALES, current_locale
from course.quizzes import essays, pages, service
from course.quizzes.gift_convert import convert_gift
from course.quizzes.models import EssayGrading, QuizAttempt

if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

    from flask.typing import ResponseReturnValue

    from course.accounts.models import User


bp = Blueprint("quizzes", __name__)
bp.record_once(lambda _state: service.clear_caches())

MAX_GIFT_BYTES = 1_000_000


@sections.register("essays", "quizzes/_dashboard.html", order=35)
def _dashboard_section(user: User, now: datetime):
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
def quiz(slug: str, quiz_id: str) -> ResponseReturnValue:
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
def start(slug: str, quiz_id: str) -> ResponseReturnValue:
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


def _open_attempt_or_results(attempt_id: int):
    """The trainee's attempt if it still takes answers, else a redirect to its results (an
    attempt whose time ran out is closed and graded on the way)."""
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    if attempt.is_open and service.expired(attempt, now):
        service.close_if_expired(db.session, attempt, now)
        db.session.commit()
    if not attempt.is_open:
        return attempt, now, redirect(url_for("quizzes.results", attempt_id=attempt.id))
    return attempt, now, None


@bp.get("/quiz-attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int) -> ResponseReturnValue:
    """Answer an open attempt: all questions or one per page, with navigator and timer."""
    attempt, now, done = _open_attempt_or_results(attempt_id)
    if done:
        return done
    course = db.session.get(Course, attempt.course_id)
    number = max(1, request.args.get("page", 1, type=int) or 1)
    page = pages.attempt_page(
        db.session, attempt, course, current_locale(), number, now, current_app.secret_key
    )
    return render_template("quizzes/attempt.html", page=page, token=secrets.token_urlsafe(16))


@bp.get("/quiz-attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int) -> ResponseReturnValue:
    """Before submitting: answered, unanswered and flagged questions, the time left, and the
    button that submits (a page of its own, so confirming needs no script)."""
    attempt, now, done = _open_attempt_or_results(attempt_id)
    if done:
        return done
    course = db.session.get(Course, attempt.course_id)
    page = pages.attempt_page(
        db.session, attempt, course, current_locale(), 0, now, current_app.secret_key
    )
    return render_template("quizzes/summary.html", page=page, token=secrets.token_urlsafe(16))


@bp.post("/quiz-attempts/<int:attempt_id>/answers")
@login_required
def answers(attempt_id: int) -> ResponseReturnValue:
    """Save the page's answers (a JSON reply for the page's script); ``action=review`` then
    shows the summary before submitting, ``action=submit`` (the summary's button, or the
    timer at the deadline) submits."""
    attempt = _own_attempt(attempt_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    given = pages.answers_from_form(db.session, attempt, request.form, current_app.secret_key)
    now = utcnow()
    action = request.form.get("action")
    if action == "submit":
        token = request.form.get("token", "")[:64]
        service.submit_attempt(db.session, attempt, token, now, given.entries, given.flags)
        db.session.commit()
        return redirect(url_for("quizzes.results", attempt_id=attempt.id))
    try:
        saved = service.save_answers(db.session, attempt, given.entries, now, given.flags)
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
        shown, flagged = pages.for_browser(db.session, attempt, current_app.secret_key, saved)
        return jsonify(saved=shown, flagged=flagged, remaining_seconds=remaining)
    if action == "review":
        return redirect(url_for("quizzes.summary", attempt_id=attempt.id))
    target = request.form.get("goto", type=int) or request.form.get("page", 1, type=int)
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=target))


@bp.get("/quiz-attempts/<int:attempt_id>/results")
@login_required
def results(attempt_id: int) -> ResponseReturnValue:
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
def essay_queue() -> ResponseReturnValue:
    """Essays waiting for a grade from the trainees this instructor teaches."""
    policy.require(current_user, "quizzes.queue")
    waiting = essays.waiting_essays(db.session, policy.taught_user_ids(current_user))
    rows = [(essay, *essays.essay_question(db.session, essay)) for essay in waiting]
    return render_template("quizzes/essays.html", rows=rows, locale=current_locale())


@bp.post("/teach/essays/<int:essay_id>")
@login_required
def grade_essay(essay_id: int) -> ResponseReturnValue:
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
def gift() -> ResponseReturnValue:
    """Convert a Moodle GIFT file into quiz YAML (downloaded). When some questions cannot be
    converted, the file is kept for a moment and the page asks: what converted, or nothing."""
    policy.require(current_user, "quizzes.convert")
    if request.method == "GET":
        return render_template("quizzes/gift.html", result=None)
    upload = request.files.get("file")
    data = upload.read(MAX_GIFT_BYTES + 1) if upload else b""
    if not data or len(data) > MAX_GIFT_BYTES:
        flash(_("Choose a GIFT file of at most 1 MB."), "error")
        return render_template("quizzes/gift.html", result=None), 400
    name = (upload.filename or "quiz.gift").rsplit("/", 1)[-1]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 text."), "error")
        return render_template("quizzes/gift.html", result=None), 400
    result = convert_gift(text, name, _stem(name), list(LOCALES))
    if result.complete:
        return _yaml_download(result.text, _stem(name))
    token = secrets.token_urlsafe(16)
    if result.text is not None:
        storage.save(_gift_key(token), json.dumps({"name": name}).encode() + b"\n" + data)
    return render_template("quizzes/gift.html", result=result, token=token), 400


@bp.post("/teach/gift/<token>")
@login_required
def gift_choice(token: str) -> ResponseReturnValue:
    """The user's choice for a file that converted in part: download what converted, or
    nothing (the kept file is removed either way)."""
    policy.require(current_user, "quizzes.convert")
    key = _gift_key(token)
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token) or not storage.exists(key):
        flash(_("That conversion has expired; upload the file again."), "error")
        return redirect(url_for("quizzes.gift"))
    header, _newline, data = storage.read(key).partition(b"\n")
    storage.delete(key)
    if request.form.get("choice") != "converted":
        flash(_("Nothing was imported."), "success")
        return redirect(url_for("quizzes.gift"))
    name = json.loads(header)["name"]
    result = convert_gift(data.decode("utf-8-sig"), name, _stem(name), list(LOCALES))
    return _yaml_download(result.text or "", _stem(name))


@bp.route("/teach/gift/export/<slug>/<quiz_id>")
@login_required
def gift_export(slug: str, quiz_id: str) -> ResponseReturnValue:
    """A quiz of a course's current version as GIFT: the page lists what GIFT cannot carry,
    ``?download=1`` sends the file."""
    course = _course_or_404(slug)
    policy.require(current_user, "course.author", course)
    locale = request.args.get("locale", LOCALES[0])
    if locale not in LOCALES:
        abort(404)
    try:
        exported = service.export_gift(db.session, course, quiz_id, locale, list(LOCALES))
    except LookupError:
        abort(404)
    if request.args.get("download"):
        name = f"{_safe_stem(quiz_id)}-{locale}.gift.txt"
        return Response(
            exported.text,
            mimetype="text/plain",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return render_template(
        "quizzes/gift_export.html",
        course=course,
        quiz_id=quiz_id,
        locale=locale,
        locales=LOCALES,
        exported=exported,
        losses=[(loss, _loss_message(loss)) for loss in exported.losses],
    )


def _loss_message(loss: Any) -> str:
    messages = {
        "ordering": _("Ordering question: GIFT has no ordering questions; not exported."),
        "rubric": _(
            "The essay's rubric (%(detail)s criteria) is not exported.", detail=loss.detail
        ),
        "min_words": _(
            "The essay's minimum of %(detail)s words is not exported.", detail=loss.detail
        ),
        "points": _(
            "Its points (%(detail)s) are not exported; Moodle gives the default mark.",
            detail=loss.detail,
        ),
        "objectives": _("Its objectives (%(detail)s) are not exported.", detail=loss.detail),
        "level": _("Its level (%(detail)s) is not exported.", detail=loss.detail),
        "pattern": _(
            "The pattern of accepted answers (%(detail)s) is not exported.", detail=loss.detail
        ),
        "unit": _("The unit (%(detail)s) is not exported.", detail=loss.detail),
        "normalise": _(
            "Moodle compares short answers without our full-width/half-width and spacing "
            "normalisation."
        ),
        "catch_all": _("An 'any number' answer with credit has no GIFT form; not exported."),
        "locale": _(
            "The %(detail)s text is not exported (GIFT holds one language); export that "
            "language separately.",
            detail=loss.detail,
        ),
        "settings": _("The quiz settings (%(detail)s) are not exported.", detail=loss.detail),
    }
    return messages[loss.code]


def _gift_key(token: str) -> str:
    return f"imports/gift/{current_user.id}/{token}.gift"


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] or "quiz"


def _yaml_download(text: str, stem: str) -> Response:
    return Response(
        text,
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{_safe_stem(stem)}.yaml"'},
    )


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
