"""Report pages for instructors (one course) and organisation admins (one organisation), each
table downloadable as CSV or XLSX (``?export=csv`` / ``?export=xlsx``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course import policy
from course.audit import service as audit
from course.catalog.service import current_version, get_case_definition, get_course
from course.db import utcnow
from course.extensions import db
from course.i18n import current_locale, localized
from course.orgs.views import org_or_404
from course.pagination import paginate
from course.reports import charts, exports, itemanalysis, orgreport, service

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue
    from sqlalchemy import Select

    from course.orgs.models import Organisation


bp = Blueprint("reports", __name__, url_prefix="/reports")


def _course(slug: str):
    course = get_course(db.session, slug)
    if course is None or not course.current_number:
        abort(404)
    policy.require(current_user, "course.reports.view", course)
    return course


def wants_export() -> bool:
    return request.args.get("export") in ("csv", "xlsx")


def _stream(query: Select, batch: int = 1000):
    """Rows of ``query`` fetched a batch at a time (never the whole result in memory), on a
    connection of their own that lives as long as the response is being sent: the request's
    session ends with the view, and PostgreSQL's server-side cursor with its transaction."""
    with db.engine.connect() as connection:
        yield from connection.execution_options(yield_per=batch).execute(query)


def _export(table: exports.Table, name: str, organisation_id: int | None = None) -> Response | None:
    kind = request.args.get("export")
    if kind not in ("csv", "xlsx"):
        return None
    audit.record(
        db.session,
        "export.report",
        organisation_id=organisation_id,
        details={"report": name, "format": kind},
    )
    db.session.commit()
    chunks = exports.iter_csv(table) if kind == "csv" else exports.iter_xlsx(table)
    mimetype = (
        "text/csv; charset=utf-8"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # Streamed: the rows are read from the database while the response is being sent.
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@bp.get("/courses/<slug>")
@login_required
def course(slug: str) -> ResponseReturnValue:
    """Enrolments, completions over time, the lesson funnel and the trainees of a course."""
    course = _course(slug)
    overview = service.overview(db.session, course, current_locale())
    q, state = request.args.get("q", ""), request.args.get("state") or None
    # Names, e-mails and scores only of learners the reader acts for; the rest are counted in
    # the overview's aggregates.
    learners = policy.identifiable_learner_ids(current_user)
    query = service.trainees_query(course, q, state, only=learners)
    if wants_export():
        if request.args.get("table") == "funnel":
            table = exports.Table(
                _("Lesson funnel"), [_("Lesson"), _("Completed by")], overview.funnel
            )
        else:
            table = exports.Table(
                _("Trainees"),
                [
                    _("Name"), _("Email"), _("Enrolled"), _("Due"), _("Lessons done"),
                    _("Completed"), _("Score"),
                ],
                (
                    list(row)
                    for row in _stream(service.trainees_export_query(course, q, state, learners))
                ),
            )  # fmt: skip
        return _export(table, f"{slug}-{request.args.get('table', 'trainees')}")
    page = paginate(query, scalars=False)
    people = service.trainee_rows(page.items)
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
        "reports/course.html", course=course, overview=overview, people=people, page=page,
        q=q, state=state, funnel=funnel, over_time=over_time,
        unnamed=0 if q or state else overview.enrolled - page.total,
    )  # fmt: skip


@bp.get("/courses/<slug>/quizzes/<quiz_id>")
@login_required
def quiz(slug: str, quiz_id: str) -> ResponseReturnValue:
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
                r.stats.discrimination,
                "too-few-attempts" if r.stats.too_few_attempts else " ".join(r.stats.flags),
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
        "reports/quiz.html", course=course, quiz=definition, quiz_id=quiz_id, rows=rows,
        chart=chart, min_responses=itemanalysis.MIN_RESPONSES_TO_FLAG,
        too_few=any(r.stats.too_few_attempts for r in rows),
    )  # fmt: skip


@bp.get("/courses/<slug>/cases/<case_id>")
@login_required
def case(slug: str, case_id: str) -> ResponseReturnValue:
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
def trainee(slug: str, user_id: int) -> ResponseReturnValue:
    """One trainee's lessons, every quiz attempt and every case play."""
    course = _course(slug)
    policy.require(current_user, "reports.learner.view", user_id)
    detail = service.trainee_detail(db.session, course, user_id)
    if detail is None or detail.enrolment is None:
        abort(404)
    return render_template("reports/trainee.html", course=course, detail=detail)


@bp.get("/courses/<slug>/grading")
@login_required
def grading(slug: str) -> ResponseReturnValue:
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
def organisation(org_slug: str) -> ResponseReturnValue:
    """Completion by cohort and department, overdue assignments and certificates, filtered."""
    org = org_or_404(org_slug)
    policy.require(current_user, "org.reports.view", org)
    until = _date("until")
    filters = orgreport.Filters(
        course_slug=request.args.get("course") or None,
        cohort_id=request.args.get("cohort", type=int),
        since=_date("since"),
        until=until.replace(hour=23, minute=59, second=59) if until else None,
        q=request.args.get("q") or None,
        status=request.args.get("status") or None,
    )
    now = utcnow()
    if wants_export():
        return _export(
            _org_table(org, now, filters),
            f"{org_slug}-{request.args.get('table', 'assignments')}",
            org.id,
        )
    counts = orgreport.tallies(db.session, org, now, filters)
    rows_query = orgreport.assignment_rows_query(org, now, filters)
    unfiltered = not filters.q and filters.status not in orgreport.STATUSES
    rows = paginate(rows_query, scalars=False, total=counts.total if unfiltered else None)
    chart = charts.bar_chart(
        "by-cohort",
        charts.ChartText(
            _("Completion by cohort"),
            _("Share of assigned courses completed, per cohort."),
            _("Cohort"),
            _("Completed"),
        ),
        [(t.label, t.rate) for t in counts.by_cohort],
        charts.percent,
        maximum=1,
        empty_text=_("No courses are assigned yet."),
    )
    return render_template(
        "reports/organisation.html", org=org, filters=filters, chart=chart, now=now,
        rows=rows, by_department=counts.by_department,
        certificates=orgreport.certificate_counts(db.session, org, now, filters),
        expiring=paginate(orgreport.expiring_query(org, now, filters, 90), arg="cert_page"),
        cohorts=orgreport.cohorts_of(db.session, org),
    )  # fmt: skip


def _org_table(org: Organisation, now: datetime, filters: orgreport.Filters) -> exports.Table:
    if request.args.get("table") == "certificates":
        return exports.Table(
            _("Certificates"),
            [_("Serial"), _("Name"), _("Issued"), _("Valid until"), _("Status")],
            (
                [c.serial, c.recipient_name, c.issued_at, c.valid_until, c.status]
                for c in _stream(orgreport.issued_query(org, filters))
            ),
        )
    return exports.Table(
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
        ],  # fmt: skip
        (list(row) for row in _stream(orgreport.assignment_rows_query(org, now, filters))),
    )
