"""What the trainee's pages show: the catalogue, a course, a lesson, the dashboard section.

Each loader reads what its page needs in a fixed number of queries, whatever the course's size:
the outline comes from the version's manifest (one row), lesson bodies from one lesson row.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.catalog import memo
from course.catalog.models import Course, CourseLesson, CourseVersion, is_current_version
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


def lesson_view(
    session: Session, version: CourseVersion, slug: str, locale: str
) -> LessonView | None:
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
class Reading:
    """A course's current version and one reader's standing in it."""

    course: Course
    version: CourseVersion
    #: The reader (None on the course page for anonymous visitors).
    reader: User | None
    enrolment: Enrolment | None
    #: Completed lesson slug -> when.
    completions: dict[str, datetime]


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
    #: The course-level objectives in the page's locale (course.yaml ``objectives``).
    objectives: list[str] = field(default_factory=list)

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
    is_done: bool
    #: The reader's progress through the lesson's module, in percent.
    module_percent: float


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
    modules = {module.slug: module_percent(module, done) for module in outline}
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


def module_percent(module: OutlineModule, done: Container[str]) -> float:
    """How much of ``module``'s lessons are in ``done`` (lesson slugs), in percent."""
    lessons = module.lesson_slugs
    return _percent(sum(1 for slug in lessons if slug in done), len(lessons))


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


def catalogue(session: Session, user: User) -> list[CatalogueEntry]:
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


def course_page(session: Session, user: User, slug: str, locale: str) -> CoursePage | None:
    """The course page for ``user`` (may be anonymous); None for an unknown course."""
    signed_in = getattr(user, "is_authenticated", False)
    if signed_in:
        found = reading(session, user.id, slug)
    else:
        found = course_with_version(session, slug)
        found = found and Reading(*found, reader=None, enrolment=None, completions={})
    if not found:
        return None
    outline = outline_of(session, found.version, locale)
    assigned = assigned_courses(session, user.id) if signed_in else {}
    enrolment = found.enrolment
    due_at = enrolment.due_at if enrolment and enrolment.due_at else assigned.get(slug)
    return CoursePage(
        course=found.course,
        version=found.version,
        outline=outline,
        enrolment=enrolment,
        due_at=due_at,
        assigned=slug in assigned,
        progress=measure(outline, found.completions),
        final_exam=(found.version.manifest or {}).get("final_exam"),
        objectives=[
            localized(objective["text"], locale)
            for objective in (found.version.manifest or {}).get("objectives") or []
        ],
    )


# Built once: building a statement costs more than running it on a hot page. The reader, the
# course, its current version and the reader's standing: one row per completion, none when the
# course or the reader does not exist.
_READING = (
    select(
        Course,
        CourseVersion,
        User,
        Enrolment,
        LessonCompletion.lesson_slug,
        LessonCompletion.completed_at,
    )
    .join(CourseVersion, is_current_version())
    .join(User, User.id == bindparam("user_id"))
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


def reading(session: Session, user_id: int, slug: str) -> Reading | None:
    """The course ``slug`` and the standing in it of the user with ``user_id``, in one query.

    The query also reads the user's row, which stays in the session's identity map while the
    Reading holds it; there the login manager's user loader finds it, so a page that calls this
    before it first touches ``current_user`` loads its reader without a second round trip. None
    if the course or the user does not exist.
    """
    rows = session.execute(_READING, {"slug": slug, "user_id": user_id}).all()
    if not rows:
        return None
    return Reading(*rows[0][:4], completions={row[4]: row[5] for row in rows if row[4]})


def lesson_page(
    session: Session, found: Reading, lesson_slug: str, locale: str
) -> LessonPage | None:
    """A lesson of ``found``'s course in ``locale`` (falling back to the course's default
    locale); None if the version has no such lesson. One query for the lesson row (memoised per
    process), whatever the course's size.
    """
    version = found.version
    lesson = lesson_view(session, version, lesson_slug, locale)
    if lesson is None:
        return None
    module, previous, following = lesson_places(session, version, locale)[lesson_slug]
    return LessonPage(
        course=found.course,
        version=version,
        lesson=lesson,
        module=module,
        previous=previous,
        next=following,
        enrolment=found.enrolment,
        is_done=lesson_slug in found.completions,
        module_percent=module_percent(module, found.completions),
    )


def lesson_places(
    session: Session, version: CourseVersion, locale: str
) -> dict[str, tuple[OutlineModule, OutlineItem | None, OutlineItem | None]]:
    """Each lesson's module, previous and next lesson in ``locale``, memoised per process, so a
    lesson page finds its place without walking the outline."""

    def build():
        lessons = [
            (module, item)
            for module in outline_of(session, version, locale)
            for item in module.items
            if item.kind == "lesson"
        ]
        return {
            item.slug: (
                module,
                lessons[index - 1][1] if index > 0 else None,
                lessons[index + 1][1] if index + 1 < len(lessons) else None,
            )
            for index, (module, item) in enumerate(lessons)
        }

    return memo.outlines.get((version.content_hash, locale, "places"), build)


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


def my_courses(session: Session, user: User, now: datetime, locale: str) -> list[DashboardCourse]:
    """The courses ``user`` is enrolled in or assigned, with progress, resume point and due date.

    Four queries in all, whatever the number of courses.
    """
    assigned = assigned_courses(session, user.id)
    current = is_current_version()
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
