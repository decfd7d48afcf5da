"""An exam start: N trainees start the same 20-question quiz within one second and submit within
the next minute, against gunicorn on SQLite or PostgreSQL.

Usage: ``.venv/bin/python bench/exam_burst.py [--database sqlite|postgres] [--trainees 300]``

It builds a throwaway instance (and, for PostgreSQL, a throwaway cluster on a free port), imports
a course with a 20-question quiz, creates and signs in the trainees, then measures:

- a single trainee's start and submit, 20 times one after the other (the baseline), after 15
  untimed ones that warm every worker (templates compiled, caches filled);
- the burst: every trainee starts within one second, then submits at a random moment of the next
  minute; one in ten submits twice at once (a double click).

A *start* is the POST that starts the attempt plus the attempt page it leads to; a *submit* is the
POST that submits plus the results page. Afterwards the database is checked: one graded attempt
per trainee, its score equal to the score of the answers that trainee sent, one pass/fail
statement each. It prints p50/p95/p99 and the burst/single p95 ratios and writes them to
``bench/results/exam_burst_<database>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exam_client import Trainee, percentiles  # noqa: E402
from lesson_throughput import free_port, gunicorn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
FIXTURE = ROOT / "tests" / "fixtures" / "quizzes"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "bench-password-2026"
QUIZ_ID = "burst"


def quiz_yaml() -> str:
    """A 20-question quiz whose entries do not depend on the attempt's arrangement."""
    lines = ["title: {zh-CN: 结业考试, en: Final exam}", "pass_mark: 0.6", "time_limit_minutes: 30",
             "shuffle_questions: true", "shuffle_options: true", "questions:"]  # fmt: skip
    for n in range(20):
        kind = ["single", "single", "multiple", "true_false", "short", "numeric"][n % 6]
        lines += [
            f"  - id: b{n:02d}",
            f"    type: {kind}",
            f"    text: {{zh-CN: 第{n + 1}题, en: Question {n + 1}}}",
        ]
        if kind in ("single", "multiple"):
            lines.append("    options:")
            for index, letter in enumerate("abcd"):
                right = index == 0 or (kind == "multiple" and index == 1)
                lines.append(
                    f"      - {{id: {letter}, text: Option {letter}"
                    + (", correct: true}" if right else "}")
                )
        elif kind == "true_false":
            lines.append("    answer: true")
        elif kind == "short":
            lines.append("    accept: [团队协作, teamwork]")
        else:
            lines += ["    answer: 30", "    tolerance: 1"]
    return "\n".join(lines) + "\n"


def random_entries(rng: random.Random) -> dict:
    """One trainee's answers: right or wrong at random, in the form's field names."""
    entries = {}
    for n in range(20):
        kind = ["single", "single", "multiple", "true_false", "short", "numeric"][n % 6]
        field = f"q-b{n:02d}"
        if kind == "single":
            entries[field] = rng.choice("abcd")
        elif kind == "multiple":
            entries[field] = rng.sample("abcd", rng.randint(1, 3))
        elif kind == "true_false":
            entries[field] = rng.choice(["true", "false"])
        elif kind == "short":
            entries[field] = rng.choice(["团队 协作", "ＴＥＡＭＷＯＲＫ", "合作"])
        else:
            entries[field] = rng.choice(["30", "30.5", "33"])
    return entries


def expected_score(quiz: dict, entries: dict) -> float:
    from course.quizzes.grading import grade, total_score
    from course.quizzes.paper import canonical_response

    parts = []
    for question in quiz["questions"]:
        entry = entries.get(f"q-{question['id']}")
        parts.append(
            (question["points"], grade(question, canonical_response(question, {}, entry)).score)
        )
    return total_score(parts)


