"""Report pages, exports and the staff import against an organisation of N trainees.

Usage::

    .venv/bin/python bench/data_scale.py [--trainees 5000,20000,50000] [--database URL]
                                          [--import-rows 50000] [--repeat 3]

For each N it builds a fresh database (a SQLite file in a temporary folder, or the schema of
``--database``, dropped and created again), imports the flagship course and generates, with
batched inserts through the project's models, an organisation of N trainees in the shapes the
services write: memberships with departments, cohorts with the course assigned, enrolments,
lesson completions and their learning records, graded quiz attempts (each a real paper drawn,
answered and graded by the quiz code, reused across trainees) with the item-analysis sums they
add, course completions and certificates.

It then signs in as the organisation admin (who also teaches the course) and measures, warm,
each report page (median of ``--repeat`` runs, and the SQL statements one run issues), each
export (time, bytes and the peak growth of the process's resident memory while it streams),
the lesson page and dashboard of one trainee, and a staff import of ``--import-rows`` new people
(upload, preview job, import job, welcome links; jobs run inline). Results are printed and
written to ``bench/results/data_scale-<database>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FLAGSHIP = ROOT / "content" / "service-team-collaboration"
PASSWORD = "bench-password-2026"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
BATCH = 2000
VERBS = "http://adlnet.gov/expapi/verbs/"
DEPARTMENTS = [
    "综合窗口",
    "社保专窗",
    "不动产登记",
    "企业开办",
    "咨询台",
    "后台审核",
    "导办台",
    "办公室",
]


def rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def peak_rss():
    """Yields a dict that holds, afterwards, the peak growth of resident memory (bytes)."""
    result = {"growth": 0}
    base = rss()
    stop = threading.Event()

    def sample():
        peak = base
        while not stop.is_set():
            peak = max(peak, rss())
            time.sleep(0.005)
        result["growth"] = max(peak, rss()) - base

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


def insert_batches(session, model, rows):
    from sqlalchemy import insert

    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])


def graded_pool(session, version, quiz_id, size, rng):
    """``size`` real attempts at a quiz: drawn, answered at random and graded by the quiz code."""
    from course.quizzes.draw import arrange, select_questions
    from course.quizzes.grading import grade, total_score
    from course.quizzes.paper import canonical_response

    quiz = version.quizzes[quiz_id]
    bank = version.quizzes.get("bank") if quiz.get("draw") else None
    pool = []
    for seed in range(size):
        questions = select_questions(quiz, bank, seed)
        paper = [(q, arrange(q, seed, bool(quiz.get("shuffle_options")))) for q in questions]
        responses, results, parts = {}, {}, []
        skill = rng.random()
        for question, arrangement in paper:
            entry = _answer(question, rng, skill)
            if entry is not None:
                responses[question["id"]] = entry
            outcome = grade(question, canonical_response(question, arrangement, entry))
            score = 0.0 if outcome.pending else outcome.score
            results[question["id"]] = {"score": score, "feedback": []}
            parts.append((question["points"], score))
        score = total_score(parts) or 0.0
        pool.append((seed, responses, results, score, paper))
    return quiz, pool


def _answer(question, rng, skill):
    kind = question["type"]
    right = rng.random() < 0.35 + 0.6 * skill
    if kind == "single":
        correct = [o["id"] for o in question["options"] if o["correct"]]
        return correct[0] if right else rng.choice([o["id"] for o in question["options"]])
    if kind == "multiple":
        if right:
            return [o["id"] for o in question["options"] if o["correct"]]
        ids = [o["id"] for o in question["options"]]
        return rng.sample(ids, rng.randint(1, len(ids)))
    if kind == "true_false":
        return (
            ("true" if question["answer"] else "false") if right else rng.choice(["true", "false"])
        )
    return None  # other kinds left blank: scored 0, as a trainee who skipped them


def generate(app, trainees: int, seed: int = 1) -> dict:
    """The organisation, its people and their learning, in batched inserts."""
    from sqlalchemy import select

    from course.accounts.models import User
    from course.accounts.service import create_user
    from course.authoring.models import CourseInstructor
    from course.catalog import service as catalog
    from course.certificates.models import Certificate
    from course.extensions import db
    from course.orgs.models import Assignment, Cohort, CohortMember, Membership
    from course.orgs.service import add_member, create_organisation
    from course.progress.models import CourseCompletion, Enrolment, LearningRecord, LessonCompletion
    from course.quizzes.itemsums import SUM_COLUMNS, attempt_rows, upsert_increments
    from course.quizzes.models import GRADED, QuizAttempt, QuizItemSums, QuizOptionCount

    rng = random.Random(seed)
    session = db.session
    result = catalog.import_package(session, None, FLAGSHIP, NOW)
    assert result.ok, result.problems
    course, version = result.course, result.version
    lessons = catalog.lesson_slugs(version)
    quiz_ids = [q for q in version.quizzes if q != "bank"]
    org = create_organisation(
        session, "province", {"zh-CN": "省政务服务中心", "en": "Province"}, NOW
    )
    admin = create_user(session, "admin@example.com", PASSWORD, "管理员", NOW, locale="en")
    add_member(session, org, admin, "org_admin", NOW)
    session.add(CourseInstructor(course_id=course.id, user_id=admin.id, added_at=NOW))
    session.commit()

    started = time.perf_counter()
    users = [
        {"email": f"trainee{i:06d}@example.com", "display_name": f"学员{i:06d}",
         "password_hash": None, "locale": "zh-CN", "is_platform_admin": False,
         "session_epoch": 0, "created_at": NOW - timedelta(days=200)}
        for i in range(trainees)
    ]  # fmt: skip
    insert_batches(session, User, users)
    ids = list(
        session.scalars(select(User.id).where(User.email.like("trainee%")).order_by(User.id))
    )
    insert_batches(session, Membership, [
        {"user_id": uid, "organisation_id": org.id, "role": "trainee",
         "employee_number": f"E{n:06d}", "department": DEPARTMENTS[n % len(DEPARTMENTS)],
         "created_at": NOW - timedelta(days=200)}
        for n, uid in enumerate(ids)
    ])  # fmt: skip
    cohorts = []
    for number in range(max(1, trainees // 1000)):
        cohort = Cohort(organisation_id=org.id, name=f"2026 第{number + 1:02d}期", created_at=NOW)
        session.add(cohort)
        cohorts.append(cohort)
    session.flush()
    for number, cohort in enumerate(cohorts):
        due = NOW + timedelta(days=30) if number % 3 else NOW - timedelta(days=10)
        session.add(Assignment(cohort_id=cohort.id, course_slug=course.slug, due_at=due,
                               assigned_by_id=admin.id, created_at=NOW))  # fmt: skip
    insert_batches(session, CohortMember, [
        {"cohort_id": cohorts[n % len(cohorts)].id, "user_id": uid} for n, uid in enumerate(ids)
    ])  # fmt: skip
    insert_batches(session, Enrolment, [
        {"user_id": uid, "course_id": course.id, "enrolled_at": NOW - timedelta(days=120),
         "source": "assigned", "due_at": None}
        for uid in ids
    ])  # fmt: skip

    pools = {q: graded_pool(session, version, q, 120, rng) for q in quiz_ids}
    lesson_rows, record_rows, attempt_rows_, completions, certificates = [], [], [], [], []
    sums: dict[tuple, dict] = {}
    picks: dict[tuple, dict] = {}
    status_index = 0
    for uid in ids:
        progress = rng.random()
        done = lessons[: int(len(lessons) * min(1.0, progress * 1.3))]
        for slug in done:
            at = NOW - timedelta(days=rng.randint(1, 110), minutes=rng.randint(0, 600))
            lesson_rows.append({"user_id": uid, "course_id": course.id, "lesson_slug": slug,
                                "completed_at": at})  # fmt: skip
            record_rows.append({
                "id": str(uuid.uuid4()), "user_id": uid, "course_id": course.id,
                "verb": "http://adlnet.gov/expapi/verbs/completed",
                "object_id": f"{course.slug}/lessons/{slug}", "object_type": "lesson",
                "result": {"completion": True}, "context": None, "timestamp": at,
            })  # fmt: skip
        taken = quiz_ids[: int(len(quiz_ids) * progress)]
        best = []
        for quiz_id in taken:
            quiz, pool = pools[quiz_id]
            pass_mark = quiz.get("pass_mark", 0.6)
            for number in range(1, rng.choice([2, 2, 3]) + 1 if progress > 0.5 else 2):
                paper_seed, responses, results, score, paper = rng.choice(pool)
                at = NOW - timedelta(days=rng.randint(1, 100))
                attempt = {
                    "user_id": uid, "course_id": course.id, "version_id": version.id,
                    "quiz_id": quiz_id, "number": number, "seed": paper_seed, "started_at": at,
                    "deadline_at": None, "submitted_at": at + timedelta(minutes=12),
                    "status": GRADED, "closed_by": "trainee", "submission_token": None,
                    "responses": responses, "results": results, "score": score,
                    "passed": score >= pass_mark, "pass_mark": pass_mark,
                    "grading": "best", "review": {}, "layout": "all",
                }  # fmt: skip
                attempt_rows_.append(attempt)
                record_rows.append({
                    "id": str(uuid.uuid4()), "user_id": uid, "course_id": course.id,
                    "verb": VERBS + ("passed" if attempt["passed"] else "failed"),
                    "object_id": f"{course.slug}/quizzes/{quiz_id}", "object_type": "quiz",
                    "result": {"score": {"scaled": score}}, "context": None, "timestamp": at,
                })  # fmt: skip
                sum_rows, pick_rows = attempt_rows(
                    QuizAttempt(course_id=course.id, quiz_id=quiz_id, version_id=version.id,
                                responses=responses, results=results), paper)  # fmt: skip
                for row in sum_rows:
                    key = (quiz_id, row["question_id"])
                    total = sums.setdefault(key, {**row, **dict.fromkeys(SUM_COLUMNS, 0)})
                    for name in SUM_COLUMNS:
                        total[name] += row[name]
                for row in pick_rows:
                    key = (quiz_id, row["question_id"], row["option_id"])
                    picks.setdefault(key, {**row, "count": 0})["count"] += 1
                best.append(score)
        if len(done) == len(lessons) and len(taken) == len(quiz_ids):
            completed_at = NOW - timedelta(days=rng.randint(1, 90))
            final = sum(best) / len(best) if best else None
            completions.append({"user_id": uid, "course_id": course.id, "version_id": version.id,
                                "completed_at": completed_at, "final_score": final})  # fmt: skip
            status_index += 1
            revoked = status_index % 97 == 0
            certificates.append({
                "serial": f"PROV-2026-{status_index:06d}", "code": uuid.uuid4().hex[:20],
                "credential_id": str(uuid.uuid4()), "user_id": uid, "organisation_id": org.id,
                "course_id": course.id, "completion_id": None, "template": "default",
                "recipient_name": f"学员{uid:06d}", "course_title": course.title,
                "hours": 12.0, "completed_at": completed_at, "final_score": final,
                "issued_at": completed_at + timedelta(hours=1),
                "valid_until": completed_at + timedelta(days=rng.randint(60, 400)),
                "status": "revoked" if revoked else "valid",
                "revoked_at": NOW if revoked else None,
                "revocation_reason": "bench" if revoked else None,
                "status_index": status_index, "public": True, "token": "bench", "kid": "bench",
                "pdf_key": None, "replaces_id": None, "issued_by_id": None, "override_reason": None,
            })  # fmt: skip
    insert_batches(session, LessonCompletion, lesson_rows)
    insert_batches(session, LearningRecord, record_rows)
    insert_batches(session, QuizAttempt, attempt_rows_)
    insert_batches(session, CourseCompletion, completions)
    insert_batches(session, Certificate, certificates)
    base = ("course_id", "quiz_id", "version_id", "question_id")
    upsert_increments(session, QuizItemSums, base, SUM_COLUMNS, list(sums.values()))
    upsert_increments(
        session, QuizOptionCount, (*base, "option_id"), ("count",), list(picks.values())
    )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(db.text("ANALYZE"))
        session.commit()
    else:
        session.execute(db.text("ANALYZE"))
        session.commit()
    a_trainee = session.get(User, ids[len(ids) // 2])
    with contextlib.suppress(Exception):
        a_trainee.password_hash = admin.password_hash
        session.commit()
    return {
        "generate_seconds": round(time.perf_counter() - started, 1),
        "rows": {
            "trainees": len(ids),
            "lesson_completions": len(lesson_rows),
            "learning_records": len(record_rows),
            "quiz_attempts": len(attempt_rows_),
            "course_completions": len(completions),
            "certificates": len(certificates),
        },  # fmt: skip
        "course": course.slug,
        "lesson": lessons[len(lessons) // 2],
        "quizzes": [quiz_ids[0], "final-exam" if "final-exam" in quiz_ids else quiz_ids[-1]],
        "cohort": cohorts[0].id,
        "trainee_email": a_trainee.email,
    }


def measure(app, facts: dict, repeat: int, import_rows: int) -> dict:
    from course.extensions import db

    engine = db.engine
    counter = StatementCounter(engine)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert (
        client.post("/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code
        == 302
    )
    slug, course = "province", facts["course"]
    pages = {
        "Organisation home (members)": f"/orgs/{slug}",
        "Organisation home, filtered": f"/orgs/{slug}?q=学员00012&page=1",
        "Organisation home, page 500": f"/orgs/{slug}?page=500",
        "Cohort": f"/orgs/{slug}/cohorts/{facts['cohort']}",
        "Course report": f"/reports/courses/{course}",
        "Course report, page 200": f"/reports/courses/{course}?page=200",
        "Item analysis, a module quiz": f"/reports/courses/{course}/quizzes/{facts['quizzes'][0]}",
        "Item analysis, final exam": f"/reports/courses/{course}/quizzes/{facts['quizzes'][1]}",
        "Organisation report": f"/reports/orgs/{slug}",
        "Organisation report, overdue": f"/reports/orgs/{slug}?status=overdue",
        "Certificate management": f"/orgs/{slug}/certificates",
        "Trainee search (JSON)": f"/orgs/{slug}/certificates/trainees.json?q=学员0001",
    }
    results = {"pages": {}, "exports": {}, "trainee_pages": {}}
    for name, url in pages.items():
        results["pages"][name] = _time_get(client, counter, url, repeat)
    exports = {
        "Organisation report (assignments) CSV": f"/reports/orgs/{slug}?export=csv",
        "Organisation report (assignments) XLSX": f"/reports/orgs/{slug}?export=xlsx",
        "Course report (trainees) CSV": f"/reports/courses/{course}?export=csv",
        "Course report (trainees) XLSX": f"/reports/courses/{course}?export=xlsx",
        "Certificates XLSX": f"/reports/orgs/{slug}?export=xlsx&table=certificates",
    }
    for name, url in exports.items():
        results["exports"][name] = _time_export(client, counter, url)
    trainee = app.test_client()
    trainee.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    trainee.post("/login", data={"email": facts["trainee_email"], "password": PASSWORD})
    for name, url in {
        "Dashboard": "/dashboard",
        "Lesson page": f"/courses/{course}/lessons/{facts['lesson']}",
    }.items():
        results["trainee_pages"][name] = _time_get(trainee, counter, url, repeat)
    if import_rows:
        results["import"] = _time_import(app, client, import_rows)
    return results


def _time_get(client, counter, url, repeat):
    client.get(url)  # warm
    times, statements = [], None
    for _ in range(repeat):
        before = counter.count
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        statements = counter.count - before
    return {"seconds": round(statistics.median(times), 3), "statements": statements,
            "bytes": len(response.data)}  # fmt: skip


def _time_export(client, counter, url):
    before = counter.count
    started = time.perf_counter()
    with peak_rss() as memory:
        response = client.get(url, buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
    assert response.status_code == 200, url
    return {"seconds": round(time.perf_counter() - started, 2), "bytes": size,
            "rss_growth_mb": round(memory["growth"] / 1048576, 1),
            "statements": counter.count - before}  # fmt: skip


def _time_import(app, client, rows):
    from course.extensions import db
    from course.orgs.models import StaffImport

    lines = ["姓名,邮箱,工号,部门,角色"] + [
        f"新员工{i:06d},new{i:06d}@example.com,N{i:06d},{DEPARTMENTS[i % 8]},学员"
        for i in range(rows)
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    started = time.perf_counter()
    response = client.post(
        "/orgs/province/import",
        data={"file": (io.BytesIO(data), "staff.csv")},
        content_type="multipart/form-data",
    )
    previewed = time.perf_counter()
    assert response.status_code == 302, response.status_code
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = db.session.get(StaffImport, job_id)
    assert job.state == "previewed", (job.state, job.failure)
    with peak_rss() as memory:
        confirm_started = time.perf_counter()
        assert client.post(f"/orgs/province/imports/{job_id}/confirm").status_code == 302
        ended = time.perf_counter()
    db.session.expire_all()
    job = db.session.get(StaffImport, job_id)
    import_seconds = (job.finished_at - job.created_at).total_seconds()
    return {
        "rows": rows,
        "bytes": len(data),
        "upload_and_preview_seconds": round(previewed - started, 1),
        "confirm_to_done_seconds_incl_welcome_mails": round(ended - confirm_started, 1),
        "upload_to_imported_seconds": round(import_seconds, 1),
        "state": job.state,
        "mailed": job.mailed,
        "rss_growth_mb": round(memory["growth"] / 1048576, 1),
    }


def run(n: int, database: str | None, repeat: int, import_rows: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"course-scale-{n}-"))
    os.environ["COURSE_INSTANCE_PATH"] = str(folder)
    url = database or f"sqlite:///{folder / 'course.db'}"
    from course import create_app
    from course.extensions import db

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789abcdef-bench",
        "JOBS_IMMEDIATE": True, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(folder), "BASE_URL": "http://localhost",
    })  # fmt: skip
    with app.app_context():
        db.drop_all()
        db.create_all()
        facts = generate(app, n)
        measured = measure(app, facts, repeat, import_rows)
        db.session.remove()
        db.engine.dispose()
    return {"trainees": n, "database": db_name(url), "load_average": os.getloadavg(),
            **facts, **measured}  # fmt: skip


def db_name(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainees", default="5000,20000,50000")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--import-rows", type=int, default=0,
                        help="rows of the staff import (default: as many as trainees)")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("COURSE_ENV", "production")
    runs = []
    for n in (int(value) for value in args.trainees.split(",")):
        load_before = os.getloadavg()
        result = run(n, args.database, args.repeat, args.import_rows or n)
        result["load_average_before"] = load_before
        runs.append(result)
        print(json.dumps(result, ensure_ascii=False, indent=1), flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = db_name(args.database or "sqlite")
    (out / f"data_scale-{name}.json").write_text(json.dumps(runs, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
