"""The quiz form: edit a draft's quiz file through fields instead of YAML.

The form writes the YAML back through the same save as the text editor (so the same revision
check warns instead of overwriting someone else's save), then the quizzes area's checker reads it
and its problems are shown beside the settings or the question their line falls in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.authoring import editor, service
from course.authoring.blueprint import bp, course_or_404, draft_or_redirect
from course.authoring.files import file_kind
from course.authoring.quizfields import (
    apply_action,
    course_locales,
    form_from_post,
    question_at,
    question_lines,
)
from course.authoring.quizform import (
    QuizFormError,
    dump_quiz,
    form_from_quiz,
    quiz_from_form,
    read_quiz,
)
from course.catalog.package import QUIZZES
from course.db import utcnow
from course.extensions import db
from course.i18n import LOCALES
from course.quizzes.formats import BANK_ID, parse_quiz
from course.quizzes.question_formats import LEVELS

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


@bp.route("/<slug>/quiz-form/<path:path>", methods=["GET", "POST"])
@login_required
def quiz_form(slug: str, path: str) -> ResponseReturnValue:
    """Edit a quiz (or the question bank) of the draft with a form; POST saves, or applies one
    of the add/remove/move buttons and shows the form again without saving."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    current = service.get_file(db.session, draft, QUIZZES, path)
    if current is None or file_kind(QUIZZES, path).kind != "quiz":
        abort(404)
    kind = file_kind(QUIZZES, path)
    bank = kind.slug == BANK_ID
    course_yaml = service.get_file(db.session, draft, "content", "course.yaml")
    locales = course_locales(
        course_yaml.data.decode("utf-8", "replace") if course_yaml else "", LOCALES
    )
    text = current.data.decode("utf-8", "replace")
    revision, conflict = current.revision, None
    try:
        if request.method == "POST":
            form = form_from_post(request.form, locales, bank)
            revision = request.form.get("revision", type=int) or 0
            action = request.form.get("action", "save")
            if action == "save":
                text = dump_quiz(quiz_from_form(form))
                try:
                    service.save_file(
                        db.session, current_user, draft, QUIZZES, path, text, revision, utcnow()
                    )
                except service.EditConflict as clash:
                    conflict, revision = clash, clash.file.revision
                else:
                    db.session.commit()
                    _flash_check(text, path, locales)
                    return redirect(url_for("authoring.quiz_form", slug=slug, path=path))
            else:
                apply_action(form, action)
        else:
            form = form_from_quiz(read_quiz(text), locales, bank)
    except QuizFormError as error:
        return render_template(
            "authoring/quiz_form.html", course=course, path=path, file=current, form=None,
            reason=str(error),
        ), 200 if request.method == "GET" else 400  # fmt: skip
    if request.method == "POST":
        text = dump_quiz(quiz_from_form(form))
        problems = parse_quiz(text, path, locales)[1]
    else:
        keyed = editor.split_problems(service.check_draft(db.session, draft, slug), slug)
        problems = keyed.get((QUIZZES, path), [])
    settings_problems, question_problems = _placed(editor.file_problems(problems, text), text)
    return render_template(
        "authoring/quiz_form.html",
        course=course,
        path=path,
        file=current,
        form=form,
        revision=revision,
        conflict=conflict,
        settings_problems=settings_problems,
        question_problems=question_problems,
        levels=LEVELS,
        unsaved=request.method == "POST",
    )


def _flash_check(text: str, path: str, locales: list[str]) -> None:
    _quiz, problems = parse_quiz(text, path, locales)
    if problems:
        flash(
            _(
                "Saved, but the quiz checker found %(num)s problems; see them below.",
                num=len(problems),
            ),
            "error",
        )
    else:
        flash(_("Saved. The quiz passes the checker."), "success")


def _placed(problems: list, text: str):
    """Problems split into those of the settings and those of each question (by position)."""
    starts = question_lines(text)
    settings, by_question = [], {}
    for problem in problems:
        index = question_at(starts, problem.line)
        if index is None:
            settings.append(problem)
        else:
            by_question.setdefault(index, []).append(problem)
    return settings, by_question
