"""Report pages for instructors (one course) and organisation admins (one organisation), each
table downloadable as CSV or XLSX (``?export=csv`` / ``?export=xlsx``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course import policy
from course.catalog.service import current_version, get_case_definition, get_course
from course.db import utcnow
from course.extensions import db
from course.i18n import current_locale, localized
from course.orgs.views import org_or_404
from course.reports import charts, exports, orgreport, service

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _course(slug: str):
    course = get_course(db.session, slug)
    if course is None or not course.current_number:
        abort(404)
    policy.require(current_user, "course.reports.view", course)
    return course


def _export(table: exports.Table, name: str) -> Response | None:
    kind = request.args.get("export")
    if kind not in ("csv", "xlsx"):
        return None
    data = exports.to_csv(table) if kind == "csv" else exports.to_xlsx(table)
    mimetype = (
        "text/csv; charset=utf-8"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@bp.get("/courses/<slug>")
@login_required
def course(slug: str):
    """Enrolments, completions over time, the lesson funnel and the trainees of a course."""
    course = _course(slug)
    overview = service.overview(db.session, course, current_locale())
    # Names, e-mails and scores only of learners the reader acts for; the rest are counted in
    # the overview's aggregates.
    people = service.trainees(db.session, course, policy.identifiable_learner_ids(current_user))
    table = exports.Table(
        _("Trainees"),
        [
            _("Name"), _("Email"), _("Enrolled"), _("Due"), _("Lessons done"), _("Completed"),
            _("Score"),
        ],
        [
            [
                row.user.display_name, row.user.email, row.enrolment.enrolled_at,
                row.enrolment.due_at, row.lessons_done,
                row.completion.completed_at if row.completion else None,
                row.completion.final_score if row.completion else None,
            ]
            for row in people
        ],
    )  # fmt: skip
    if request.args.get("table") == "funnel":
        table = exports.Table(_("Lesson funnel"), [_("Lesson"), _("Completed by")], overview.funnel)
    download = _export(table, f"{slug}-{request.args.get('table', 'trainees')}")
    if download:
        return download
    funnel = charts.funnel_chart(
        "funnel",
        charts.ChartText(
            _("Lesson funnel"),
            _(
                "How many trainees completed each lesson, in course order, of %(n)s enrolled.",
                n=overview.enrolled,
            ),
            _("Lesson"),
            _("Trainees"),
        ),
        [(_("Enrolled"), overview.enrolled), *overview.funnel],
        empty_text=_("No one is enrolled yet."),
    )
    over_time = charts.line_chart(
        "completions",
        charts.ChartText(
            _("Completions over time"),
            _("Course completions per month."),
            _("Month"),
            _("Completions"),
        ),
        overview.completions_by_month,
        empty_text=_("No completions yet."),
    )
    return render_template(
        "reports/course.html", course=course, overview=overview, people=people,
        funnel=funnel, over_time=over_time, unnamed=overview.enrolled - len(people),
    )  # fmt: skip


@bp.get("/courses/<slug>/quizzes/<quiz_id>")
@login_required
def quiz(slug: str, quiz_id: str):
    """Item analysis of a quiz: facility, discrimination, distractors and flags per question."""
    course = _course(slug)
    found = service.item_analysis(db.session, course, quiz_id, current_locale())
    if found is None:
        abort(404)
    definition, rows = found
    table = exports.Table(
        _("Item analysis"),
        [
            _("No."), _("Question"), _("Type"), _("Responses"), _("Facility"),
            _("Discrimination"), _("Flags"),
        ],
        [
            [
                r.number, r.text, r.kind, r.stats.responses, r.stats.facility,
                r.stats.discrimination, " ".join(r.stats.flags),
            ]
            for r in rows
        ],
    )  # fmt: skip
    download = _export(table, f"{slug}-{quiz_id}-items")
    if download:
        return download
    chart = charts.bar_chart(
        "facility",
        charts.ChartText(
            _("Item difficulty"),
            _("Facility of each question: the share of points trainees earned on it."),
            _("Question"),
            _("Facility"),
        ),
        [(f"{r.number}. {r.text}", r.stats.facility or 0) for r in rows if r.stats.responses],
        charts.percent,
        maximum=1,
        empty_text=_("No graded attempts yet."),
    )
    return render_template(
        "reports/quiz.html", course=course, quiz=definition, quiz_id=quiz_id, rows=rows, chart=chart
    )


@bp.get("/courses/<slug>/cases/<case_id>")
@login_required
def case(slug: str, case_id: str):
    """How often each choice of each scene of a case was taken."""
    from course.cases.review import choice_distribution

    course = _course(slug)
    definition = get_case_definition(db.session, current_version(db.session, course), case_id)
    if definition is None:
        abort(404)
    scenes = choice_distribution(db.session, course, definition, None)
    table = exports.Table(
        _("Case choices"),
        [_("Scene"), _("Choice"), _("Leads to"), _("Score"), _("Times chosen"), _("Share")],
        [
            [localized(s.title), localized(c.label), c.target, c.score, c.count, c.share]
            for s in scenes
            for c in s.choices
        ],
    )
    download = _export(table, f"{slug}-{case_id}-choices")
    if download:
        return download
    return render_template("reports/case.html", course=course, case=definition, scenes=scenes)


@bp.get("/courses/<slug>/trainees/<int:user_id>")
@login_required
def trainee(slug: str, user_id: int):
    """One trainee's lessons, every quiz attempt and every case play."""
    course = _course(slug)
    policy.require(current_user, "reports.learner.view", user_id)
    detail = service.trainee_detail(db.session, course, user_id)
    if detail is None or detail.enrolment is None:
        abort(404)
    return render_template("reports/trainee.html", course=course, detail=detail)


