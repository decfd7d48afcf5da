"""Shared set-up for the certificates tests: an organisation, people, a course, a completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from course.catalog.models import Course, CourseVersion
from course.certificates import service
from course.extensions import db
from course.progress.models import CourseCompletion

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEMPLATES = Path(__file__).parents[2] / "certificates"


@dataclass
class World:
    org: object
    other_org: object
    admin: object
    other_admin: object
    trainee: object
    other_trainee: object
    course: object
    config: service.IssuingConfig


def make_course(slug="service-team-collaboration", validity_months=24, **certificate):
    course = Course(
        slug=slug,
        title={"zh-CN": "服务团队协作", "en": "Service Team Collaboration"},
        summary={"zh-CN": "协作课程", "en": "A course on collaboration"},
        hours=6,
        current_number=1,
    )
    db.session.add(course)
    db.session.flush()
    manifest = {
        "slug": slug,
        "locales": ["zh-CN", "en"],
        "certificate": {"template": "default", "validity_months": validity_months, **certificate},
    }
    db.session.add(CourseVersion(course_id=course.id, number=1, content_hash="0" * 64,
                                 manifest=manifest, created_at=NOW))  # fmt: skip
    db.session.commit()
    return course


def complete(user, course, score=0.9, when=NOW):
    version = db.session.query(CourseVersion).filter_by(course_id=course.id).first()
    completion = CourseCompletion(
        user_id=user.id, course_id=course.id, version_id=version.id, completed_at=when,
        final_score=score,
    )  # fmt: skip
    db.session.add(completion)
    db.session.commit()
    return completion


@pytest.fixture
def world(app, create_user, create_org, add_member):
    org = create_org(slug="city-centre", name={"zh-CN": "示例市政务服务中心", "en": "City Centre"})
    other_org = create_org(slug="harbour-hotel")
    admin = create_user(display_name="管理员")
    other_admin = create_user(display_name="Other admin")
    trainee = create_user(display_name="王小明")
    other_trainee = create_user(display_name="Li Hua")
    add_member(admin, org, "org_admin")
    add_member(other_admin, other_org, "org_admin")
    add_member(trainee, org, "trainee")
    add_member(other_trainee, org, "trainee")
    config = service.IssuingConfig(
        secret=app.config["SECRET_KEY"], base_url="http://localhost", templates=TEMPLATES
    )
    return World(org, other_org, admin, other_admin, trainee, other_trainee, make_course(), config)


def english(message) -> str:
    """A (lazy) interface message as an English reader sees it."""
    with force_locale("en"):
        return str(message)
