"""The running cluster (``harness.Cluster``) and the people and course it serves, once per stage."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster.harness import BIN, BUCKET, SECRET, Cluster

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "quizzes"
PASSWORD = "cluster-password-2026"
ORG = "cluster-centre"
ADMIN = "admin@cluster.example"
COHORT_SIZE = 4
BURST_TRAINEES = 24
QUESTIONS = 10


def burst_quiz() -> str:
    lines = ["title: {zh-CN: 集群测验, en: Cluster quiz}", "pass_mark: 0.6",
             "time_limit_minutes: 60", "questions:"]  # fmt: skip
    for n in range(QUESTIONS):
        lines += [
            f"  - id: s{n:02d}",
            "    type: short",
            f"    text: {{zh-CN: 第{n + 1}题, en: Question {n + 1}}}",
            "    accept: [teamwork]",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class World:
    admin: str
    cohort_id: int
    cohort: list[str]
    burst: list[str]
    course_slug: str = "quiz-course"


@pytest.fixture(scope="session")
def cluster(s3_server):
    database_url = os.environ.get("COURSE_TEST_DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        pytest.skip("the cluster stage runs on PostgreSQL (.ci/cluster)")
    for tool in ("nginx", "redis-server"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (make test-setup installs it)")
    root = Path(tempfile.mkdtemp(prefix="course-cluster-"))
    running = Cluster(root, database_url, s3_server)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        if os.environ.get("COURSE_CLUSTER_KEEP"):
            print(f"cluster folder kept: {root}")
        else:
            running.clean()


@pytest.fixture(scope="session")
def cluster_app(cluster):
    """An application on the cluster's database and store, for seeding and for checks."""
    from course import create_app
    from course.extensions import db

    saved = {k: os.environ.get(k) for k in cluster.env if k.startswith("AWS_")}
    os.environ.update({k: v for k, v in cluster.env.items() if k.startswith("AWS_")})
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": cluster.database_url,
            "SECRET_KEY": SECRET,
            "BASE_URL": cluster.base_url,
            "FILES_URL": f"s3://{BUCKET}/files",
            "SERVER_NAME": None,
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def world(cluster, cluster_app, tmp_path_factory) -> World:
    """The administrator and the course the way docs/operations.md says (``course create-admin``,
    ``course content import`` on one machine); then test people: an organisation its
    administrator runs, a cohort that completed the quiz course, trainees enrolled for the burst."""
    from sqlalchemy import select

    from course.accounts.models import User
    from course.accounts.service import create_user
    from course.catalog.models import Course, CourseVersion
    from course.db import utcnow
    from course.extensions import db
    from course.orgs.models import Cohort, CohortMember
    from course.orgs.service import add_member, create_organisation
    from course.progress.models import CourseCompletion
    from course.progress.service import enrol

    repo = tmp_path_factory.mktemp("cluster-course")
    shutil.copytree(FIXTURE, repo, dirs_exist_ok=True)
    (repo / "quizzes" / "quiz-course" / "burst.yaml").write_text(burst_quiz(), encoding="utf-8")
    course_cli = str(BIN / "course")
    for command in (
        [course_cli, "create-admin", ADMIN, "--password", PASSWORD],
        [course_cli, "content", "import", str(repo / "content" / "quiz-course")],
    ):
        done = cluster.run(*command)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    with cluster_app.app_context():
        now = utcnow()
        course = db.session.scalars(select(Course).filter_by(slug="quiz-course")).one()
        version = db.session.scalars(select(CourseVersion).filter_by(course_id=course.id)).one()
        org = create_organisation(
            db.session,
            ORG,
            {"zh-CN": "集群市政务服务中心", "en": "Cluster City Service Centre"},
            now,
            signatory_name="陈明 Chen Ming",
            signatory_title={"zh-CN": "主任", "en": "Director"},
        )
        admin = db.session.scalars(select(User).filter_by(email=ADMIN)).one()
        add_member(db.session, org, admin, "org_admin", now)
        cohort = Cohort(organisation_id=org.id, name="Front desk")
        db.session.add(cohort)
        db.session.flush()
        cohort_emails, burst_emails = [], []
        for n in range(COHORT_SIZE):
            email = f"cohort{n}@cluster.example"
            user = create_user(db.session, email, PASSWORD, f"学员{n} Trainee {n}", now)
            add_member(db.session, org, user, "trainee", now)
            db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
            db.session.add(
                CourseCompletion(
                    user_id=user.id, course_id=course.id, version_id=version.id,
                    completed_at=now, final_score=0.9,
                )
            )  # fmt: skip
            cohort_emails.append(email)
        for n in range(BURST_TRAINEES):
            email = f"burst{n:02d}@cluster.example"
            user = create_user(db.session, email, PASSWORD, f"Burst {n}", now)
            enrol(db.session, user, course, now)
            burst_emails.append(email)
        db.session.commit()
        world = World(ADMIN, cohort.id, cohort_emails, burst_emails)
        db.session.remove()
    return world