@bp.get("/courses/<slug>/grading")
@login_required
def grading(slug: str):
    """Essays and reflections waiting for an instructor."""
    from course.cases.review import review_queue

    course = _course(slug)
    learners = policy.identifiable_learner_ids(current_user)
    essays = service.essays_waiting(db.session, course, learners)
    reflections = review_queue(db.session, course, learners)
    return render_template(
        "reports/grading.html", course=course, essays=essays, reflections=reflections
    )


def _date(name: str) -> datetime | None:
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


@bp.get("/orgs/<org_slug>")
@login_required
def organisation(org_slug: str):
    """Completion by cohort and department, overdue assignments and certificates, filtered."""
    org = org_or_404(org_slug)
    policy.require(current_user, "org.reports.view", org)
    until = _date("until")
    filters = orgreport.Filters(
        course_slug=request.args.get("course") or None,
        cohort_id=request.args.get("cohort", type=int),
        since=_date("since"),
        until=until.replace(hour=23, minute=59, second=59) if until else None,
    )
    now = utcnow()
    report = orgreport.org_report(db.session, org, now, filters)
    table = exports.Table(
        _("Assignments"),
        [
            _("Name"),
            _("Email"),
            _("Department"),
            _("Cohort"),
            _("Course"),
            _("Due"),
            _("Completed"),
            _("Status"),
        ],
        [
            [
                r.name,
                r.email,
                r.department,
                r.cohort,
                r.course_slug,
                r.due_at,
                r.completed_at,
                r.status,
            ]
            for r in report.rows
        ],
    )
    if request.args.get("table") == "certificates":
        table = exports.Table(
            _("Certificates"),
            [_("Serial"), _("Name"), _("Issued"), _("Valid until"), _("Status")],
            [
                [c.serial, c.recipient_name, c.issued_at, c.valid_until, c.status]
                for c in report.issued
            ],
        )
    download = _export(table, f"{org_slug}-{request.args.get('table', 'assignments')}")
    if download:
        return download
    chart = charts.bar_chart(
        "by-cohort",
        charts.ChartText(
            _("Completion by cohort"),
            _("Share of assigned courses completed, per cohort."),
            _("Cohort"),
            _("Completed"),
        ),
        [(t.label, t.rate) for t in report.by_cohort],
        charts.percent,
        maximum=1,
        empty_text=_("No courses are assigned yet."),
    )
    return render_template(
        "reports/organisation.html", org=org, report=report, filters=filters, chart=chart,
        cohorts=orgreport.cohorts_of(db.session, org), now=now,
    )  # fmt: skip
