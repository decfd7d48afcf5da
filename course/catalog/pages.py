"""What the trainee's pages show: the catalogue, a course, a lesson, the dashboard section.

Each loader reads what its page needs in a fixed number of queries, whatever the course's size:
the outline comes from the version's manifest (one row), lesson bodies from one lesson row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from course.catalog import memo
from course.catalog.models import Course, CourseLesson, CourseVersion
from course.catalog.service import OutlineItem, OutlineModule, course_outline, course_with_version
from course.i18n import localized
from course.progress.models import Enrolment, LessonCompletion
from course.progress.service import assigned_courses


@dataclass(frozen=True)
class LessonView:
    """A rendered lesson as its page shows it (a plain copy of a CourseLesson row)."""

    slug: str
    locale: str
    module_slug: str
    title: str
    minutes: int
    html: str
    toc: list


def outline_of(session: Session, version: CourseVersion, locale: str) -> list[OutlineModule]:
    """The version's outline in ``locale``, memoised per process (versions never change)."""
    return memo.outlines.get(
        (version.content_hash, locale), lambda: course_outline(session, version, locale)
    )


def version_locales(version: CourseVersion) -> list[str]:
    """The version's locales, default first, memoised per process."""
    return memo.outlines.get(
        (version.content_hash, "locales"),
        lambda: list(version.manifest.get("locales") or ["zh-CN"]),
    )


def lesson_view(session: Session, version: CourseVersion, slug: str, locale: str):
    """The lesson in ``locale`` (else the default locale), memoised per process; None if the
    version has no such lesson."""
    locales = version_locales(version)
    wanted = locale if locale in locales else locales[0]

    def load() -> LessonView | None:
        rows = session.scalars(
            select(CourseLesson).where(
                CourseLesson.version_id == version.id,
                CourseLesson.slug == slug,
                CourseLesson.locale.in_({wanted, locales[0]}),
            )
        ).all()
        row = next((r for r in rows if r.locale == wanted), rows[0] if rows else None)
        if row is None:
            return None
        return LessonView(
            row.slug, row.locale, row.module_slug, row.title, row.minutes, row.html, row.toc
        )

    return memo.lessons.get((version.content_hash, slug, wanted), load)


@dataclass
class CourseProgress:
    """A trainee's standing in one course."""

    done: set[str] = field(default_factory=set)
    percent: float = 0.0
    modules: dict[str, float] = field(default_factory=dict)
    resume: OutlineItem | None = None


@dataclass
class CoursePage:
    """The course page: outline, enrolment, due date and progress per module."""

    course: Course
    version: CourseVersion
    outline: list[OutlineModule]
    enrolment: Enrolment | None
    due_at: datetime | None
    assigned: bool
    progress: CourseProgress
    #: The quiz id of the course's final exam, if it has one.
    final_exam: str | None = None

    def overdue(self, now: datetime) -> bool:
        return bool(self.due_at and now > self.due_at and self.progress.percent < 100)


@dataclass
class LessonPage:
    """One lesson with its place in the course."""

    course: Course
    version: CourseVersion
    lesson: LessonView
    module: OutlineModule
    previous: OutlineItem | None
    next: OutlineItem | None
    enrolment: Enrolment | None
    progress: CourseProgress

    @property
    def is_done(self) -> bool:
        return self.lesson.slug in self.progress.done


@dataclass
class CatalogueEntry:
    """A published course in the catalogue, with the viewer's standing in it."""

    course: Course
    enrolled: bool
    assigned: bool
    due_at: datetime | None


def measure(outline: list[OutlineModule], completions: dict[str, datetime]) -> CourseProgress:
    """Progress over the lessons in ``outline``; completions of removed lessons do not count.

    The lesson to resume is the first unfinished one after the most recently finished one, else
    the first unfinished lesson of the course.
    """
    lessons = [item for module in outline for item in module.items if item.kind == "lesson"]
    done = {item.slug for item in lessons if item.slug in completions}
    modules = {
        module.slug: _percent(len(set(module.lesson_slugs) & done), len(module.lesson_slugs))
        for module in outline
    }
    unfinished = [index for index, item in enumerate(lessons) if item.slug not in done]
    resume = None
    if unfinished:
        latest = max(done, key=lambda slug: completions[slug], default=None)
        after = next(i for i, item in enumerate(lessons) if item.slug == latest) if latest else -1
        later = [index for index in unfinished if index > after]
        resume = lessons[(later or unfinished)[0]]
    return CourseProgress(
        done=set(completions),
        percent=_percent(len(done), len(lessons)),
        modules=modules,
        resume=resume,
    )


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


# Statements built once: building a statement costs more than running it on a hot page.
_STANDING = (
    select(Enrolment, LessonCompletion.lesson_slug, LessonCompletion.completed_at)
    .outerjoin(
        LessonCompletion,
        and_(
            LessonCompletion.user_id == Enrolment.user_id,
            LessonCompletion.course_id == Enrolment.course_id,
        ),
    )
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.course_id == bindparam("course_id"))
)


def standing(session: Session, user_id: int, course_id: int):
    """The user's enrolment in the course (or None) and their lesson completions, one query."""
    enrolment, completions = None, {}
    for row_enrolment, lesson_slug, completed_at in session.execute(
        _STANDING, {"user_id": user_id, "course_id": course_id}
    ):
        enrolment = row_enrolment
        if lesson_slug is not None:
            completions[lesson_slug] = completed_at
    return enrolment, completions


