"""The in-process cost of an exam start: the POST that starts an attempt plus the attempt page,
through Flask's test client (no server, no network), median of many starts.

Usage: ``.venv/bin/python bench/exam_start_inprocess.py [--starts 200] [--quiz burst|final-exam]``

``exam_burst.py`` needs a quiet machine; this one measures what the application itself spends on a
start, so a change to the attempt page can be compared before and after on a busy one (the median
and the CPU time per start are robust to other processes). ``burst`` is ``exam_burst.py``'s
20-question quiz on the test fixture course; ``final-exam`` is the flagship course's final exam
(20 questions drawn from the bank, one per page).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "quizzes"


def build(folder: Path, quiz: str) -> tuple[str, str]:
    """Import the course holding ``quiz``; returns (course slug, quiz id)."""
    from exam_burst import QUIZ_ID, quiz_yaml

    from course.catalog import service
    from course.db import utcnow
    from course.extensions import db

    if quiz == "burst":
        repo = folder / "repo"
        shutil.copytree(FIXTURE, repo)
        (repo / "quizzes" / "quiz-course" / f"{QUIZ_ID}.yaml").write_text(quiz_yaml())
        path, slug, quiz_id = repo / "content" / "quiz-course", "quiz-course", QUIZ_ID
    else:
        slug = "service-team-collaboration"
        path, quiz_id = ROOT / "content" / slug, "final-exam"
    result = service.import_package(db.session, None, path, utcnow())
    assert result.ok, result.problems
    db.session.commit()
    return slug, quiz_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=200)
    parser.add_argument("--quiz", choices=("burst", "final-exam"), default="burst")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="course-start-"))
    os.environ["COURSE_INSTANCE_PATH"] = str(folder / "instance")
    from course import create_app
    from course.accounts import service as accounts
    from course.db import utcnow
    from course.extensions import db
    from course.progress.service import enrol

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "TESTING": False,
        }
    )
    walls, cpus = [], []
    with app.app_context():
        db.create_all()
        slug, quiz_id = build(folder, args.quiz)
        from course.catalog.models import Course

        course = db.session.query(Course).filter_by(slug=slug).one()
        password_hash = accounts.hash_password("bench-password")
        users = []
        for n in range(args.starts + 20):
            user = accounts.User(
                email=f"t{n}@example.com",
                display_name=f"T{n}",
                password_hash=password_hash,
                created_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
            enrol(db.session, user, course, utcnow())
            users.append(user)
        db.session.commit()
        emails = [u.email for u in users]
        db.session.remove()
    start_url = f"/courses/{slug}/quizzes/{quiz_id}/start"
    for n, email in enumerate(emails):
        client = app.test_client()
        signed = client.post("/login", data={"email": email, "password": "bench-password"})
        assert signed.status_code == 302, signed.status_code
        began, began_cpu = time.perf_counter(), time.process_time()
        started = client.post(start_url)
        page = client.get(started.headers["Location"])
        wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        assert page.status_code == 200, page.status_code
        if n >= 20:  # the first starts warm the caches and compile the templates
            walls.append(wall)
            cpus.append(cpu)
    figures = {
        "quiz": args.quiz,
        "starts": len(walls),
        "median_ms": round(statistics.median(walls) * 1000, 2),
        "median_cpu_ms": round(statistics.median(cpus) * 1000, 2),
        "p90_ms": round(sorted(walls)[int(len(walls) * 0.9)] * 1000, 2),
    }
    print(json.dumps(figures))
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
