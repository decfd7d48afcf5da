"""Peak memory of a worker issuing a cohort in bulk: N certificates against 50.

    .venv/bin/python bench/bulk_memory.py [--sizes 50 1000] [--template default|minimal]

Each size runs in a fresh process: a temporary SQLite database and file store, one
organisation, a cohort of N trainees who completed the course, then the real bulk run through
huey's immediate mode (the planning job in batches, one render job per certificate, the ZIP
streamed into the store): everything a worker does, in one process. The figure is that
process's peak resident memory (``ru_maxrss``). ``--template minimal`` renders a one-line
template folder (WeasyPrint, same pipeline) so a 1,000-certificate run takes minutes, not a
quarter of an hour; the pipeline's memory, not the template's, is what grows with N.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = {
    "metadata.yaml": "title: {en: Minimal}\nfonts: [Noto Sans CJK SC]\n",
    "theme.css": "body { font-family: 'Noto Sans CJK SC'; font-size: 12pt }",
    "template.html": "<html><head><title>{{ meta.title }}</title></head><body>"
    "<p>{{ c.recipient_name }} · {{ c.serial }}</p></body></html>",
}


def run_one(size: int, template: str) -> dict:
    """Issue ``size`` certificates in bulk in this process; return timings and peak RSS."""
    work = Path(tempfile.mkdtemp(prefix="bulk-bench-"))
    os.environ["COURSE_INSTANCE_PATH"] = str(work / "instance")
    sys.path.insert(0, str(ROOT))
    templates = ROOT / "certificates"
    if template == "minimal":
        templates = work / "templates"
        (templates / "minimal").mkdir(parents=True)
        for name, text in MINIMAL.items():
            (templates / "minimal" / name).write_text(text, encoding="utf-8")

    from course import create_app, storage
    from course.accounts.models import User
    from course.catalog.models import Course, CourseVersion
    from course.certificates import bulk
    from course.certificates.models import BulkIssue
    from course.certificates.tasks import bulk_issue_task
    from course.extensions import db
    from course.orgs.models import Cohort, CohortMember, Membership, Organisation
    from course.progress.models import CourseCompletion

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}",
        "INSTANCE_PATH": str(work / "instance"),
        "SECRET_KEY": "bench-secret-key-0123456789-0123456789-0123456789",
        "BASE_URL": "http://127.0.0.1:8000",
        "CERTIFICATE_TEMPLATES": str(templates),
        "JOBS_IMMEDIATE": True,
        "WTF_CSRF_ENABLED": False,
    })  # fmt: skip
    now = datetime(2026, 11, 29, 9, tzinfo=UTC)
    with app.app_context():
        db.create_all()
        org = Organisation(slug="city", name={"zh-CN": "示例市", "en": "City"})
        course = Course(slug="service-team-collaboration", title={"zh-CN": "服务团队协作",
                        "en": "Service Team Collaboration"}, hours=6, current_number=1)  # fmt: skip
        db.session.add_all([org, course])
        db.session.flush()
        version = CourseVersion(course_id=course.id, number=1, content_hash="0" * 64,
                                manifest={"locales": ["zh-CN", "en"], "certificate": {
                                    "template": template if template == "minimal" else "default"}},
                                created_at=now)  # fmt: skip
        cohort = Cohort(organisation_id=org.id, name="All")
        db.session.add_all([version, cohort])
        db.session.flush()
        for n in range(size):
            user = User(email=f"t{n}@example.org", display_name=f"王小明{n}", password_hash="x",
                        created_at=now)  # fmt: skip
            db.session.add(user)
            db.session.flush()
            db.session.add_all([
                Membership(user_id=user.id, organisation_id=org.id, role="trainee"),
                CohortMember(cohort_id=cohort.id, user_id=user.id),
                CourseCompletion(user_id=user.id, course_id=course.id, version_id=version.id,
                                 completed_at=now, final_score=0.9),
            ])  # fmt: skip
        db.session.commit()
        run_id = bulk.start_bulk(db.session, None, org, course, cohort, False, now).id
        db.session.commit()
        start = time.perf_counter()
        bulk_issue_task(run_id)
        seconds = time.perf_counter() - start
        run = db.session.get(BulkIssue, run_id)
        counts = bulk.counts(db.session, run.id)
        zip_bytes = storage.size(run.zip_key) if run.zip_key else 0
        errors = sorted({i.error for i, _c in bulk.report(db.session, run.id) if i.error})[:3]
    return {
        "size": size,
        "state": run.state,
        "errors": errors,
        "issued": counts["issued"],
        "failed": counts["failed"],
        "zip_mb": round(zip_bytes / 1e6, 1),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 1000])
    parser.add_argument("--template", choices=["default", "minimal"], default="minimal")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=int, default=3600)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.template)), flush=True)
        return
    results = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--template", args.template],
            capture_output=True, text=True, timeout=args.timeout, check=True,
        )  # fmt: skip
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    base = results[0]["peak_rss_mb"]
    for result in results[1:]:
        ratio = result["peak_rss_mb"] / base
        print(f"peak RSS {result['size']} vs {results[0]['size']}: {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