def start_postgres(folder: Path) -> tuple[str, callable]:
    """A throwaway cluster on a free port; returns its URL and a function that stops it."""
    data = folder / "pg"
    data.mkdir()
    shutil.chown(folder, "postgres")
    shutil.chown(data, "postgres")
    port = free_port()
    run = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        run + [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k /tmp -c max_connections=200"
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "pg.log"), "-w"]
    subprocess.run(run + pg_ctl + ["-o", options, "start"], check=True, capture_output=True)
    subprocess.run(
        run + ["psql", "-h", "/tmp", "-p", str(port), "-c", "CREATE DATABASE bench"],
        check=True,
        capture_output=True,
    )

    def stop():
        subprocess.run(
            run + [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )

    return f"postgresql+psycopg://postgres@/bench?host=/tmp&port={port}", stop


def prepare(count: int) -> tuple[dict, list[str]]:
    """Schema, the course with the burst quiz, and the trainees (enrolled); returns the quiz."""
    from course import create_app
    from course.accounts.service import create_user
    from course.catalog import service
    from course.db import utcnow
    from course.extensions import db
    from course.progress.service import enrol
    from course.quizzes.service import definition

    repo = Path(os.environ["COURSE_INSTANCE_PATH"]) / "repo"
    shutil.copytree(FIXTURE, repo)
    (repo / "quizzes" / "quiz-course" / f"{QUIZ_ID}.yaml").write_text(quiz_yaml(), encoding="utf-8")
    app = create_app()
    with app.app_context():
        db.create_all()
        result = service.import_package(
            db.session, None, repo / "content" / "quiz-course", utcnow()
        )
        assert result.ok, result.problems
        emails = [f"trainee{n:03d}@example.com" for n in range(count)]
        for email in emails:
            user = create_user(db.session, email, PASSWORD, email.split("@")[0], utcnow())
            enrol(db.session, user, result.course, utcnow())
        quiz = definition(db.session, result.version.id, QUIZ_ID)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return quiz, emails


def check(quiz: dict, sent: dict[str, dict]) -> dict:
    """Count attempts, gradings and statements per trainee against what each one sent."""
    from sqlalchemy import func, select

    from course import create_app
    from course.accounts.models import User
    from course.extensions import db
    from course.progress.models import LearningRecord
    from course.quizzes.models import QuizAttempt

    app = create_app()
    with app.app_context():
        rows = db.session.execute(
            select(User.email, QuizAttempt.status, QuizAttempt.score)
            .join(QuizAttempt, QuizAttempt.user_id == User.id)
            .where(QuizAttempt.quiz_id == QUIZ_ID)
        ).all()  # fmt: skip
        verdicts = dict(
            db.session.execute(
                select(User.email, func.count())
                .join(LearningRecord, LearningRecord.user_id == User.id)
                .where(LearningRecord.verb.like("%/passed") | LearningRecord.verb.like("%/failed"))
                .where(LearningRecord.object_id.like(f"%/quizzes/{QUIZ_ID}"))
                .group_by(User.email)
            ).all()
        )  # fmt: skip
        db.engine.dispose()
    per_user: dict[str, list] = {}
    for email, status, score in rows:
        per_user.setdefault(email, []).append((status, score))
    lost = [e for e in sent if e not in per_user or per_user[e][0][0] != "graded"]
    duplicated = [
        e for e, attempts in per_user.items() if len(attempts) != 1 or verdicts.get(e) != 1
    ]
    wrong = [
        e for e, entries in sent.items()
        if e in per_user and abs((per_user[e][0][1] or 0) - expected_score(quiz, entries)) > 1e-9
    ]  # fmt: skip
    return {
        "attempts": len(rows),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "wrong_scores": len(wrong),
    }


def run(trainees: list[Trainee], window: float) -> dict:
    """The burst: all start within a second, each submits once (some twice) within ``window``."""
    barrier = threading.Barrier(len(trainees) + 1)
    origin = [0.0]

    def one(trainee: Trainee, rng: random.Random) -> None:
        barrier.wait()
        time.sleep(rng.uniform(0, 1))
        trainee.start()
        time.sleep(max(0.0, origin[0] + 1 + rng.uniform(0, window) - time.monotonic()))
        trainee.submit(double=rng.random() < 0.1)

    threads = [
        threading.Thread(target=one, args=(t, random.Random(n))) for n, t in enumerate(trainees)
    ]
    for thread in threads:
        thread.start()
    origin[0] = time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join()
    starts = [t.timings["start"] for t in trainees if "start" in t.timings]
    submits = [t.timings["submit"] for t in trainees if "submit" in t.timings]
    errors = sum(len(t.errors) for t in trainees)
    return {"start": percentiles(starts), "submit": percentiles(submits), "errors": errors,
            "error_samples": [e for t in trainees for e in t.errors][:5]}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument(
        "--window", type=float, default=59.0, help="Seconds over which submits spread."
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="course-burst-"))
    stop_db = None
    url = f"sqlite:///{instance / 'bench.db'}"
    if args.database == "postgres":
        url, stop_db = start_postgres(instance)
    os.environ.update(
        COURSE_INSTANCE_PATH=str(instance / "instance"),
        COURSE_DATABASE_URL=url,
        COURSE_SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        COURSE_RATELIMIT="0",
    )
    solo_count, warm_count = 20, 15
    quiz, emails = prepare(args.trainees + solo_count + warm_count)
    with gunicorn(args.workers, backlog=2048) as base:
        everyone = [
            Trainee(base, email, PASSWORD, QUIZ_ID, random_entries(random.Random(email)))
            for email in emails
        ]
        threads = [threading.Thread(target=t.sign_in) for t in everyone]
        for batch in range(0, len(threads), 20):
            for thread in threads[batch : batch + 20]:
                thread.start()
            for thread in threads[batch : batch + 20]:
                thread.join()
        warm = everyone[:warm_count]
        solo = everyone[warm_count : warm_count + solo_count]
        burst = everyone[warm_count + solo_count :]
        for trainee in warm:  # not timed: every worker compiles its templates and fills its caches
            trainee.start()
            trainee.submit()
        for trainee in solo:  # the baseline: one trainee at a time
            trainee.start()
            trainee.submit()
        for trainee in solo:
            for error in trainee.errors[:1]:
                print(trainee.email, error, file=sys.stderr)
        single = {
            "start": percentiles([t.timings["start"] for t in solo if "start" in t.timings]),
            "submit": percentiles([t.timings["submit"] for t in solo if "submit" in t.timings]),
            "errors": sum(len(t.errors) for t in solo),
        }
        burst_result = run(burst, args.window)
    integrity = check(quiz, {t.email: t.entries for t in everyone})
    if stop_db:
        stop_db()
    figures = {
        "database": args.database,
        "trainees": args.trainees,
        "questions": len(quiz["questions"]),
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "single": single,
        "burst": burst_result,
        "integrity": integrity,
        "ratio_p95_start": round(burst_result["start"]["p95_ms"] / single["start"]["p95_ms"], 2),
        "ratio_p95_submit": round(burst_result["submit"]["p95_ms"] / single["submit"]["p95_ms"], 2),
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"exam_burst_{args.database}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    shutil.rmtree(instance, ignore_errors=True)
    ok = burst_result["errors"] == 0 and single["errors"] == 0
    ok = ok and integrity["lost"] == integrity["duplicated"] == integrity["wrong_scores"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