def catalogue(session: Session, user) -> list[CatalogueEntry]:
    """Published courses, with whether ``user`` (may be anonymous) is enrolled or assigned."""
    courses = session.scalars(
        select(Course)
        .where(Course.is_published.is_(True), Course.current_number > 0)
        .order_by(Course.slug)
    ).all()
    enrolled: set[int] = set()
    assigned: dict[str, datetime | None] = {}
    if getattr(user, "is_authenticated", False):
        enrolled = set(
            session.scalars(select(Enrolment.course_id).where(Enrolment.user_id == user.id))
        )
        assigned = assigned_courses(session, user.id)
    return [
        CatalogueEntry(c, c.id in enrolled, c.slug in assigned, assigned.get(c.slug))
        for c in courses
    ]


def course_page(session: Session, user, slug: str, locale: str) -> CoursePage | None:
    """The course page for ``user`` (may be anonymous); None for an unknown course."""
    found = course_with_version(session, slug)
    if found is None:
        return None
    course, version = found
    outline = outline_of(session, version, locale)
    enrolment, completions, assigned = None, {}, {}
    if getattr(user, "is_authenticated", False):
        enrolment, completions = standing(session, user.id, course.id)
        assigned = assigned_courses(session, user.id)
    due_at = enrolment.due_at if enrolment and enrolment.due_at else assigned.get(slug)
    return CoursePage(
        course=course,
        version=version,
        outline=outline,
        enrolment=enrolment,
        due_at=due_at,
        assigned=slug in assigned,
        progress=measure(outline, completions),
        final_exam=(version.manifest or {}).get("final_exam"),
    )


# The course, its current version and the reader's standing in it: one row per completion.
_LESSON_STATE = (
    select(
        Course,
        CourseVersion,
        Enrolment,
        LessonCompletion.lesson_slug,
        LessonCompletion.completed_at,
    )
    .join(
        CourseVersion,
        and_(CourseVersion.course_id == Course.id, CourseVersion.number == Course.current_number),
    )
    .outerjoin(
        Enrolment,
        and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id")),
    )
    .outerjoin(
        LessonCompletion,
        and_(
            LessonCompletion.user_id == Enrolment.user_id,
            LessonCompletion.course_id == Enrolment.course_id,
        ),
    )
    .where(Course.slug == bindparam("slug"))
)


def lesson_page(
    session: Session, user, slug: str, lesson_slug: str, locale: str
) -> LessonPage | None:
    """A lesson in ``locale`` (falling back to the course's default locale); None if unknown.

    One query for the course, its version and the reader's standing, one for the lesson row
    (memoised per process), whatever the course's size.
    """
    rows = session.execute(_LESSON_STATE, {"slug": slug, "user_id": user.id}).all()
    if not rows:
        return None
    course, version, enrolment = rows[0][0], rows[0][1], rows[0][2]
    completions = {row[3]: row[4] for row in rows if row[3] is not None}
    lesson = lesson_view(session, version, lesson_slug, locale)
    if lesson is None:
        return None
    outline = outline_of(session, version, locale)
    lessons = [
        (module, item) for module in outline for item in module.items if item.kind == "lesson"
    ]
    index = next(i for i, (_, item) in enumerate(lessons) if item.slug == lesson_slug)
    return LessonPage(
        course=course,
        version=version,
        lesson=lesson,
        module=lessons[index][0],
        previous=lessons[index - 1][1] if index > 0 else None,
        next=lessons[index + 1][1] if index + 1 < len(lessons) else None,
        enrolment=enrolment,
        progress=measure(outline, completions),
    )


@dataclass
class DashboardCourse:
    """A row of the trainee's "my courses" section."""

    slug: str
    title: str
    percent: float
    resume: OutlineItem | None
    enrolled: bool
    due_at: datetime | None
    overdue: bool


def my_courses(session: Session, user, now: datetime, locale: str) -> list[DashboardCourse]:
    """The courses ``user`` is enrolled in or assigned, with progress, resume point and due date.

    Four queries in all, whatever the number of courses.
    """
    assigned = assigned_courses(session, user.id)
    current = and_(
        CourseVersion.course_id == Course.id, CourseVersion.number == Course.current_number
    )
    enrolled_rows = session.execute(
        select(Course, CourseVersion, Enrolment)
        .join(CourseVersion, current)
        .join(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .order_by(Enrolment.enrolled_at.desc())
    ).all()
    seen = {course.slug for course, _, _ in enrolled_rows}
    pending = [slug for slug in assigned if slug not in seen]
    assigned_rows = (
        session.execute(
            select(Course, CourseVersion)
            .join(CourseVersion, current)
            .where(Course.slug.in_(pending))
        ).all()
        if pending
        else []
    )
    completions: dict[int, dict[str, datetime]] = {}
    for course_id, lesson_slug, completed_at in session.execute(
        select(
            LessonCompletion.course_id, LessonCompletion.lesson_slug, LessonCompletion.completed_at
        ).where(LessonCompletion.user_id == user.id)
    ):
        completions.setdefault(course_id, {})[lesson_slug] = completed_at
    rows = [(c, v, e) for c, v, e in enrolled_rows] + [(c, v, None) for c, v in assigned_rows]
    result = []
    for course, version, enrolment in rows:
        progress = measure(outline_of(session, version, locale), completions.get(course.id, {}))
        due_at = (enrolment.due_at if enrolment else None) or assigned.get(course.slug)
        result.append(
            DashboardCourse(
                slug=course.slug,
                title=localized(course.title, locale),
                percent=progress.percent,
                resume=progress.resume,
                enrolled=enrolment is not None,
                due_at=due_at,
                overdue=bool(due_at and now > due_at and progress.percent < 100),
            )
        )
    result.sort(key=lambda row: (not row.overdue, row.due_at is None, row.due_at or now))
    return result
